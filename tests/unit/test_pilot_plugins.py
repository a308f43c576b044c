"""The six pilot plugins as installed: their tenants, taxonomies mapped to KOBAN's, every text in every tenant
language, and their JSONLogic rules (every rule point, facts that exist, valid results, worked examples).

Needs the pilots installed (`make install`): they are found through the `koban` entry points.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

import pytest

import koban_default
from koban.i18n import translate
from koban.plugins.checks import decide, load_rule_examples, rule_problems, translation_problems
from koban.plugins.host import plugin_manager
from koban.plugins.package import DataPlugin
from koban.reports.lifecycle import Status
from koban.rules import validate_rule
from koban.tenants.models import AssistantGroup, Category
from koban.tenants.rule_points import RULE_POINTS
from koban.tenants.service import clear_caches, get_tenant, list_categories, status_name, tenant_rules

GENERIC_UNITS = {"neighbourhood_team", "traffic_unit", "cybercrime_desk", "community_liaison", "municipality"}
# tenant id -> (languages in order, the units a pilot adds to the generic five)
PILOTS: dict[str, tuple[tuple[str, ...], set[str]]] = {
    "pilot-nl": (("nl", "en"), {"handhaving", "discrimination_desk"}),
    "pilot-pl": (("pl", "uk", "en"), {"straz_miejska"}),
    "pilot-fi": (("fi", "sv", "en"), {"victim_support"}),
    "pilot-es": (("es", "en"), {"agentes_tutores", "samur_social"}),
    "pilot-pt": (("pt", "en"), {"escola_segura", "apoio_65"}),
    "pilot-be": (("fr", "nl", "de", "en"), {"gardiens_de_la_paix", "bruxelles_proprete", "unia"}),
}
# The force's own word for the neighbourhood officer, per language, in the "contact your officer" category.
VOCABULARY: dict[str, dict[str, str]] = {
    "pilot-nl": {"nl": "wijkagent", "en": "wijkagent"},
    "pilot-pl": {"pl": "dzielnicow", "uk": "дільничн", "en": "dzielnicowy"},
    "pilot-fi": {"fi": "lähipoliisi", "sv": "närpolis", "en": "lähipoliisi"},
    "pilot-es": {"es": "policía de barrio", "en": "policía de barrio"},
    "pilot-pt": {"pt": "agente de proximidade", "en": "agente de proximidade"},
    "pilot-be": {"fr": "agent de quartier", "nl": "wijkagent", "de": "Viertelagent", "en": "agent de quartier"},
}
# The National Safety Threat Map's category names that pilot-pl must offer (the KMZB catalogue as published).
KMZB_CATEGORIES = {
    "Przekraczanie dozwolonej prędkości",
    "Nieprawidłowe parkowanie",
    "Dzikie wysypiska śmieci",
    "Akty wandalizmu",
    "Używanie środków odurzających",
    "Niewłaściwa infrastruktura drogowa",
    "Zła organizacja ruchu drogowego",
    "Spożywanie alkoholu w miejscach niedozwolonych",
    "Grupowanie się małoletnich zagrożonych demoralizacją",
    "Osoba bezdomna wymagająca pomocy",
    "Wałęsające się bezpańskie psy",
    "Znęcanie się nad zwierzętami",
    "Nielegalna wycinka drzew",
    "Niszczenie zieleni",
    "Nielegalne rajdy samochodowe",
    "Zdarzenia drogowe z udziałem dzikich zwierząt",
    "Miejsca niebezpieczne na terenach wodnych",
    "Kłusownictwo",
    "Wypalanie traw",
    "Żebractwo",
}
KMZB_STATUSES = {
    Status.NEW: "Nowe",
    Status.VERIFYING: "Weryfikacja",
    Status.CONFIRMED: "Potwierdzone",
    Status.RESOLVED: "Potwierdzone (wyeliminowane)",
    Status.REFERRED: "Potwierdzone (przekazane poza Policję)",
    Status.UNCONFIRMED: "Niepotwierdzone",
    Status.REJECTED: "Żart lub pomyłka",
}


@pytest.fixture(scope="module", autouse=True)
def fresh_caches() -> None:
    clear_caches()


def _module(tenant_id: str) -> Any:
    return importlib.import_module("koban_pilot_" + tenant_id.removeprefix("pilot-"))


def _plugin(tenant_id: str) -> DataPlugin:
    plugin: DataPlugin = _module(tenant_id).plugin
    return plugin


def _categories(tenant_id: str) -> dict[str, Category]:
    return {category.code: category for category in list_categories(get_tenant(tenant_id))}


BASE_CODES = {category.code for category in koban_default.base_categories()}


# ---------------------------------------------------------------------------------------------- tenants


@pytest.mark.parametrize("tenant_id", sorted(PILOTS))
def test_given_a_pilot_then_its_tenant_serves_its_languages_with_units_that_can_be_reached(tenant_id: str) -> None:
    """Given an installed pilot, then its tenant (as the plugin manager serves it) has the pilot's languages,
    the official one first and the community languages it serves, the five generic units plus its local ones,
    and every unit has at least one contact channel."""
    languages, local_units = PILOTS[tenant_id]
    tenant = get_tenant(tenant_id)

    assert tenant.languages == languages
    assert {unit.code for unit in tenant.units} == GENERIC_UNITS | local_units
    assert all(unit.contacts for unit in tenant.units), [unit.code for unit in tenant.units if not unit.contacts]
    assert _plugin(tenant_id).tenants == (tenant,)
    assert plugin_manager().get_plugin(tenant_id.replace("-", "_")) is _module(tenant_id)


@pytest.mark.parametrize("tenant_id", sorted(PILOTS))
def test_given_a_pilot_then_every_text_exists_in_every_tenant_language(tenant_id: str) -> None:
    """Given a pilot, then every category text (names, descriptions, keywords, questions, options), unit name,
    contact hours, status name and message exists in each of the tenant's languages, with the placeholders of
    the English message."""
    assert translation_problems(get_tenant(tenant_id)) == []


def test_given_a_missing_community_language_text_then_the_check_names_it() -> None:
    """Given pilot-pl's tenant with one more language nobody translated, then the check reports the texts that
    lack it (so the empty result above means something)."""
    tenant = get_tenant("pilot-pl").model_copy(update={"languages": ("pl", "uk", "en", "lt")})

    problems = [str(problem) for problem in translation_problems(tenant)]

    assert "pilot-pl category noise_night.name: no text in lt" in problems
    assert any(problem.startswith("pilot-pl unit straz_miejska.name") for problem in problems)
    assert any(problem.startswith("pilot-pl messages lt: missing") for problem in problems)


@pytest.mark.parametrize("tenant_id", sorted(PILOTS))
def test_given_a_pilot_then_the_neighbourhood_officer_has_the_forces_own_name(tenant_id: str) -> None:
    """Given a pilot, then its "contact your neighbourhood officer" category names the officer with the force's
    own word (wijkagent, dzielnicowy, lähipoliisi/närpolis, policía de barrio, agente de proximidade, agent de
    quartier/wijkagent/Viertelagent) in each language."""
    name = _categories(tenant_id)["contact_neighbourhood_officer"].name

    for language, word in VOCABULARY[tenant_id].items():
        assert word.lower() in name[language].lower(), (language, name[language])


# --------------------------------------------------------------------------------------------- taxonomy


@pytest.mark.parametrize("tenant_id", sorted(PILOTS))
def test_given_a_pilot_then_its_own_categories_map_onto_koban_and_route_to_its_units(tenant_id: str) -> None:
    """Given a pilot's own categories, then each has a new code (a built-in one is renamed through the taxonomy
    texts, not redefined), one of the 14 assistant groups, a `maps_to` that names a built-in category when
    set, and a default unit of the tenant; and the tenant keeps every built-in category."""
    tenant = get_tenant(tenant_id)
    own = _plugin(tenant_id).own_categories
    offered = _categories(tenant_id)

    assert own, tenant_id
    for category in own:
        assert category.code not in BASE_CODES
        assert category.group in set(AssistantGroup)
        assert category.maps_to is None or category.maps_to in BASE_CODES
        assert category.default_unit is not None
        assert tenant.unit(category.default_unit) is not None
        assert offered[category.code] is not None
    assert set(offered) >= BASE_CODES


def test_given_pilot_pl_then_it_offers_the_kmzb_categories_under_their_kmzb_names() -> None:
    """Given pilot-pl, then every category of the KMZB catalogue is offered under its KMZB name in Polish,
    whether it is a built-in category renamed or one of the pilot's own."""
    names = {category.name["pl"] for category in _categories("pilot-pl").values()}

    assert names >= KMZB_CATEGORIES, sorted(KMZB_CATEGORIES - names)
    assert _categories("pilot-pl")["speeding"].name["pl"] == "Przekraczanie dozwolonej prędkości"
    assert _categories("pilot-nl")["speeding"].name["nl"] == "Te hard rijden"  # pilot-pl renames for itself only


