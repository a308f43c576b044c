"""The built-in default plugin (`koban_default`) and the six pilot tenants, as data and as hooks.

The hook implementations are called directly (they are plain functions); `test_plugin_host.py` covers how the
plugin manager combines them with city plugins.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

import koban_default
from koban.plugins import load_tenant_file
from koban.rules import validate_rule
from koban.tenants.models import AssistantGroup, Category, QuestionType, Tenant

LANGUAGES = ("en", "nl", "pl", "fi", "es", "pt", "fr", "de")
GENERIC_UNITS = {"neighbourhood_team", "traffic_unit", "cybercrime_desk", "community_liaison", "municipality"}
SENSITIVE_GROUPS = {
    AssistantGroup.HATE_CRIME,
    AssistantGroup.RADICALISATION,
    AssistantGroup.VULNERABLE_PERSON,
}
PILOTS = {
    "pilot-nl": ("NL", "Europe/Amsterdam"),
    "pilot-pl": ("PL", "Europe/Warsaw"),
    "pilot-fi": ("FI", "Europe/Helsinki"),
    "pilot-es": ("ES", "Europe/Madrid"),
    "pilot-pt": ("PT", "Europe/Lisbon"),
    "pilot-be": ("BE", "Europe/Brussels"),
}
REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATA = resources.files("koban_default")


def _json(name: str) -> Any:
    return json.loads(DEFAULT_DATA.joinpath(name).read_text(encoding="utf-8"))


def _tenant_file(tenant_id: str) -> Path:
    suffix = tenant_id.removeprefix("pilot-")
    return REPO_ROOT / "plugins" / f"pilot_{suffix}" / f"koban_pilot_{suffix}" / "tenant.json"


@pytest.fixture(scope="module")
def tenant() -> Tenant:
    return load_tenant_file(_tenant_file("pilot-nl"))


@pytest.fixture(scope="module")
def categories(tenant: Tenant) -> dict[str, Category]:
    return {category.code: category for category in koban_default.koban_categories(tenant=tenant)}


@pytest.fixture(scope="module")
def rules(tenant: Tenant) -> dict[str, Any]:
    return koban_default.koban_rules(tenant=tenant)


# -------------------------------------------------------------------------------------------- taxonomy


RAW_CATEGORIES: list[dict[str, Any]] = _json("categories.json")


@pytest.mark.parametrize("raw", RAW_CATEGORIES, ids=[raw["code"] for raw in RAW_CATEGORIES])
def test_given_a_base_category_when_validated_then_it_is_complete_in_all_eight_languages(
    raw: dict[str, Any],
) -> None:
    """Given a category of categories.json, when validated as a `Category`, then its name, description,
    keywords, question labels and option labels exist and are non-empty in en, nl, pl, fi, es, pt, fr, de."""
    category = Category.model_validate(raw)

    texts = {"name": category.name, "description": category.description, "keywords": category.keywords}
    for question in category.questions:
        texts[f"{question.code}.label"] = question.label
        for option in question.options:
            texts[f"{question.code}.{option.code}"] = option.label
    for where, text in texts.items():
        assert set(text) == set(LANGUAGES), f"{category.code} {where}: languages {sorted(text)}"
        assert all(value.strip() for value in text.values()), f"{category.code} {where}: an empty translation"


@pytest.mark.parametrize("raw", RAW_CATEGORIES, ids=[raw["code"] for raw in RAW_CATEGORIES])
def test_given_a_base_category_then_its_policy_fields_are_sound(raw: dict[str, Any]) -> None:
    """Given a category, then it routes to a generic unit, sensitive groups are sensitive with a 24-hour
    deadline, choice questions have distinct option codes and numeric bounds are ordered."""
    category = Category.model_validate(raw)

    assert category.default_unit in GENERIC_UNITS
    if category.group in SENSITIVE_GROUPS:
        assert category.sensitive
        assert category.deadline_hours <= 24
    if category.group is AssistantGroup.MUNICIPAL:
        assert category.default_unit == "municipality"
    assert len({question.code for question in category.questions}) == len(category.questions)
    for question in category.questions:
        assert len(question.option_codes) == len(question.options), question.code
        if question.minimum is not None and question.maximum is not None:
            assert question.minimum < question.maximum


def test_given_the_base_taxonomy_then_it_covers_the_community_policing_groups() -> None:
    """Given the taxonomy, then it has 16–25 distinct codes covering every reportable assistant group (all but
    `emergency`, which is a 112 call, and `general_info`, which is an enquiry, not a report)."""
    categories = koban_default.base_categories()
    codes = [category.code for category in categories]

    assert 16 <= len(codes) <= 25
    assert len(set(codes)) == len(codes)
    expected = set(AssistantGroup) - {AssistantGroup.EMERGENCY, AssistantGroup.GENERAL_INFO}
    assert {category.group for category in categories} == expected


def test_given_the_named_questions_then_they_are_typed_as_the_rules_expect(
    categories: dict[str, Category],
) -> None:
    """Given the questions the rules read, then they have the types the rules compare them with."""
    noise = categories["noise_night"]
    assert noise.question("ongoing") is not None
    assert noise.question("ongoing").type is QuestionType.BOOLEAN  # type: ignore[union-attr]
    assert noise.question("ongoing").required  # type: ignore[union-attr]
    nights = noise.question("nights_per_week")
    assert nights is not None
    assert (nights.type, nights.minimum, nights.maximum) == (QuestionType.INTEGER, 1, 7)
    source = noise.question("noise_source")
    assert source is not None
    assert source.option_codes == {"music", "party", "shouting", "vehicles", "construction", "other"}
    assert categories["speeding"].question("near_school").type is QuestionType.BOOLEAN  # type: ignore[union-attr]
    amount = categories["online_fraud"].question("amount_lost")
    assert amount is not None
    assert (amount.type, amount.minimum) == (QuestionType.NUMBER, 0)
    waste = categories["illegal_dumping"].question("waste_type")
    assert waste is not None
    assert waste.type is QuestionType.MULTI_CHOICE
    for code in ("hate_incident", "vulnerable_person", "domestic_concern"):
        ongoing = categories[code].question("ongoing")
        assert ongoing is not None
        assert ongoing.type is QuestionType.BOOLEAN


def test_given_a_tenant_without_a_generic_unit_when_categories_are_built_then_that_default_unit_is_dropped(
    tenant: Tenant,
) -> None:
    """Given a tenant with only a neighbourhood team, when the default plugin builds its categories, then a
    category routed elsewhere keeps no default unit (core then falls back to the tenant's first unit)."""
    small = tenant.model_copy(update={"units": tuple(u for u in tenant.units if u.code == "neighbourhood_team")})

    categories = {category.code: category for category in koban_default.koban_categories(tenant=small)}

    assert categories["noise_night"].default_unit == "neighbourhood_team"
    assert categories["online_fraud"].default_unit is None
    assert koban_default.base_categories()[0] is koban_default.base_categories()[0]  # validated once, cached


# ----------------------------------------------------------------------------------------------- rules


def test_given_rules_json_then_it_holds_the_named_rules_and_each_passes_validate_rule() -> None:
    raw = _json("rules.json")

    assert set(raw) == {"triage", "routing", "deadline_hours", "assistant_handoff"}
    for rule in raw.values():
        validate_rule(rule)


def test_given_the_rules_hook_then_each_call_returns_an_independent_copy(tenant: Tenant) -> None:
    first = koban_default.koban_rules(tenant=tenant)
    first["triage"]["if"].clear()

    assert koban_default.koban_rules(tenant=tenant)["triage"]["if"]


TUESDAY, SATURDAY = 2, 6
ONGOING, PAST, SCHOOL = {"ongoing": True}, {"ongoing": False}, {"near_school": True}
LIAISON, TRAFFIC, CYBER, CITY = "community_liaison", "traffic_unit", "cybercrime_desk", "municipality"


def case(name: str, code: str, priority: str, unit: str | None, deadline: int, **facts: Any) -> Any:
    """One row: category, extra facts, then the expected priority, route (None: no opinion), deadline."""
    return pytest.param(code, facts, priority, unit, deadline, id=name)


CASES = [
    case("ongoing hate incident", "hate_incident", "urgent", LIAISON, 4, answers=ONGOING),
    case("past hate incident", "hate_incident", "high", LIAISON, 24, answers=PAST),
    case("radicalisation concern", "radicalisation_concern", "high", LIAISON, 24),
    case("ongoing vulnerable person", "vulnerable_person", "urgent", LIAISON, 4, answers=ONGOING),
    case("ongoing domestic concern", "domestic_concern", "urgent", LIAISON, 4, answers=ONGOING),
    case("ongoing as a string", "hate_incident", "high", LIAISON, 24, answers={"ongoing": "true"}),
    case("school speeding Tue 08h", "speeding", "high", TRAFFIC, 24, answers=SCHOOL, hour=8, weekday=TUESDAY),
    case("school speeding Tue 07h", "speeding", "high", TRAFFIC, 24, answers=SCHOOL, hour=7, weekday=TUESDAY),
    case("school speeding Tue 16h", "speeding", "high", TRAFFIC, 24, answers=SCHOOL, hour=16, weekday=TUESDAY),
    case(
        "school speeding Tue 17h",
        "speeding",
        "normal",
        TRAFFIC,
        120,
        answers=SCHOOL,
        hour=17,
        weekday=TUESDAY,
    ),
    case(
        "school speeding Tue 23h",
        "speeding",
        "normal",
        TRAFFIC,
        120,
        answers=SCHOOL,
        hour=23,
        weekday=TUESDAY,
    ),
    case(
        "school speeding Sat 08h",
        "speeding",
        "normal",
        TRAFFIC,
        120,
        answers=SCHOOL,
        hour=8,
        weekday=SATURDAY,
    ),
    case("school speeding, no hour", "speeding", "normal", TRAFFIC, 120, answers=SCHOOL, weekday=TUESDAY),
    case("school speeding, no weekday", "speeding", "normal", TRAFFIC, 120, answers=SCHOOL, hour=8),
    case(
        "speeding Tue 08h",
        "speeding",
        "normal",
        TRAFFIC,
        120,
        answers={"near_school": False},
        hour=8,
        weekday=2,
    ),
    case("ongoing noise 23h", "noise_night", "high", None, 24, answers=ONGOING, hour=23),
    case("ongoing noise 00h", "noise_night", "high", None, 24, answers=ONGOING, hour=0),
    case("ongoing noise 05h", "noise_night", "high", None, 24, answers=ONGOING, hour=5),
    case("ongoing noise 06h", "noise_night", "normal", None, 72, answers=ONGOING, hour=6),
    case("ongoing noise 14h", "noise_night", "normal", None, 72, answers=ONGOING, hour=14),
    case("ongoing noise, no hour", "noise_night", "normal", None, 72, answers=ONGOING),
    case("past noise 23h", "noise_night", "normal", None, 72, answers=PAST, hour=23),
    case("lost property", "lost_property", "low", None, 168),
    case("police feedback", "police_feedback", "low", None, 240),
    case("online fraud", "online_fraud", "normal", CYBER, 72, answers={"amount_lost": 250}),
    case("phishing", "phishing", "normal", CYBER, 120),
    case("street light", "street_lighting", "normal", CITY, 120),
    case("road damage", "road_damage", "normal", CITY, 120),
    case("illegal dumping", "illegal_dumping", "normal", None, 120),
    case("bike theft in person", "bike_theft", "normal", None, 72, channel="in_person"),
    case("dangerous parking", "dangerous_parking", "normal", TRAFFIC, 72),
]


def _facts(category: Category, extra: dict[str, Any]) -> dict[str, Any]:
    facts: dict[str, Any] = {
        "category": category.code,
        "group": category.group.value,
        "sensitive": category.sensitive,
        "answers": {},
        "channel": "app",
    }
    facts.update(extra)
    return facts


@pytest.mark.parametrize(("code", "extra", "priority", "unit", "deadline"), CASES)
def test_given_facts_when_triaged_routed_and_timed_then_the_default_policy_applies(
    tenant: Tenant,
    categories: dict[str, Category],
    rules: dict[str, Any],
    code: str,
    extra: dict[str, Any],
    priority: str,
    unit: str | None,
    deadline: int,
) -> None:
    """Given a report's facts, when the default hooks run in core's order (triage, then routing with the
    priority, then the deadline with priority, unit and the category's deadline), then each gives the policy's
    answer; a None route means "no opinion", and core uses the category's default unit."""
    category = categories[code]
    facts = _facts(category, extra)

    facts["priority"] = koban_default.koban_triage(tenant=tenant, facts=facts, rules=rules)
    assert facts["priority"] == priority

    routed = koban_default.koban_route(tenant=tenant, facts=facts, rules=rules)
    assert routed == unit

    facts["unit"] = routed or category.default_unit
    facts["deadline_hours"] = category.deadline_hours
    assert koban_default.koban_deadline_hours(tenant=tenant, facts=facts, rules=rules) == deadline


@pytest.mark.parametrize("group", ["general_info", "lost_found", "police_feedback"])
def test_given_an_enquiry_group_without_a_category_when_triaged_then_it_is_low(
    tenant: Tenant, rules: dict[str, Any], group: str
) -> None:
    assert koban_default.koban_triage(tenant=tenant, facts={"group": group}, rules=rules) == "low"


def test_given_empty_facts_when_the_rules_run_then_they_give_safe_answers(
    tenant: Tenant, rules: dict[str, Any]
) -> None:
    """Given no facts at all (every var missing), then triage is normal, routing has no opinion and the
    deadline falls back to 72 hours."""
    assert koban_default.koban_triage(tenant=tenant, facts={}, rules=rules) == "normal"
    assert koban_default.koban_route(tenant=tenant, facts={}, rules=rules) is None
    assert koban_default.koban_deadline_hours(tenant=tenant, facts={}, rules=rules) == 72


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ("critical", None),  # not a priority
        (7, None),
        (None, None),
        ({"throw": "boom"}, None),  # a failing rule
        ({"no_such_operator": [1]}, None),  # an invalid rule
        ("high", "high"),
    ],
)
def test_given_a_city_triage_rule_when_its_result_is_checked_then_only_a_priority_is_accepted(
    tenant: Tenant, rule: Any, expected: str | None
) -> None:
    assert koban_default.koban_triage(tenant=tenant, facts={}, rules={"triage": rule}) == expected


