"""The built-in module types of citizen apps: their settings, default settings, checks and rendering.

They are registered by the default plugin (`koban_app_module_types`), like the base taxonomy; a city plugin may
replace one (same `type`) or add its own. Questions of the report and survey modules use Open311's attribute
datatypes (`koban.tenants.models.QuestionType`) and JSONLogic conditions over the form's answers:
`visible_if` (the question is shown only while it holds) and `required_if` (it must then be answered).
A condition reads `answers.<question code>` of the same form, `category` (report), `platform` and `locale`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from enum import StrEnum
from functools import cache
from pathlib import Path as FilePath
from typing import Annotated, Any

from pydantic import Field, model_validator

from koban.app_config.findings import Finding, Path
from koban.app_config.logic import answer_references, cycles
from koban.app_config.models import (
    AppModuleType,
    ArticleText,
    CheckContext,
    Code,
    Condition,
    DefaultContext,
    Label,
    Link,
    Paragraph,
    RenderContext,
    Strict,
)
from koban.tenants.models import Category, Question, QuestionType

MAX_QUESTIONS = 30
MAX_CATEGORIES = 100
_CHOICES = (QuestionType.SINGLE_CHOICE, QuestionType.MULTI_CHOICE)
# Facts a condition may read besides the answers of its own form.
FORM_FACTS = frozenset({"platform", "locale"})
_DEFAULT_CONTENT = FilePath(__file__).with_name("default_content.json")
_APP_STRINGS = FilePath(__file__).with_name("app_strings.json")

Number = Annotated[float, Field(allow_inf_nan=False)]


@cache
def default_content() -> dict[str, dict[str, str]]:
    """Default texts of the built-in modules by key, in every supported language (`default_content.json`)."""
    data: dict[str, dict[str, str]] = json.loads(_DEFAULT_CONTENT.read_text(encoding="utf-8"))
    return data


@cache
def default_strings() -> dict[str, dict[str, str]]:
    """The strings the app shell needs (every document must have each key), with default texts in every
    supported language (`app_strings.json`)."""
    data: dict[str, dict[str, str]] = json.loads(_APP_STRINGS.read_text(encoding="utf-8"))
    return data


# ---------------------------------------------------------------------------------------------- questions


class AppOption(Strict):
    code: Code
    label: Label


class AppQuestion(Strict):
    """A question of a form. A report question with the code of one of the category's own questions (from the
    tenant's taxonomy) replaces it: same type, options among its options, and at least as required."""

    code: Code
    type: Annotated[QuestionType, Field(description="Open311 attribute datatype (plus boolean and integer)")]
    label: Label
    help: Paragraph | None = None
    required: bool = False
    options: Annotated[list[AppOption], Field(max_length=50)] = Field(default_factory=list)
    minimum: Number | None = None
    maximum: Number | None = None
    max_length: Annotated[int, Field(ge=1, le=4000)] = 500
    visible_if: Annotated[Condition | None, Field(description="Shown only while this holds")] = None
    required_if: Annotated[Condition | None, Field(description="Must be answered while this holds")] = None

    @model_validator(mode="after")
    def _consistent(self) -> AppQuestion:
        if (self.type in _CHOICES) != bool(self.options):
            raise ValueError("options are required for choice questions (singlevaluelist, multivaluelist) only")
        if self.minimum is not None and self.maximum is not None and self.minimum > self.maximum:
            raise ValueError("minimum is larger than maximum")
        return self


def _question_from_taxonomy(question: Question) -> AppQuestion:
    """A tenant's question in the shape of a form question (its texts may lack some languages)."""
    return AppQuestion.model_construct(
        code=question.code,
        type=question.type,
        label=Label.model_construct(dict(question.label)),
        help=None,
        required=question.required,
        options=[
            AppOption.model_construct(code=o.code, label=Label.model_construct(dict(o.label))) for o in question.options
        ],
        minimum=question.minimum,
        maximum=question.maximum,
        max_length=question.max_length,
        visible_if=None,
        required_if=None,
    )


def _duplicates(codes: Iterable[str]) -> Iterator[tuple[int, str]]:
    seen: set[str] = set()
    for position, code in enumerate(codes):
        if code in seen:
            yield position, code
        seen.add(code)


def _known_field(codes: frozenset[str], extra: frozenset[str]) -> Callable[[str], bool]:
    def known(name: str) -> bool:
        if name in extra or name == "answers":
            return True
        head, _, rest = name.removeprefix("answers.").partition(".")
        return name.startswith("answers.") and head in codes and (not rest or rest.isdigit())

    return known


