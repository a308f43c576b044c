"""Module types from plugins (`koban_app_module_types`), the JSON Schema published for app builders, the
JSONLogic operators apps may use, and how a published document is rendered and tagged for apps."""

from __future__ import annotations

import json
import types
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import jsonschema
import pluggy
import pytest
from pydantic import Field

from koban.app_config import registry
from koban.app_config.checks import document_findings
from koban.app_config.defaults import default_document
from koban.app_config.delivery import choose_language, entity_tags, none_match, render, representation_tag
from koban.app_config.findings import Finding
from koban.app_config.json_schema import builtin_schema, schema_text
from koban.app_config.logic import APP_OPERATORS, cycles
from koban.app_config.models import (
    AppModuleType,
    AppPlatform,
    CheckContext,
    Condition,
    DefaultContext,
    Label,
    RenderContext,
    Strict,
    document_model,
)
from koban.app_config.modules import builtin_module_types
from koban.app_config.records import AppConfigSource, PublishedVersion
from koban.plugins import PluginConfigurationError, hookimpl
from koban.plugins.host import build_plugin_manager
from koban.rules import evaluate
from koban.tenants.models import Tenant
from koban.tenants.service import get_tenant, list_categories

REPO = Path(__file__).resolve().parents[2]
SCHEMA_FILE = REPO / "functions" / "app_config" / "app-config.schema.json"
BUILTIN = [
    "emergency",
    "report",
    "tracking",
    "assistant",
    "area_alerts",
    "priorities",
    "neighbourhood_team",
    "safety_info",
    "survey",
]


# ---------------------------------------------------------------------------------------------- a city's module


class WatchSettings(Strict):
    """Settings of a neighbourhood-watch module, as a city plugin would write them."""

    coordinator_unit: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{1,47}$")]
    invitation: Label
    show_if: Condition | None = None
    meetings_per_year: Annotated[int, Field(ge=1, le=52)] = 4


def _watch_check(settings: WatchSettings, context: CheckContext) -> Iterator[Finding]:
    if context.tenant.unit(settings.coordinator_unit) is None:
        yield context.finding("unknown_unit", ("coordinator_unit",), f"no unit '{settings.coordinator_unit}'")
    if settings.show_if is not None:
        yield from context.condition_fields(settings.show_if, ("show_if",), lambda name: name == "platform", "watch")


def _watch_default(context: DefaultContext) -> WatchSettings:
    invitation = {language: f"Join the watch ({language})" for language in context.languages}
    return WatchSettings(coordinator_unit="neighbourhood_team", invitation=Label(invitation))


def _watch_render(settings: WatchSettings, context: RenderContext) -> dict[str, Any]:
    return {"invitation": context.text(settings.invitation), "meetings": settings.meetings_per_year}


WATCH = AppModuleType(
    "neighbourhood_watch",
    WatchSettings,
    {"nl": "Buurtpreventie", "en": "Neighbourhood watch"},
    "Residents who keep an eye on their street together.",
    _watch_default,
    _watch_check,
    _watch_render,
)


class _CityPlugin:
    """A city plugin: a new module type for pilot-nl only, and its own 112 button replacing the built-in one."""

    def __init__(self, emergency: AppModuleType[Any] | None = None) -> None:
        self.emergency = emergency

    @hookimpl
    def koban_app_module_types(self, tenant: Tenant) -> list[AppModuleType[Any]] | None:
        if tenant.id != "pilot-nl":
            return None
        return [WATCH, *([self.emergency] if self.emergency else [])]


@pytest.fixture
def with_plugin(monkeypatch: pytest.MonkeyPatch) -> Iterator[pluggy.PluginManager]:
    manager = build_plugin_manager()
    manager.register(_CityPlugin(), name="city")
    monkeypatch.setattr(registry, "plugin_manager", lambda: manager)
    registry.clear_caches()
    yield manager
    registry.clear_caches()


def _document(tenant_id: str = "pilot-nl") -> dict[str, Any]:
    tenant = get_tenant(tenant_id)
    return default_document(tenant, list_categories(tenant), registry.module_types(tenant))


def test_given_the_default_plugin_then_it_contributes_the_built_in_module_types() -> None:
    manager = build_plugin_manager(entry_points=False)

    [contribution] = manager.hook.koban_app_module_types(tenant=get_tenant("pilot-nl"))

    assert [definition.name for definition in contribution] == BUILTIN
    assert all(
        definition.title.keys() >= {"en", "nl", "pl", "fi", "es", "pt", "fr", "de"} for definition in contribution
    )