def test_given_pilot_pl_then_the_lifecycle_has_the_kmzb_status_names() -> None:
    """Given pilot-pl, then the seven KMZB statuses carry their KMZB names in Polish (and are named in uk and
    en), the statuses KMZB lacks keep the catalogue's names, and other tenants keep the catalogue's names."""
    tenant = get_tenant("pilot-pl")

    assert {status: names["pl"] for status, names in tenant.status_names.items()} == KMZB_STATUSES
    assert status_name(tenant, "resolved", "pl") == "Potwierdzone (wyeliminowane)"
    assert status_name(tenant, "rejected", "uk") == "Жарт або помилка"
    assert status_name(tenant, "referred", "en") == "Confirmed (referred outside the Police)"
    assert status_name(tenant, "in_progress", "pl") == translate("status.in_progress", "pl") == "W realizacji"
    assert status_name(tenant, "in_progress", "uk") == "Виконується"
    assert status_name(get_tenant("pilot-nl"), "resolved", "en") == translate("status.resolved", "en")


def test_given_the_community_languages_then_the_built_in_taxonomy_is_translated_whole() -> None:
    """Given pilot-pl (Ukrainian) and pilot-fi (Swedish), then the built-in categories their tenants offer are
    in the community language down to the last option, and the translation stays with its tenant: pilot-nl's
    categories have no Ukrainian or Swedish."""
    pl, fi, nl = _categories("pilot-pl"), _categories("pilot-fi"), _categories("pilot-nl")

    assert pl["phishing"].name["uk"] == "Фішингове повідомлення"
    assert fi["phishing"].name["sv"] == "Nätfiskemeddelande"
    noise = fi["noise_night"].question("noise_source")
    assert noise is not None
    assert {option.code: option.label["sv"] for option in noise.options}["construction"] == "Byggarbete"
    assert "uk" not in nl["phishing"].name
    assert "sv" not in nl["phishing"].name