def question_findings(
    questions: Sequence[AppQuestion],
    context: CheckContext,
    where: Path,
    form_codes: frozenset[str],
    facts: frozenset[str],
    subject: str,
) -> list[Finding]:
    """Findings of a form's own questions: repeated codes and options, and their conditions (compile, app
    operators, known fields, no question whose visibility depends on itself)."""
    findings = [
        context.finding("duplicate_code", (*where, position, "code"), f"{subject}: question '{code}' is listed twice")
        for position, code in _duplicates(question.code for question in questions)
    ]
    known = _known_field(form_codes, facts)
    for position, question in enumerate(questions):
        findings.extend(
            context.finding("duplicate_code", (*where, position, "options", index, "code"), f"option '{code}' repeats")
            for index, code in _duplicates(option.code for option in question.options)
        )
        for rule_name in ("visible_if", "required_if"):
            condition = getattr(question, rule_name)
            if condition is not None:
                findings.extend(
                    context.condition_fields(
                        condition, (*where, position, rule_name), known, f"{subject}, question '{question.code}'"
                    )
                )
    dependencies = {
        question.code: answer_references(question.visible_if.root) & form_codes
        for question in questions
        if question.visible_if is not None
    }
    positions = {question.code: position for position, question in enumerate(questions)}
    for cycle in cycles(dependencies):
        loop = " → ".join([*cycle, cycle[0]])
        findings.append(
            context.finding(
                "rule_cycle",
                (*where, positions[cycle[0]], "visible_if"),
                f"{subject}: questions are shown only after each other's answers ({loop}), so none can appear",
            )
        )
    return findings


def _render_question(question: AppQuestion, context: RenderContext) -> dict[str, Any]:
    return {
        "code": question.code,
        "type": str(question.type),
        "label": context.text(question.label),
        "help": context.text(question.help),
        "required": question.required,
        "options": [{"code": option.code, "label": context.text(option.label)} for option in question.options],
        "minimum": question.minimum,
        "maximum": question.maximum,
        "max_length": question.max_length,
        "visible_if": question.visible_if.root if question.visible_if is not None else None,
        "required_if": question.required_if.root if question.required_if is not None else None,
    }


# ---------------------------------------------------------------------------------------------- report


class ReportCategory(Strict):
    code: Annotated[Code, Field(description="A category of the tenant (GET /v1/tenants/{tenant}/categories)")]
    name: Annotated[Label | None, Field(description="Replaces the taxonomy's name in this app")] = None
    description: Paragraph | None = None
    include_tenant_questions: Annotated[
        bool, Field(description="Ask the taxonomy's questions of the category, before the ones listed here")
    ] = True
    questions: Annotated[list[AppQuestion], Field(max_length=MAX_QUESTIONS)] = Field(default_factory=list)


class ReportSettings(Strict):
    categories: Annotated[list[ReportCategory], Field(min_length=1, max_length=MAX_CATEGORIES)]
    photos: Annotated[int, Field(ge=0, le=5, description="Photos a report may carry (0: none)")] = 3
    anonymous: Annotated[bool, Field(description="Residents may report without contact details")] = True
    ask_contact: Annotated[bool, Field(description="Offer to leave contact details for a call back")] = True
    location_required: bool = True


def effective_questions(category: Category | None, app_category: ReportCategory) -> list[AppQuestion]:
    """The questions a category's form asks: the taxonomy's (replaced by the app's of the same code), then the
    app's own, in the order written."""
    own = {question.code: question for question in app_category.questions}
    inherited: list[AppQuestion] = []
    if category is not None and app_category.include_tenant_questions:
        inherited = [own.pop(q.code) if q.code in own else _question_from_taxonomy(q) for q in category.questions]
    taken = {question.code for question in inherited}
    return [*inherited, *(question for question in app_category.questions if question.code not in taken)]