@pytest.mark.parametrize(
    ("rule", "expected"),
    [("no_such_unit", None), (3, None), ("traffic_unit", "traffic_unit"), ("municipality", "municipality")],
)
def test_given_a_city_routing_rule_when_its_result_is_checked_then_only_a_tenant_unit_is_accepted(
    tenant: Tenant, rule: Any, expected: str | None
) -> None:
    assert koban_default.koban_route(tenant=tenant, facts={}, rules={"routing": rule}) == expected


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        (0, None),
        (-5, None),
        (True, None),  # a boolean is not a number of hours
        ("48", None),
        (24 * 90 + 1, None),
        (4.2, 5),  # rounded up: never promise less than the rule says
        (0.5, 1),
        (48, 48),
        ({"var": "deadline_hours"}, 36),
    ],
)
def test_given_a_city_deadline_rule_when_its_result_is_checked_then_only_positive_hours_are_accepted(
    tenant: Tenant, rule: Any, expected: int | None
) -> None:
    facts = {"deadline_hours": 36}
    assert koban_default.koban_deadline_hours(tenant=tenant, facts=facts, rules={"deadline_hours": rule}) == expected


def test_given_no_rule_of_that_name_then_every_decision_hook_has_no_opinion(tenant: Tenant) -> None:
    assert koban_default.koban_triage(tenant=tenant, facts={}, rules={}) is None
    assert koban_default.koban_route(tenant=tenant, facts={}, rules={}) is None
    assert koban_default.koban_deadline_hours(tenant=tenant, facts={}, rules={}) is None


