"""Checks a plugin author (and `koban plugins --check`, and the tests) runs over what the plugins define.

- `translation_problems(tenant)`: every text a resident or officer of the tenant can see (category names,
  descriptions, keywords, questions and options, unit names and contact hours, status names, messages) exists
  in every language of the tenant, and so does each topic of the knowledge items its plugins bring (and their
  assistant examples are in its languages);
- `rule_problems(tenant, examples)`: every rule of the tenant reads only facts its rule point provides
  (`answers.<code>` must be a question of one of its categories), gives a valid result for every category
  under a sweep of times, channels and answers, and every example gives its expected result.

The decisions are taken as a report would take them: report rules through the plugin hooks with the facts
`koban.reports.triage.rule_facts` builds, category rules from the built taxonomy. Nothing here runs on a
request path.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from string import Formatter
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from koban.i18n import catalog
from koban.plugins import PluginConfigurationError
from koban.plugins.host import plugin_manager
from koban.reports.models import Channel, Priority
from koban.reports.triage import rule_facts
from koban.rules import RuleError
from koban.tenants.models import Category, QuestionType, Tenant
from koban.tenants.rule_points import RULE_POINTS
from koban.tenants.service import list_categories, tenant_rules

MAX_DEADLINE_HOURS = 24 * 90
SWEEP_HOURS = (2, 8, 12, 17, 22)
SWEEP_WEEKDAYS = (2, 6)
# A Monday, so weekday n is MONDAY + n - 1 days; times are local to the tenant (the rules' clock).
MONDAY = datetime(2026, 1, 5)


@dataclass(frozen=True)
class Problem:
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


# ------------------------------------------------------------------------------------------ translations


def _missing(where: str, text: Mapping[str, str], languages: Iterable[str]) -> Iterator[Problem]:
    absent = [language for language in languages if not (text.get(language) or "").strip()]
    if absent:
        yield Problem(where, f"no text in {', '.join(absent)}")


def category_texts(category: Category) -> Iterator[tuple[str, Mapping[str, str]]]:
    """Every localised text of a category, with where it is (`code.field`, `code.question.option`)."""
    yield f"{category.code}.name", category.name
    yield f"{category.code}.description", category.description
    if category.keywords:
        yield f"{category.code}.keywords", category.keywords
    for question in category.questions:
        yield f"{category.code}.{question.code}", question.label
        for option in question.options:
            yield f"{category.code}.{question.code}.{option.code}", option.label


def translation_problems(tenant: Tenant) -> list[Problem]:
    """Texts of the tenant missing in one of its languages."""
    languages = tenant.languages
    problems: list[Problem] = []
    for category in list_categories(tenant):
        for where, text in category_texts(category):
            problems += _missing(f"{tenant.id} category {where}", text, languages)
    for unit in tenant.units:
        problems += _missing(f"{tenant.id} unit {unit.code}.name", unit.name, languages)
        for contact in unit.contacts:
            if contact.hours:
                problems += _missing(f"{tenant.id} unit {unit.code} {contact.channel} hours", contact.hours, languages)
    for status, names in tenant.status_names.items():
        problems += _missing(f"{tenant.id} status name {status}", names, languages)
    problems += capability_problems(tenant)
    problems += knowledge_problems(tenant)
    problems += example_problems(tenant)
    english = catalog("en")
    for language in languages:
        messages = catalog(language)
        absent = sorted(key for key in english if not messages.get(key, "").strip())
        if absent:
            problems.append(Problem(f"{tenant.id} messages {language}", f"missing {', '.join(absent)}"))
        for key, message in sorted(messages.items()):
            ours, theirs = placeholders(message), placeholders(english.get(key, message))
            if ours != theirs:
                problems.append(
                    Problem(
                        f"{tenant.id} messages {language} {key}",
                        f"placeholders {sorted(ours)}, English has {sorted(theirs)}",
                    )
                )
    return problems


def knowledge_problems(tenant: Tenant) -> list[Problem]:
    """The knowledge items the tenant's plugins bring (`koban_knowledge_items`): valid, each id once, each in one
    of the tenant's languages, and each topic in all of them."""
    from koban.plugins.knowledge import plugin_knowledge

    try:
        seeds = plugin_knowledge(tenant)
    except PluginConfigurationError as error:
        return [Problem(f"{tenant.id} knowledge", error.detail)]
    problems = [
        Problem(f"{tenant.id} knowledge {seed.id}", f"in {seed.language}, which is not a language of the tenant")
        for seed in seeds
        if seed.language not in tenant.languages
    ]
    topics: dict[str, set[str]] = {}
    for seed in seeds:
        if seed.topic is not None:
            topics.setdefault(seed.topic, set()).add(seed.language)
    for topic, languages in sorted(topics.items()):
        absent = [language for language in tenant.languages if language not in languages]
        if absent:
            problems.append(Problem(f"{tenant.id} knowledge {topic}", f"missing in {', '.join(absent)}"))
    return problems