# ------------------------------------------------------------------------------------------------ rules


@pytest.mark.parametrize("tenant_id", sorted(PILOTS))
def test_given_a_pilot_then_its_rule_file_defines_every_rule_point_and_each_compiles(tenant_id: str) -> None:
    """Given a pilot's rules.json, then it defines the five rule points (triage, routing, response deadlines,
    sensitive categories, alert thresholds), each passes `validate_rule`, and they are the tenant's rules."""
    rules = _plugin(tenant_id).rules

    assert set(rules) == set(RULE_POINTS)
    for rule in rules.values():
        validate_rule(rule)
    merged = tenant_rules(get_tenant(tenant_id))
    assert {name: merged[name] for name in rules} == rules  # the city's rules replace the built-in ones


@pytest.mark.parametrize("tenant_id", sorted(PILOTS))
def test_given_a_pilot_then_its_rules_read_real_facts_and_give_valid_results_and_its_examples(tenant_id: str) -> None:
    """Given a pilot's rules, then every `var` names a fact of its rule point (`answers.<code>` a question of one
    of the tenant's categories), every category over a sweep of hours, weekdays, channels and answers gets a
    priority, a unit of the tenant or none, and a deadline in range, and every worked example in
    rule_examples.json gives its expected result."""
    examples = load_rule_examples(_plugin(tenant_id).folder / "rule_examples.json")

    assert rule_problems(get_tenant(tenant_id), examples) == []


@pytest.mark.parametrize("tenant_id", sorted(PILOTS))
def test_given_a_pilots_worked_examples_then_they_cover_every_rule_point(tenant_id: str) -> None:
    """Given rule_examples.json, then each rule point has at least two examples, each with a reason."""
    examples = load_rule_examples(_plugin(tenant_id).folder / "rule_examples.json")

    for name in RULE_POINTS:
        assert sum(example.rule == name for example in examples) >= 2, name
    assert all(example.why.strip() for example in examples)


def test_given_a_wrong_expectation_then_the_example_check_reports_it(tmp_path: Path) -> None:
    """Given an example that expects the wrong unit, then the check reports expected and actual values."""
    file = tmp_path / "rule_examples.json"
    wrong = {"rule": "routing", "category": "stray_dogs", "expect": "traffic_unit", "why": "wrong on purpose"}
    file.write_text(json.dumps([wrong]), encoding="utf-8")

    problems = [str(problem) for problem in rule_problems(get_tenant("pilot-pl"), load_rule_examples(file))]

    assert problems == [
        "pilot-pl example 1 (routing, stray_dogs): expected 'traffic_unit', got 'straz_miejska' (wrong on purpose)"
    ]


@pytest.mark.parametrize(
    ("tenant_id", "code", "sensitive", "threshold"),
    [
        ("pilot-pl", "youth_at_risk", True, 3),
        ("pilot-pl", "speeding", False, 15),
        ("pilot-nl", "street_harassment", True, 3),
        ("pilot-nl", "noise_night", False, 5),
        ("pilot-pt", "scam_on_older_person", True, 2),
        ("pilot-fi", "bike_theft", False, None),
    ],
)
def test_given_the_category_rules_then_the_taxonomy_carries_their_decisions(
    tenant_id: str, code: str, sensitive: bool, threshold: int | None
) -> None:
    """Given a pilot's `sensitive` and `alert_threshold` rules, then the categories every reader gets (public
    views, Open311, the dashboard) carry their decisions; a category declared not sensitive is made sensitive
    by the rule (youth at risk, street harassment, scams on older people)."""
    category = _categories(tenant_id)[code]

    assert (category.sensitive, category.alert_threshold) == (sensitive, threshold)


def test_given_the_same_report_then_pilots_decide_by_their_own_rules() -> None:
    """Given the same speeding report at a school on a Wednesday at 14:00, then Brussels (no school on Wednesday
    afternoons) keeps it normal while Amsterdam makes it high: the rules are the tenant's, not global."""
    decisions = {
        tenant_id: decide(
            get_tenant(tenant_id),
            _categories(tenant_id)["speeding"],
            answers={"near_school": True},
            hour=14,
            weekday=3,
        )["priority"]
        for tenant_id in ("pilot-be", "pilot-nl")
    }

    assert decisions == {"pilot-be": "normal", "pilot-nl": "high"}