def test_given_a_city_module_type_then_its_tenant_validates_checks_defaults_and_renders_it(
    with_plugin: pluggy.PluginManager,
) -> None:
    """Given a plugin's `neighbourhood_watch` type for pilot-nl, then pilot-nl's default configuration has the
    module, its settings are validated at their path, its texts and conditions are checked like the built-in
    ones, its own check runs, and apps get what its render gives; other tenants do not know the type."""
    tenant = get_tenant("pilot-nl")
    module_types = registry.module_types(tenant)
    model = document_model(module_types)
    document = _document()
    watch = next(index for index, module in enumerate(document["modules"]) if module["type"] == "neighbourhood_watch")

    assert document["modules"][watch]["settings"]["invitation"] == {
        "nl": "Join the watch (nl)",
        "en": "Join the watch (en)",
    }
    assert "neighbourhood_watch" not in registry.module_types(get_tenant("pilot-be"))

    document["modules"][watch]["settings"].update(
        coordinator_unit="riot_squad", invitation={"nl": "Doe mee"}, show_if={"??": [{"var": "weather"}, 1]}
    )
    categories = {category.code: category for category in list_categories(tenant)}
    found = {
        (f.code, f.as_dict()["path"])
        for f in document_findings(model.model_validate(document), tenant, categories, module_types)
    }
    base = f"modules.{watch}.settings"
    assert found == {
        ("unknown_unit", f"{base}.coordinator_unit"),
        ("translation_missing", f"{base}.invitation.en"),
        ("rule_operator_not_in_apps", f"{base}.show_if.??"),
        ("rule_unknown_field", f"{base}.show_if.??.0.var"),
    }

    document["modules"][watch]["settings"]["meetings_per_year"] = 100
    with pytest.raises(ValueError, match="less than or equal to 52") as refused:
        model.model_validate(document)
    assert f"modules.{watch}.neighbourhood_watch.settings.meetings_per_year" in str(refused.value).replace("\n", ".")


def test_given_a_city_module_type_then_the_schema_for_app_builders_describes_it(
    with_plugin: pluggy.PluginManager,
) -> None:
    from koban.app_config.json_schema import document_schema

    schema = document_schema(document_model(registry.module_types(get_tenant("pilot-nl"))))

    assert "NeighbourhoodWatchModule" in schema["$defs"]
    assert schema["$defs"]["NeighbourhoodWatchModule"]["properties"]["type"]["const"] == "neighbourhood_watch"
    assert "WatchSettings" in schema["$defs"]


def test_given_a_city_type_named_like_a_built_in_one_then_the_city_one_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    own_emergency = AppModuleType("emergency", WatchSettings, {"en": "Help"}, "The city's own emergency module.")
    manager = build_plugin_manager()
    manager.register(_CityPlugin(own_emergency), name="city")
    monkeypatch.setattr(registry, "plugin_manager", lambda: manager)
    registry.clear_caches()
    try:
        assert registry.module_types(get_tenant("pilot-nl"))["emergency"] is own_emergency
        assert registry.module_types(get_tenant("pilot-be"))["emergency"].settings.__name__ == "EmergencySettings"
    finally:
        registry.clear_caches()


@pytest.mark.parametrize("bad", [{"name": "report"}, AppModuleType("Not A Name", WatchSettings, {}, "")])
def test_given_a_plugin_giving_something_that_is_no_module_type_then_start_up_fails(
    monkeypatch: pytest.MonkeyPatch, bad: Any
) -> None:
    plugin = types.SimpleNamespace(koban_app_module_types=hookimpl(lambda tenant: [bad]))
    manager = build_plugin_manager()
    manager.register(plugin, name="broken")
    monkeypatch.setattr(registry, "plugin_manager", lambda: manager)
    registry.clear_caches()
    try:
        with pytest.raises(PluginConfigurationError, match="module type"):
            registry.module_types(get_tenant("pilot-nl"))
    finally:
        registry.clear_caches()


# ---------------------------------------------------------------------------------------------- JSON Schema


def test_given_the_committed_schema_for_app_builders_then_it_is_the_one_the_code_builds() -> None:
    """Regenerate with `.venv/bin/python -m koban.app_config.json_schema --write
    functions/app_config/app-config.schema.json` when the models change."""
    assert SCHEMA_FILE.read_text(encoding="utf-8") == schema_text(builtin_schema())