def example_problems(tenant: Tenant) -> list[Problem]:
    """The assistant examples the tenant's plugins bring (`koban_assistant_examples`): valid, each text once, each
    in one of the tenant's languages and in one the assistant detects."""
    from koban.assistant.language import DETECTABLE_LANGUAGES
    from koban.plugins.examples import plugin_examples

    try:
        examples = plugin_examples(tenant)
    except PluginConfigurationError as error:
        return [Problem(f"{tenant.id} assistant examples", error.detail)]
    problems = []
    for language in sorted({example.language for example in examples}):
        if language not in tenant.languages:
            problems.append(Problem(f"{tenant.id} assistant examples {language}", "not a language of the tenant"))
        elif language not in DETECTABLE_LANGUAGES:
            problems.append(Problem(f"{tenant.id} assistant examples {language}", "the assistant cannot detect it"))
    return problems


def capability_problems(tenant: Tenant) -> list[Problem]:
    """The tenant's capability model (`koban_capability_model`): merged without error, every text in every language
    of the tenant."""
    from koban.capability.registry import tenant_model

    try:
        model = tenant_model(tenant.id)
    except PluginConfigurationError as error:
        return [Problem(f"{tenant.id} capability model", error.detail)]
    problems: list[Problem] = []
    for where, text in model.texts():
        problems += _missing(f"{tenant.id} capability {where}", text, tenant.languages)
    return problems


def placeholders(text: str) -> set[str]:
    """The `{name}` parameters of a message."""
    return {name for _, name, _, _ in Formatter().parse(text) if name}


# ------------------------------------------------------------------------------------------------- rules


def rule_variables(rule: Any) -> set[tuple[str, ...]]:
    """The data paths a JSONLogic rule reads (`var`, `val`, `missing`, `missing_some`), as tuples of keys."""
    found: set[tuple[str, ...]] = set()
    stack = [rule]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
            continue
        if not isinstance(node, dict):
            continue
        for operator, argument in node.items():
            names: list[Any] = []
            if operator == "var":
                names = [argument[0] if isinstance(argument, list) and argument else argument]
            elif operator == "val" and isinstance(argument, list) and all(isinstance(a, str) for a in argument):
                found.add(tuple(argument))
            elif operator == "missing":
                names = argument if isinstance(argument, list) else [argument]
            elif operator == "missing_some" and isinstance(argument, list) and len(argument) == 2:
                names = argument[1] if isinstance(argument[1], list) else []
            found.update(tuple(name.split(".")) for name in names if isinstance(name, str) and name)
            stack.append(argument)
    return found


def _variable_problems(tenant: Tenant, rules: Mapping[str, Any], categories: list[Category]) -> Iterator[Problem]:
    question_codes = {question.code for category in categories for question in category.questions}
    for name, rule in rules.items():
        point = RULE_POINTS.get(name)
        if point is None:
            continue
        for path in sorted(rule_variables(rule)):
            where = f"{tenant.id} rule {name}"
            if path[0] not in point.facts:
                yield Problem(where, f"reads '{'.'.join(path)}', which is not one of its facts: {sorted(point.facts)}")
            elif path[0] == "answers" and (len(path) < 2 or path[1] not in question_codes):
                yield Problem(where, f"reads '{'.'.join(path)}', but no category of {tenant.id} has that question")


def _sample_answers(category: Category) -> dict[str, Any]:
    """Every question answered: booleans true, choices their first option, numbers their minimum or 1."""
    answers: dict[str, Any] = {}
    for question in category.questions:
        if question.type is QuestionType.BOOLEAN:
            answers[question.code] = True
        elif question.type is QuestionType.SINGLE_CHOICE:
            answers[question.code] = question.options[0].code
        elif question.type is QuestionType.MULTI_CHOICE:
            answers[question.code] = [question.options[0].code]
        elif question.type in (QuestionType.NUMBER, QuestionType.INTEGER):
            answers[question.code] = question.minimum if question.minimum is not None else 1
    return answers


def decide(
    tenant: Tenant,
    category: Category,
    *,
    answers: Mapping[str, Any] | None = None,
    channel: str = "web",
    hour: int = 12,
    weekday: int = 3,
    priority: str | None = None,
    unit: str | None = None,
) -> dict[str, Any]:
    """What the hooks decide for a report of `category` at `hour` on ISO `weekday` (local): `priority`, `unit`
    and `deadline_hours`, each as the hook answers (None when no plugin has an opinion). `priority` and `unit`
    given here replace the decided ones in the facts of the later decisions."""
    hooks = plugin_manager().hook
    rules = tenant_rules(tenant)
    local = (MONDAY + timedelta(days=weekday - 1, hours=hour, minutes=30)).replace(tzinfo=tenant.zone)
    facts = rule_facts(tenant, category, dict(answers or {}), Channel(channel), local)
    decided_priority = hooks.koban_triage(tenant=tenant, facts=facts, rules=rules)
    facts["priority"] = priority or decided_priority or str(Priority.NORMAL)
    decided_unit = hooks.koban_route(tenant=tenant, facts=facts, rules=rules)
    facts["unit"] = unit or decided_unit or category.default_unit or tenant.units[0].code
    decided_hours = hooks.koban_deadline_hours(tenant=tenant, facts=facts, rules=rules)
    return {"priority": decided_priority, "unit": decided_unit, "deadline_hours": decided_hours}