def _override_findings(
    category: Category, app_category: ReportCategory, context: CheckContext, where: Path
) -> Iterator[Finding]:
    own = {question.code: position for position, question in enumerate(app_category.questions)}
    for question in category.questions:
        position = own.get(question.code)
        if position is None:
            if question.required and not app_category.include_tenant_questions:
                yield context.finding(
                    "required_question_missing",
                    (*where, "questions"),
                    f"'{category.code}' requires question '{question.code}'; reports without it are refused",
                )
            continue
        replacement = app_category.questions[position]
        at = (*where, "questions", position)
        if replacement.type != question.type:
            yield context.finding(
                "question_type_changed",
                (*at, "type"),
                f"question '{question.code}' of '{category.code}' is a {question.type}; answers of another type "
                "would be refused",
            )
        for index, option in enumerate(replacement.options):
            if question.options and option.code not in question.option_codes:
                yield context.finding(
                    "option_unknown",
                    (*at, "options", index, "code"),
                    f"question '{question.code}' of '{category.code}' has no option '{option.code}'",
                )
        conditional = replacement.visible_if is not None or replacement.required_if is not None
        if question.required and (not replacement.required or conditional):
            yield context.finding(
                "question_requirement_weakened",
                (*at, "required"),
                f"'{category.code}' always requires question '{question.code}'; it cannot be optional or "
                "conditional in the app",
            )


def _inherited_text_findings(
    category: Category, app_category: ReportCategory, context: CheckContext, where: Path
) -> Iterator[Finding]:
    if app_category.name is None:
        yield from context.missing_translations(
            Label.model_construct(dict(category.name)), (*where, "name"), f"the taxonomy's name of '{category.code}'"
        )
    if not app_category.include_tenant_questions:
        return
    replaced = {question.code for question in app_category.questions}
    for question in category.questions:
        if question.code in replaced:
            continue
        texts = [dict(question.label), *(dict(option.label) for option in question.options)]
        for language in context.languages:
            if any(language not in text for text in texts):
                yield context.finding(
                    "translation_missing",
                    (*where, "questions"),
                    f"the taxonomy's question '{question.code}' of '{category.code}' has no text in '{language}'; "
                    "give the question here to translate it",
                )


def _check_report(settings: ReportSettings, context: CheckContext) -> Iterator[Finding]:
    for position, code in _duplicates(category.code for category in settings.categories):
        yield context.finding("duplicate_code", ("categories", position, "code"), f"category '{code}' is listed twice")
    for position, app_category in enumerate(settings.categories):
        where: Path = ("categories", position)
        category = context.categories.get(app_category.code)
        if category is None:
            yield context.finding(
                "unknown_category",
                (*where, "code"),
                f"{context.tenant.id} has no category '{app_category.code}'",
            )
        else:
            yield from _override_findings(category, app_category, context, where)
            yield from _inherited_text_findings(category, app_category, context, where)
        form = effective_questions(category, app_category)
        yield from question_findings(
            app_category.questions,
            context,
            (*where, "questions"),
            frozenset(question.code for question in form),
            FORM_FACTS | {"category"},
            f"category '{app_category.code}'",
        )


def _default_report(context: DefaultContext) -> ReportSettings | None:
    if not context.categories:
        return None
    return ReportSettings(categories=[ReportCategory(code=category.code) for category in context.categories])


def _render_report(settings: ReportSettings, context: RenderContext) -> dict[str, Any]:
    categories = []
    for app_category in settings.categories:
        category = context.categories.get(app_category.code)
        if category is None:  # dropped by the tenant since publication: the app cannot take such reports
            continue
        categories.append(
            {
                "code": category.code,
                "group": str(category.group),
                "sensitive": category.sensitive,
                "name": context.text(app_category.name) or context.text(category.name),
                "description": context.text(app_category.description) or context.text(category.description) or "",
                "questions": [_render_question(q, context) for q in effective_questions(category, app_category)],
            }
        )
    return {
        "categories": categories,
        "photos": settings.photos,
        "anonymous": settings.anonymous,
        "ask_contact": settings.ask_contact,
        "location_required": settings.location_required,
    }


# ---------------------------------------------------------------------------------------------- other modules


class AssistantSettings(Strict):
    welcome: Paragraph
    show_sources: Annotated[bool, Field(description="Show the knowledge articles an answer is based on")] = True
    offer_report: Annotated[bool, Field(description="Offer to turn the conversation into a report")] = True


class TrackingSettings(Strict):
    show_notes: Annotated[bool, Field(description="Show the notes staff wrote for the reporter")] = True
    show_expected_response: bool = True


class AreaAlertsSettings(Strict):
    radius_m: Annotated[int, Field(ge=100, le=10_000, description="Default radius of an alert area")] = 1000
    categories: Annotated[
        list[Code], Field(max_length=MAX_CATEGORIES, description="Categories residents may follow; empty: all")
    ] = Field(default_factory=list)
    max_per_week: Annotated[int, Field(ge=1, le=50)] = 7


class PrioritiesSettings(Strict):
    voting: Annotated[bool, Field(description="Residents may vote for proposed priorities")] = True
    show_declined: Annotated[bool, Field(description="Also list declined priorities, with the reason")] = True