@pytest.mark.parametrize("tenant_id", ["pilot-nl", "pilot-pl", "pilot-fi", "pilot-es", "pilot-pt", "pilot-be"])
def test_given_the_published_schema_then_every_default_configuration_conforms_and_broken_ones_do_not(
    tenant_id: str,
) -> None:
    """Given the schema app builders read, when a JSON Schema 2020-12 validator (not pydantic) checks the
    pilots' default configurations, then they conform, and a bad colour or an unknown module type does not."""
    validator = jsonschema.Draft202012Validator(json.loads(SCHEMA_FILE.read_text(encoding="utf-8")))
    document = _document(tenant_id)

    assert list(validator.iter_errors(document)) == []
    document["theme"]["colours"]["text"] = "black"
    document["modules"][0]["type"] = "teleporter"
    assert {tuple(error.absolute_path)[:2] for error in validator.iter_errors(document)} >= {
        ("theme", "colours"),
        ("modules", 0),
    }


# ---------------------------------------------------------------------------------------------- conditions


# One condition per operator the apps may use, with the result json-logic-js gives for the data below.
DATA = {"answers": {"n": 4, "s": "abcdef", "list": [1, 2, 3], "flag": True}, "platform": "web"}
JSON_LOGIC_JS_RESULTS: list[tuple[Any, Any]] = [
    ({"var": "answers.n"}, 4),
    ({"missing": ["answers.n", "answers.x"]}, ["answers.x"]),
    ({"missing_some": [1, ["answers.x", "answers.n"]]}, []),
    ({"if": [{"var": "answers.flag"}, "yes", "no"]}, "yes"),
    ({"?:": [False, 1, 2]}, 2),
    ({"and": [True, {"var": "answers.n"}]}, 4),
    ({"or": [False, 0, "x"]}, "x"),
    ({"!": [{"var": "answers.flag"}]}, False),
    ({"!!": [[]]}, False),
    ({"==": [1, "1"]}, True),
    ({"===": [1, "1"]}, False),
    ({"!=": [1, 2]}, True),
    ({"!==": [1, 1]}, False),
    ({">": [{"var": "answers.n"}, 3]}, True),
    ({">=": [3, 3]}, True),
    ({"<": [1, {"var": "answers.n"}, 5]}, True),
    ({"<=": [5, {"var": "answers.n"}]}, False),
    ({"+": [1, "2"]}, 3),
    ({"-": [{"var": "answers.n"}]}, -4),
    ({"*": [2, 3, 4]}, 24),
    ({"/": [7, 2]}, 3.5),
    ({"%": [7, 3]}, 1),
    ({"min": [3, 1, 2]}, 1),
    ({"max": [3, 1, 2]}, 3),
    ({"map": [{"var": "answers.list"}, {"*": [{"var": ""}, 2]}]}, [2, 4, 6]),
    ({"filter": [{"var": "answers.list"}, {">": [{"var": ""}, 1]}]}, [2, 3]),
    ({"reduce": [{"var": "answers.list"}, {"+": [{"var": "current"}, {"var": "accumulator"}]}, 0]}, 6),
    ({"all": [{"var": "answers.list"}, {">": [{"var": ""}, 0]}]}, True),
    ({"none": [{"var": "answers.list"}, {">": [{"var": ""}, 2]}]}, False),
    ({"some": [{"var": "answers.list"}, {"==": [{"var": ""}, 2]}]}, True),
    ({"merge": [[1], 2, [3]]}, [1, 2, 3]),
    ({"in": ["cd", {"var": "answers.s"}]}, True),
    ({"cat": ["a", 1, True]}, "a1true"),
    ({"substr": [{"var": "answers.s"}, -3, 2]}, "de"),
]


def test_given_every_operator_apps_may_use_then_the_server_evaluates_it_as_json_logic_js_does() -> None:
    operators = {next(iter(rule)) for rule, _ in JSON_LOGIC_JS_RESULTS}

    assert operators == APP_OPERATORS
    for rule, expected in JSON_LOGIC_JS_RESULTS:
        assert evaluate(rule, DATA) == expected, rule


def test_given_dependency_graphs_then_each_cycle_is_reported_once() -> None:
    assert cycles({"a": ["b"], "b": ["a"], "c": ["c"], "d": ["a"], "e": []}) == [["a", "b"], ["c"]]
    assert cycles({"a": ["b"], "b": ["c"], "c": ["a"]}) == [["a", "b", "c"]]
    assert cycles({"a": ["b", "x"], "b": []}) == []