def test_given_facts_the_engine_cannot_read_when_triaged_then_there_is_no_opinion(
    tenant: Tenant, rules: dict[str, Any]
) -> None:
    """Given a fact that is not JSON data (a bug in the caller), then the hook gives None, never raises."""
    facts = {"group": "nuisance", "when": object()}
    assert koban_default.koban_triage(tenant=tenant, facts=facts, rules=rules) is None


# -------------------------------------------------------------------------------------------- messages


STATUS_KEYS = {
    f"status.{name}"
    for name in (
        "new",
        "verifying",
        "confirmed",
        "in_progress",
        "resolved",
        "referred",
        "unconfirmed",
        "rejected",
        "duplicate",
    )
}
PRIORITY_KEYS = {f"priority.{name}" for name in ("urgent", "high", "normal", "low")}


@pytest.mark.parametrize("language", LANGUAGES)
def test_given_a_supported_language_when_translations_are_asked_then_every_status_and_priority_is_named(
    language: str,
) -> None:
    messages = koban_default.koban_translations(language=language)

    assert messages is not None
    assert set(messages) == STATUS_KEYS | PRIORITY_KEYS
    assert all(text.strip() for text in messages.values())
    if language != "en":  # actually translated, not English copied (a few words coincide, e.g. "Normal")
        english = koban_default.koban_translations(language="en")
        assert english is not None
        assert sum(messages[key] == english[key] for key in messages) <= 3