Phone = Annotated[str, Field(pattern=r"^\+?[0-9][0-9 ]{1,18}[0-9]$", description="A phone number, digits and spaces")]


class TeamSettings(Strict):
    unit: Annotated[Code, Field(description="A unit of the tenant (GET /v1/tenants/{tenant})")]
    introduction: Paragraph
    phone: Phone | None = None
    email: Annotated[str | None, Field(pattern=r"^[^@\s<>\"']{1,64}@[A-Za-z0-9.-]{1,190}\.[A-Za-z]{2,24}$")] = None
    office_hours: Label | None = None
    photo: Link | None = None


def _check_area_alerts(settings: AreaAlertsSettings, context: CheckContext) -> Iterator[Finding]:
    for position, code in _duplicates(settings.categories):
        yield context.finding("duplicate_code", ("categories", position), f"category '{code}' is listed twice")
    for position, code in enumerate(settings.categories):
        if code not in context.categories:
            yield context.finding(
                "unknown_category", ("categories", position), f"{context.tenant.id} has no category '{code}'"
            )


def _check_team(settings: TeamSettings, context: CheckContext) -> Iterator[Finding]:
    if context.tenant.unit(settings.unit) is None:
        known = ", ".join(unit.code for unit in context.tenant.units)
        yield context.finding("unknown_unit", ("unit",), f"{context.tenant.id} has no unit '{settings.unit}' ({known})")


def _default_team(context: DefaultContext) -> TeamSettings | None:
    units = context.tenant.units
    unit = context.tenant.unit("neighbourhood_team") or (units[0] if units else None)
    if unit is None:
        return None
    return TeamSettings(unit=unit.code, introduction=Paragraph(context.texts("team.introduction")))


def _render_team(settings: TeamSettings, context: RenderContext) -> dict[str, Any]:
    unit = context.tenant.unit(settings.unit)
    rendered: dict[str, Any] = context.plain(settings)
    rendered["unit_name"] = context.text(unit.name) if unit is not None else None
    return rendered


class Audience(StrEnum):
    EVERYONE = "everyone"
    SENIORS = "seniors"
    YOUNG_PEOPLE = "young_people"
    PARENTS = "parents"
    BUSINESSES = "businesses"


class Article(Strict):
    id: Code
    title: Label
    summary: Paragraph
    body: Annotated[ArticleText, Field(description="Plain text; a blank line separates paragraphs")]
    audience: Annotated[list[Audience], Field(min_length=1, max_length=5)] = Field(
        default_factory=lambda: [Audience.EVERYONE]
    )
    source: Annotated[Link | None, Field(description="Where the advice comes from")] = None


class SafetyInfoSettings(Strict):
    articles: Annotated[list[Article], Field(min_length=1, max_length=100)]


def _check_safety_info(settings: SafetyInfoSettings, context: CheckContext) -> Iterator[Finding]:
    for position, code in _duplicates(article.id for article in settings.articles):
        yield context.finding("duplicate_code", ("articles", position, "id"), f"article '{code}' is listed twice")


DEFAULT_ARTICLES: tuple[tuple[str, tuple[Audience, ...]], ...] = (
    ("online_safety_seniors", (Audience.SENIORS,)),
    ("home_security", (Audience.EVERYONE,)),
)


def _default_safety_info(context: DefaultContext) -> SafetyInfoSettings:
    return SafetyInfoSettings(
        articles=[
            Article(
                id=article_id,
                title=Label(context.texts(f"article.{article_id}.title")),
                summary=Paragraph(context.texts(f"article.{article_id}.summary")),
                body=ArticleText(context.texts(f"article.{article_id}.body")),
                audience=list(audience),
            )
            for article_id, audience in DEFAULT_ARTICLES
        ]
    )


class SurveySettings(Strict):
    """The trust and satisfaction survey: the KOBAN capability model's trust dimension, asked of residents."""

    introduction: Paragraph
    questions: Annotated[list[AppQuestion], Field(min_length=1, max_length=20)]
    every_days: Annotated[int, Field(ge=7, le=365, description="Ask a resident again after this many days")] = 90
    after_report_closed: Annotated[bool, Field(description="Also ask when a report of theirs is closed")] = True


def _check_survey(settings: SurveySettings, context: CheckContext) -> list[Finding]:
    codes = frozenset(question.code for question in settings.questions)
    return question_findings(settings.questions, context, ("questions",), codes, FORM_FACTS, "the survey")


