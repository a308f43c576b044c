"""How a city plugin is made of data (`koban.plugins.package.DataPlugin`), how the host reports a broken plugin,
and the category rule points (`sensitive`, `alert_threshold`) the pilots use."""

from __future__ import annotations

import json
import sys
import types
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pluggy
import pytest

from koban.plugins import PluginConfigurationError, hookimpl
from koban.plugins.checks import rule_variables
from koban.plugins.host import build_plugin_manager, hook_names
from koban.plugins.package import CategoryTexts, DataPlugin, QuestionTexts, localise
from koban.reports.models import Channel
from koban.reports.triage import rule_facts
from koban.tenants import service
from koban.tenants.models import Category, Tenant
from koban.tenants.rule_points import CATEGORY_FACTS, REPORT_FACTS, category_facts
from tests.unit.test_plugin_host import use_manager  # noqa: F401 - a fresh manager the tenant service uses

TENANT: dict[str, Any] = {
    "id": "test-gent",
    "name": "Politiezone Gent",
    "country": "BE",
    "languages": ["nl", "en"],
    "timezone": "Europe/Brussels",
    "area": {"bbox": [3.6, 51.0, 3.8, 51.1], "centre": [51.05, 3.72], "name": "Gent"},
    "units": [
        {"code": "neighbourhood_team", "name": {"nl": "Wijkagenten", "en": "Neighbourhood officers"}},
        {"code": "municipality", "name": {"nl": "Stad Gent", "en": "City of Ghent"}, "kind": "municipality"},
    ],
}
CANAL = {
    "code": "canal_noise",
    "group": "nuisance",
    "maps_to": "noise_night",
    "default_unit": "neighbourhood_team",
    "name": {"nl": "Lawaai op de Leie", "en": "Noise on the river Leie"},
    "questions": [
        {
            "code": "source",
            "type": "singlevaluelist",
            "label": {"nl": "Bron?", "en": "Source?"},
            "options": [{"code": "boat", "label": {"nl": "Boot", "en": "Boat"}}],
        }
    ],
}


def write(folder: Path, files: dict[str, Any]) -> Path:
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    return folder


# --------------------------------------------------------------------------------------------- localise


def test_given_texts_in_a_language_when_localised_then_they_are_added_and_the_others_kept() -> None:
    category = Category.model_validate(CANAL)
    texts = CategoryTexts(name="Bruit sur la Lys", questions={"source": QuestionTexts(label="Source ?", options={})})

    french = localise(category, "fr", texts)

    assert french.name == {"nl": "Lawaai op de Leie", "en": "Noise on the river Leie", "fr": "Bruit sur la Lys"}
    assert french.questions[0].label["fr"] == "Source ?"
    assert french.questions[0].options[0].label == {"nl": "Boot", "en": "Boat"}
    assert category.name.get("fr") is None  # the original is untouched