def _sweep_problems(tenant: Tenant, rules: Mapping[str, Any], categories: list[Category]) -> Iterator[Problem]:
    """Every report rule over every category, time and answer set gives a result of its kind. (Category rules
    are checked when the taxonomy is built: a bad result stops it.)"""
    units = {unit.code for unit in tenant.units}
    priorities = {str(priority) for priority in Priority}
    for category in categories:
        for answers in ({}, _sample_answers(category)):
            for hour in SWEEP_HOURS:
                for weekday in SWEEP_WEEKDAYS:
                    for channel in ("web", "phone"):
                        where = f"{tenant.id} {category.code} at {hour}h day {weekday} by {channel} {answers}"
                        try:
                            decision = decide(
                                tenant, category, answers=answers, channel=channel, hour=hour, weekday=weekday
                            )
                        except RuleError as error:
                            yield Problem(where, f"a rule fails: {error}")
                            continue
                        if "triage" in rules and decision["priority"] not in priorities:
                            yield Problem(where, f"triage gives {decision['priority']!r}")
                        if decision["unit"] is not None and decision["unit"] not in units:
                            yield Problem(where, f"routing gives {decision['unit']!r}, not a unit")
                        hours = decision["deadline_hours"]
                        if "deadline_hours" in rules and not (
                            isinstance(hours, int) and 1 <= hours <= MAX_DEADLINE_HOURS
                        ):
                            yield Problem(where, f"deadline_hours gives {hours!r}")


# ---------------------------------------------------------------------------------------------- examples


class RuleExample(BaseModel):
    """One worked example of a rule: a report (or a category) and what the tenant's rules decide for it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rule: Literal["triage", "routing", "deadline_hours", "sensitive", "alert_threshold"]
    category: str
    answers: dict[str, Any] = Field(default_factory=dict)
    channel: str = "web"
    hour: Annotated[int, Field(ge=0, le=23)] = 12
    weekday: Annotated[int, Field(ge=1, le=7)] = 3
    priority: str | None = None
    unit: str | None = None
    tenant: str | None = None  # for a plugin with several tenants; default: each of them
    expect: Any
    why: Annotated[str, Field(min_length=1)]


RULE_EXAMPLES: TypeAdapter[list[RuleExample]] = TypeAdapter(list[RuleExample])


def load_rule_examples(path: Path) -> list[RuleExample]:
    """The examples of a `rule_examples.json` file; [] when there is none."""
    if not path.is_file():
        return []
    try:
        return RULE_EXAMPLES.validate_python(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, ValidationError) as error:
        raise PluginConfigurationError(f"{path}: {error}") from error


def example_result(tenant: Tenant, example: RuleExample) -> Any:
    """What the tenant's plugins decide for `example` (KeyError for a category the tenant does not offer)."""
    category = next(category for category in list_categories(tenant) if category.code == example.category)
    if example.rule == "sensitive":
        return category.sensitive
    if example.rule == "alert_threshold":
        return category.alert_threshold
    situation = example.model_dump(include={"answers", "channel", "hour", "weekday", "priority", "unit"})
    decision = decide(tenant, category, **situation)
    key = {"triage": "priority", "routing": "unit", "deadline_hours": "deadline_hours"}[example.rule]
    return decision[key]


def _example_problems(tenant: Tenant, examples: Iterable[RuleExample]) -> Iterator[Problem]:
    codes = {category.code for category in list_categories(tenant)}
    for number, example in enumerate(examples, start=1):
        if example.tenant not in (None, tenant.id):
            continue
        where = f"{tenant.id} example {number} ({example.rule}, {example.category})"
        if example.category not in codes:
            yield Problem(where, "the tenant has no such category")
            continue
        result = example_result(tenant, example)
        if result != example.expect:
            yield Problem(where, f"expected {example.expect!r}, got {result!r} ({example.why})")


def rule_problems(tenant: Tenant, examples: Iterable[RuleExample] = ()) -> list[Problem]:
    """Everything wrong with the tenant's merged rules (see the module docstring)."""
    rules = tenant_rules(tenant)
    categories = list_categories(tenant)
    return [
        *_variable_problems(tenant, rules, categories),
        *_sweep_problems(tenant, rules, categories),
        *_example_problems(tenant, examples),
    ]