def _default_survey(context: DefaultContext) -> SurveySettings:
    texts = context.texts

    def question(code: str, kind: QuestionType, **more: Any) -> AppQuestion:
        return AppQuestion(code=code, type=kind, label=Label(texts(f"survey.{code}.label")), **more)

    reported = {"==": [{"var": "answers.reported"}, True]}
    scale = {"minimum": 1, "maximum": 5}
    return SurveySettings(
        introduction=Paragraph(texts("survey.introduction")),
        questions=[
            question("trust", QuestionType.INTEGER, required=True, help=Paragraph(texts("survey.trust.help")), **scale),
            question(
                "safe_after_dark",
                QuestionType.SINGLE_CHOICE,
                required=True,
                options=[
                    AppOption(code=code, label=Label(texts(f"survey.safe_after_dark.{code}")))
                    for code in ("very_safe", "fairly_safe", "a_bit_unsafe", "very_unsafe")
                ],
            ),
            question("reported", QuestionType.BOOLEAN),
            question(
                "satisfied",
                QuestionType.INTEGER,
                help=Paragraph(texts("survey.satisfied.help")),
                visible_if=Condition(reported),
                required_if=Condition(reported),
                **scale,
            ),
            question(
                "improve",
                QuestionType.TEXT,
                max_length=2000,
                visible_if=Condition(
                    {"and": [{"!": {"missing": ["answers.satisfied"]}}, {"<=": [{"var": "answers.satisfied"}, 2]}]}
                ),
            ),
        ],
    )


class EmergencySettings(Strict):
    """The 112 button: always one tap away; the app dials, it never sends a report instead."""

    number: Annotated[str, Field(pattern=r"^[0-9]{3,6}$", description="The number the button dials")] = "112"
    label: Label
    message: Paragraph
    non_emergency_number: Annotated[Phone | None, Field(description="The police's non-emergency line")] = None
    always_visible: Annotated[bool, Field(description="Shown on every screen, not only on the home screen")] = True


def _default_emergency(context: DefaultContext) -> EmergencySettings:
    return EmergencySettings(
        label=Label(context.texts("emergency.label")), message=Paragraph(context.texts("emergency.message"))
    )


def _default_assistant(context: DefaultContext) -> AssistantSettings:
    return AssistantSettings(welcome=Paragraph(context.texts("assistant.welcome")))


def _title(name: str) -> dict[str, str]:
    return default_content()[f"module.{name}"]


def builtin_module_types() -> list[AppModuleType[Any]]:
    """The module types every tenant has unless a plugin replaces one; in the default configuration's order."""
    return list(_builtin_module_types())


@cache
def _builtin_module_types() -> tuple[AppModuleType[Any], ...]:
    def always(settings: Callable[[], Any]) -> Callable[[DefaultContext], Any]:
        return lambda _: settings()

    return (
        AppModuleType(
            "emergency", EmergencySettings, _title("emergency"), "The 112 emergency button.", _default_emergency
        ),
        AppModuleType(
            "report",
            ReportSettings,
            _title("report"),
            "Report a concern: the tenant's categories, their questions and conditional questions.",
            _default_report,
            _check_report,
            _render_report,
        ),
        AppModuleType(
            "tracking",
            TrackingSettings,
            _title("tracking"),
            "Follow a report with its tracking code.",
            always(TrackingSettings),
        ),
        AppModuleType(
            "assistant",
            AssistantSettings,
            _title("assistant"),
            "Chat with the assistant in one's own language.",
            _default_assistant,
        ),
        AppModuleType(
            "area_alerts",
            AreaAlertsSettings,
            _title("area_alerts"),
            "Alerts about reports and police notices near a chosen place.",
            always(AreaAlertsSettings),
            _check_area_alerts,
        ),
        AppModuleType(
            "priorities",
            PrioritiesSettings,
            _title("priorities"),
            "Neighbourhood priorities: vote, and read what was committed and done.",
            always(PrioritiesSettings),
        ),
        AppModuleType(
            "neighbourhood_team",
            TeamSettings,
            _title("neighbourhood_team"),
            "Who the neighbourhood officers are and how to reach them.",
            _default_team,
            _check_team,
            _render_team,
        ),
        AppModuleType(
            "safety_info",
            SafetyInfoSettings,
            _title("safety_info"),
            "Safety advice from the force's knowledge articles (e.g. online safety for seniors).",
            _default_safety_info,
            _check_safety_info,
        ),
        AppModuleType(
            "survey",
            SurveySettings,
            _title("survey"),
            "The trust and satisfaction survey of residents.",
            _default_survey,
            _check_survey,
        ),
    )