# ---------------------------------------------------------------------------------------------- delivery


@pytest.mark.parametrize(
    ("header", "parsed"),
    [
        ('"a"', ([(False, "a")], False)),
        ('W/"a", "b"', ([(True, "a"), (False, "b")], False)),
        ("*", ([], True)),
        ('"a,b" , "c"', ([(False, "a,b"), (False, "c")], False)),
        ("a", None),
        ('"a" "b"', None),
        ("", None),
        (None, None),
    ],
)
def test_given_entity_tag_headers_when_parsed_then_lists_weak_tags_and_star_are_understood(
    header: str | None, parsed: Any
) -> None:
    assert entity_tags(header) == parsed


def test_given_if_none_match_then_a_weak_or_listed_match_means_not_modified() -> None:
    assert none_match('W/"v1-x"', '"v1-x"')
    assert none_match('"other", "v1-x"', '"v1-x"')
    assert none_match("*", '"v1-x"')
    assert not none_match('"v1-y"', '"v1-x"')
    assert not none_match("garbage", '"v1-x"')


def test_given_language_preferences_then_the_first_offered_one_wins_else_the_default() -> None:
    assert choose_language("nl", ["nl", "en"], ["de", "en"]) == "en"
    assert choose_language("nl", ["nl", "en"], ["de"]) == "nl"
    assert choose_language("fr", ["fr", "nl", "de", "en"], []) == "fr"


def _published(version: int = 3, etag: str = "e" * 64) -> PublishedVersion:
    return PublishedVersion(
        tenant="pilot-nl",
        version=version,
        etag=etag,
        key="k",
        object_version="v",
        size=1,
        published_at=datetime(2026, 11, 1, tzinfo=UTC),
        published_by="admin",
        source=AppConfigSource.PUBLISH,
    )


def test_given_a_published_version_then_each_platform_and_language_has_its_own_tag() -> None:
    tags = {
        representation_tag(_published(version, etag), platform, language)
        for version, etag in ((3, "e" * 64), (4, "f" * 64))
        for platform in AppPlatform
        for language in ("nl", "en")
    }

    assert len(tags) == 12
    assert representation_tag(_published(), AppPlatform.WEB, "nl").startswith('"v3-')


def test_given_a_document_when_rendered_then_apps_get_their_platforms_modules_in_one_language() -> None:
    """Given pilot-nl's default with the tracking module disabled and the assistant web-only, when rendered for
    iOS in English, then neither is there, every text is English, and conditions stay JSONLogic."""
    tenant = get_tenant("pilot-nl")
    module_types = registry.module_types(tenant)
    document = _document()
    by_type = {module["type"]: module for module in document["modules"]}
    by_type["tracking"]["enabled"] = False
    by_type["assistant"]["platforms"] = ["web"]
    by_type["emergency"]["settings"]["label"] = {"nl": "Bel 112"}  # no English: the default language stands in
    validated = document_model(module_types).model_validate(document)
    categories = {category.code: category for category in list_categories(tenant)}

    rendered = render(validated, _published(), tenant, categories, module_types, AppPlatform.IOS, "en")

    assert [module["type"] for module in rendered["modules"]] == [
        name for name in BUILTIN if name not in ("tracking", "assistant")
    ]
    assert rendered["strings"]["report.submit"] == "Send report"
    assert rendered["modules"][0]["settings"]["label"] == "Bel 112"
    survey = next(module for module in rendered["modules"] if module["type"] == "survey")
    assert survey["settings"]["questions"][3]["visible_if"] == {"==": [{"var": "answers.reported"}, True]}
    report = rendered["modules"][1]["settings"]
    noise = next(category for category in report["categories"] if category["code"] == "noise_night")
    assert noise["name"] == "Noise at night"
    assert [question["code"] for question in noise["questions"]] == [
        q.code for q in categories["noise_night"].questions
    ]
    assert {"platform", "locale", "version", "languages", "theme", "accessibility"} <= set(rendered)


def test_given_the_built_in_types_then_each_is_registered_once_with_a_description() -> None:
    definitions = builtin_module_types()

    assert [definition.name for definition in definitions] == BUILTIN
    assert all(definition.description.endswith(".") for definition in definitions)


def test_given_a_snapstart_initialisation_then_every_tenants_module_types_and_default_are_prepared() -> None:
    from koban.app_config import service
    from koban.tenants.service import list_tenants

    service.clear_caches()
    service.warm_up()

    assert registry._module_types.cache_info().currsize == len(list_tenants())