@pytest.mark.parametrize(
    ("texts", "message"),
    [
        (CategoryTexts(questions={"sauce": QuestionTexts(label="?")}), "no question sauce"),
        (CategoryTexts(questions={"source": QuestionTexts(options={"bike": "Fiets"})}), "no option bike"),
    ],
)
def test_given_texts_for_a_question_or_option_that_does_not_exist_then_it_is_refused(
    texts: CategoryTexts, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        localise(Category.model_validate(CANAL), "nl", texts)


# ------------------------------------------------------------------------------------------- DataPlugin


def test_given_a_data_folder_when_registered_then_its_tenant_categories_texts_rules_and_messages_are_live(
    tmp_path: Path,
    use_manager: pluggy.PluginManager,  # noqa: F811 - the fixture imported above
) -> None:
    """Given a folder with a tenant, one own category, Dutch texts for a built-in category, a routing rule and
    a message, when the plugin is registered, then the tenant exists with the built-in taxonomy plus its own
    category first, the built-in `noise_night` speaks its Dutch, the rule replaces the built-in routing, and
    the message is in the catalogue; other tenants are untouched."""
    folder = write(
        tmp_path,
        {
            "tenant.json": TENANT,
            "categories.json": [CANAL],
            "taxonomy/nl.json": {"noise_night": {"name": "Nachtlawaai in Gent"}},
            "rules.json": {"routing": {"if": [{"==": [{"var": "group"}, "nuisance"]}, "municipality", None]}},
            "messages/nl.json": {"status.new": "Ontvangen in Gent"},
        },
    )
    plugin = DataPlugin(folder, name="gent")
    use_manager.register(plugin, name="gent")

    tenant = service.get_tenant("test-gent")
    categories = service.list_categories(tenant)
    codes = [category.code for category in categories]

    assert codes[0] == "canal_noise"
    assert "noise_night" in codes
    assert service.get_category(tenant, "noise_night").name["nl"] == "Nachtlawaai in Gent"  # type: ignore[union-attr]
    assert service.get_category(service.get_tenant("pilot-nl"), "noise_night").name["nl"] != "Nachtlawaai in Gent"  # type: ignore[union-attr]
    assert service.tenant_rules(tenant)["routing"] == plugin.rules["routing"]
    assert (
        use_manager.hook.koban_route(tenant=tenant, facts={"group": "nuisance"}, rules=plugin.rules) == "municipality"
    )
    assert plugin.koban_translations(language="nl") == {"status.new": "Ontvangen in Gent"}
    assert plugin.koban_translations(language="fr") is None
    assert plugin.koban_rules(tenant=service.get_tenant("pilot-nl")) is None


def test_given_a_data_plugin_then_its_hooks_unpack_under_their_own_names(tmp_path: Path) -> None:
    """Given `plugin.hooks()`, then each hook comes under its own name, so a plugin module's
    `(koban_tenants, ..., koban_notification_adapters) = plugin.hooks()` binds each rightly."""
    plugin = DataPlugin(write(tmp_path, {"tenant.json": TENANT}), name="gent")

    hooks = plugin.hooks()

    assert hooks._fields == (
        "koban_tenants",
        "koban_categories",
        "koban_rules",
        "koban_translations",
        "koban_knowledge_items",
        "koban_notification_adapters",
        "koban_assistant_examples",
    )
    assert [hook.__name__ for hook in hooks] == list(hooks._fields)
    assert set(hooks._fields) <= set(hook_names())


def test_given_taxonomy_texts_for_a_category_nobody_offers_then_the_taxonomy_is_refused(
    tmp_path: Path,
    use_manager: pluggy.PluginManager,  # noqa: F811 - the fixture imported above
) -> None:
    folder = write(tmp_path, {"tenant.json": TENANT, "taxonomy/nl.json": {"noise_nigth": {"name": "typo"}}})
    use_manager.register(DataPlugin(folder, name="gent"), name="gent")

    with pytest.raises(PluginConfigurationError, match=r"plugin 'gent': taxonomy/nl\.json: .*noise_nigth"):
        service.list_categories(service.get_tenant("test-gent"))


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({}, "needs exactly one of tenant.json and tenants.json"),
        ({"tenant.json": {**TENANT, "timezone": "Mars/Olympus"}}, r"tenant\.json: .*timezone"),
        ({"tenant.json": "{not json"}, r"tenant\.json: cannot read it"),
        ({"tenant.json": TENANT, "rules.json": {"triage": {"nope": [1]}}}, r"rules\.json: .*rule 'triage'"),
        ({"tenant.json": TENANT, "categories.json": [{**CANAL, "group": "gossip"}]}, r"categories\.json: .*group"),
        ({"tenant.json": TENANT, "categories.json": [CANAL, CANAL]}, "appears twice"),
        ({"tenant.json": TENANT, "messages/dutch.json": {"a": "b"}}, r"messages/dutch\.json: the file name"),
        ({"tenant.json": TENANT, "messages/nl.json": {"status.new": ""}}, r"messages/nl\.json: .*status\.new"),
        ({"tenant.json": TENANT, "taxonomy/nl.json": {"Bad Code": {}}}, r"taxonomy/nl\.json"),
        (
            {
                "tenant.json": TENANT,
                "categories.json": [CANAL],
                "taxonomy/nl.json": {"canal_noise": {"questions": {"x": {}}}},
            },
            r"taxonomy/nl\.json: category 'canal_noise' has no question x",
        ),
    ],
)
def test_given_a_broken_data_file_when_the_plugin_is_made_then_the_error_names_the_plugin_and_the_file(
    tmp_path: Path, files: dict[str, Any], message: str
) -> None:
    """Given a mistake in one of the data files, when the plugin module builds its DataPlugin (at import, so at
    start-up), then a PluginConfigurationError names the plugin, the file and the problem."""
    write(tmp_path, files)

    with pytest.raises(PluginConfigurationError, match=rf"plugin 'gent'.*{message}"):
        DataPlugin(tmp_path, name="gent")


# ------------------------------------------------------------------------------------------------- host


def test_given_a_plugin_module_that_cannot_be_imported_then_start_up_names_it() -> None:
    with pytest.raises(PluginConfigurationError, match=r"plugin 'koban_no_such_city' \(named in KOBAN_PLUGINS\)"):
        build_plugin_manager(("koban_no_such_city",), entry_points=False)


def test_given_a_plugin_whose_hook_has_a_wrong_signature_then_start_up_names_it_and_the_argument(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    module = types.ModuleType("koban_test_wrong_signature")
    module.koban_categories = hookimpl(lambda tenant, city: [])  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, module.__name__, module)

    with pytest.raises(PluginConfigurationError) as raised:
        build_plugin_manager((module.__name__,), entry_points=False)

    assert "plugin 'koban_test_wrong_signature'" in str(raised.value)
    assert "koban_categories" in str(raised.value)
    assert "city" in str(raised.value)