@pytest.mark.parametrize("language", ["sv", "uk", "xx", "../en", ""])
def test_given_a_language_without_a_catalogue_when_translations_are_asked_then_none(language: str) -> None:
    assert koban_default.koban_translations(language=language) is None


def test_given_translations_when_the_caller_changes_them_then_the_plugin_is_unaffected() -> None:
    messages = koban_default.koban_translations(language="en")
    assert messages is not None
    messages["status.new"] = "changed"

    assert koban_default.koban_translations(language="en") == {**messages, "status.new": "New"}


def test_given_the_default_plugin_then_it_does_not_implement_report_received() -> None:
    """Given `koban_default`, then `koban_report_received` is left to city plugins (notifications)."""
    assert not hasattr(koban_default, "koban_report_received")


# --------------------------------------------------------------------------------------- pilot tenants


@pytest.mark.parametrize("tenant_id", sorted(PILOTS))
def test_given_a_pilot_tenant_file_when_loaded_then_it_is_a_complete_tenant(tenant_id: str) -> None:
    """Given a pilot's tenant.json, when validated, then it has its id, country and a known time zone, a bbox
    that contains its centre, the five generic units named in every tenant language and English (the
    municipality of kind `municipality`), and its Open311 jurisdiction."""
    tenant = load_tenant_file(_tenant_file(tenant_id))
    country, zone = PILOTS[tenant_id]

    assert (tenant.id, tenant.country, tenant.timezone) == (tenant_id, country, zone)
    assert ZoneInfo(tenant.timezone) is not None
    assert tenant.area.centre is not None
    assert tenant.area.contains(*tenant.area.centre)
    assert tenant.area.name
    west, south, east, north = tenant.area.bbox
    assert east - west < 1, "a city, not a country"
    assert north - south < 1, "a city, not a country"
    assert {unit.code for unit in tenant.units} >= GENERIC_UNITS
    for unit in tenant.units:
        assert set(unit.name) >= {*tenant.languages, "en"}, unit.code
    municipality = tenant.unit("municipality")
    assert municipality is not None
    assert municipality.kind == "municipality"
    assert all(unit.kind == "police" for unit in tenant.units if unit.code in GENERIC_UNITS - {"municipality"})
    assert tenant.settings == {"open311_jurisdiction": tenant_id}
    assert tenant.default_language != "en"
    assert "en" in tenant.languages


@pytest.mark.parametrize("tenant_id", sorted(PILOTS))
def test_given_a_pilot_tenant_when_the_default_categories_are_built_then_every_default_unit_exists(
    tenant_id: str,
) -> None:
    tenant = load_tenant_file(_tenant_file(tenant_id))

    for category in koban_default.koban_categories(tenant=tenant):
        assert category.default_unit is not None
        assert tenant.unit(category.default_unit) is not None