def test_given_a_plugin_with_an_unknown_hook_then_start_up_lists_the_hooks_there_are(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    module = types.ModuleType("koban_test_unknown_hook")
    module.koban_catgories = hookimpl(lambda tenant: [])  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, module.__name__, module)

    with pytest.raises(PluginConfigurationError) as raised:
        build_plugin_manager((module.__name__,), entry_points=False)

    assert "plugin 'koban_test_unknown_hook'" in str(raised.value)
    assert "koban_catgories" in str(raised.value)
    assert all(name in str(raised.value) for name in hook_names())


# ------------------------------------------------------------------------------------------ rule points


def test_given_the_report_facts_then_the_documented_fact_list_is_what_triage_builds() -> None:
    tenant = Tenant.model_validate(TENANT)
    category = Category.model_validate(CANAL)

    facts = rule_facts(tenant, category, {}, Channel.WEB, datetime(2026, 5, 4, 12, tzinfo=UTC))

    assert set(facts) == REPORT_FACTS
    assert set(category_facts(tenant, category)) == CATEGORY_FACTS


class CityRules:
    """A plugin with its own tenant whose category rules decide sensitivity and alert thresholds."""

    def __init__(self, rules: dict[str, Any]) -> None:
        self.rules = rules

    @hookimpl
    def koban_tenants(self) -> list[Tenant]:
        return [Tenant.model_validate(TENANT)]

    @hookimpl
    def koban_rules(self, tenant: Tenant) -> dict[str, Any] | None:
        return self.rules if tenant.id == "test-gent" else None


def test_given_category_rules_then_sensitivity_is_added_and_the_threshold_sees_it(
    use_manager: pluggy.PluginManager,  # noqa: F811 - the fixture imported above
) -> None:
    """Given a `sensitive` rule that marks graffiti sensitive and an `alert_threshold` of 2 for sensitive
    categories, 9 for noise, then graffiti is sensitive with threshold 2 (the threshold sees the new
    sensitivity), noise has 9, hate incidents stay sensitive though the rule says false for them (a rule never
    publishes a sensitive category), and other tenants are untouched."""
    use_manager.register(
        CityRules(
            {
                "sensitive": {"==": [{"var": "category"}, "graffiti_vandalism"]},
                "alert_threshold": {
                    "if": [{"var": "sensitive"}, 2, {"==": [{"var": "maps_to"}, None]}, 9, None],
                },
            }
        )
    )
    tenant = service.get_tenant("test-gent")

    graffiti = service.get_category(tenant, "graffiti_vandalism")
    noise = service.get_category(tenant, "noise_night")
    hate = service.get_category(tenant, "hate_incident")

    assert graffiti is not None
    assert (graffiti.sensitive, graffiti.alert_threshold) == (True, 2)
    assert noise is not None
    assert (noise.sensitive, noise.alert_threshold) == (False, 9)
    assert hate is not None
    assert hate.sensitive is True
    nl_graffiti = service.get_category(service.get_tenant("pilot-nl"), "graffiti_vandalism")
    assert nl_graffiti is not None
    assert nl_graffiti.sensitive is False


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        ({"sensitive": "yes"}, r"rule 'sensitive' of 'test-gent' gives 'yes'.*true or false"),
        ({"alert_threshold": 0}, r"rule 'alert_threshold' of 'test-gent' gives 0"),
        ({"alert_threshold": 2.5}, r"gives 2\.5.*whole number"),
        ({"alert_threshold": {"throw": "no"}}, r"rule 'alert_threshold' of 'test-gent' fails for category"),
    ],
)
def test_given_a_category_rule_with_a_bad_result_then_the_taxonomy_is_refused_at_start_up(
    use_manager: pluggy.PluginManager,  # noqa: F811 - the fixture imported above
    rules: dict[str, Any],
    message: str,
) -> None:
    use_manager.register(CityRules(rules))

    with pytest.raises(PluginConfigurationError, match=message):
        service.check_configuration()


@pytest.mark.parametrize(
    ("rule", "paths"),
    [
        ({"var": "category"}, {("category",)}),
        ({"var": ["answers.ongoing", False]}, {("answers", "ongoing")}),
        (
            {"and": [{"missing": ["hour", "weekday"]}, {"missing_some": [1, ["unit"]]}]},
            {("hour",), ("weekday",), ("unit",)},
        ),
        ({"val": ["answers", "near_school"]}, {("answers", "near_school")}),
        ({"if": [{"var": ""}, 1, {"in": [{"var": "group"}, ["a"]]}]}, {("group",)}),
    ],
)
def test_given_a_rule_then_the_facts_it_reads_are_found(rule: Any, paths: set[tuple[str, ...]]) -> None:
    assert rule_variables(rule) == paths
