"""The plugin host: hook specifications, the plugin manager, and how core combines plugins' contributions.

Needs the default plugin and the six pilot plugins installed (`make install`, or
`pip install -e plugins/default -e plugins/pilot_nl ...`): they are found through the `koban` entry points.
"""

from __future__ import annotations

import inspect
import sys
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pluggy
import pytest

import koban_default
from koban.plugins import (
    ENTRY_POINT_GROUP,
    PROJECT_NAME,
    PluginConfigurationError,
    hookimpl,
    hookspecs,
    load_tenant_file,
)
from koban.plugins.host import build_plugin_manager
from koban.tenants import service
from koban.tenants.models import AssistantGroup, Category, Tenant

PILOT_PLUGINS = ("pilot_nl", "pilot_pl", "pilot_fi", "pilot_es", "pilot_pt", "pilot_be")
PILOT_TENANTS = {"pilot-nl", "pilot-pl", "pilot-fi", "pilot-es", "pilot-pt", "pilot-be"}
TESTS_ROOT = Path(__file__).resolve().parents[1]


def _hookspec_functions() -> dict[str, Any]:
    """Every hook specification in `koban.plugins.hookspecs`, by name."""
    return {
        name: function
        for name, function in inspect.getmembers(hookspecs, inspect.isfunction)
        if hasattr(function, f"{PROJECT_NAME}_spec")
    }


@pytest.fixture
def manager() -> pluggy.PluginManager:
    return build_plugin_manager()


@pytest.fixture
def use_manager(monkeypatch: pytest.MonkeyPatch) -> Iterator[pluggy.PluginManager]:
    """A fresh manager that `koban.tenants.service` uses in this test only; caches cleared around it."""
    fresh = build_plugin_manager()
    monkeypatch.setattr(service, "plugin_manager", lambda: fresh)
    service.clear_caches()
    yield fresh
    service.clear_caches()


def _pilot(tenant_id: str) -> Tenant:
    suffix = tenant_id.removeprefix("pilot-")
    repo = TESTS_ROOT.parent
    return load_tenant_file(repo / "plugins" / f"pilot_{suffix}" / f"koban_pilot_{suffix}" / "tenant.json")


# ----------------------------------------------------------------------------------------------- specs


def test_given_the_hookspecs_module_then_every_hook_is_documented() -> None:
    """Given each hook specification, then its docstring names its parameters, what it returns, whether the
    first result wins or all are used (matching its `firstresult` flag), and the version it was added in."""
    specs = _hookspec_functions()
    assert len(specs) >= 8

    for name, function in specs.items():
        assert name.startswith("koban_"), name
        doc = inspect.getdoc(function) or ""
        assert "Parameters:" in doc, name
        assert "Returns:" in doc, name
        assert "Added in" in doc, name
        first_result = getattr(function, f"{PROJECT_NAME}_spec").get("firstresult", False)
        if first_result:
            assert "first non-None result wins" in doc, name
        else:
            assert "all results" in doc or "every implementation" in doc, name


def test_given_every_hook_then_some_test_under_tests_names_it() -> None:
    """Given each hook specification, then at least one test source under tests/ mentions it by name."""
    sources = "\n".join(path.read_text(encoding="utf-8") for path in TESTS_ROOT.rglob("test_*.py"))

    untested = [name for name in _hookspec_functions() if name not in sources]

    assert not untested, f"hooks without a test: {untested}"


# --------------------------------------------------------------------------------------------- manager


def test_given_the_installed_plugins_when_the_manager_is_built_then_default_and_pilots_are_registered(
    manager: pluggy.PluginManager,
) -> None:
    """Given koban_default (by module name) and the six pilots (entry points in group `koban`), when the
    manager is built, then all seven are registered, and every default hook implementation is `trylast`."""
    names = {name for name, _ in manager.list_name_plugin()}

    assert "koban_default" in names
    assert set(PILOT_PLUGINS) <= names
    assert ENTRY_POINT_GROUP == PROJECT_NAME
    distributions = {manager.get_name(plugin): dist.project_name for plugin, dist in manager.list_plugin_distinfo()}
    for name in PILOT_PLUGINS:
        assert distributions[name] == "koban-pilot-" + name.removeprefix("pilot_")
    default = manager.get_plugin("koban_default")
    for caller in manager.get_hookcallers(default) or []:
        implementation = next(i for i in caller.get_hookimpls() if i.plugin is default)
        assert implementation.trylast, caller.name


def test_given_the_manager_when_tenants_are_collected_then_the_six_pilots_come_from_their_plugins(
    manager: pluggy.PluginManager,
) -> None:
    tenants = [tenant for contribution in manager.hook.koban_tenants() for tenant in contribution]

    assert {tenant.id for tenant in tenants} >= PILOT_TENANTS
    assert len({tenant.id for tenant in tenants}) == len(tenants)


def test_given_a_pilot_plugin_when_koban_tenants_is_called_twice_then_the_tenant_is_loaded_once(
    manager: pluggy.PluginManager,
) -> None:
    plugin = manager.get_plugin("pilot_nl")
    assert plugin is not None

    first, second = plugin.koban_tenants(), plugin.koban_tenants()

    assert first == second
    assert first is not second  # a fresh list: a caller cannot change the plugin's
    assert first[0] is second[0]


def test_given_the_service_when_tenants_are_listed_then_they_are_the_pilots_sorted(
    use_manager: pluggy.PluginManager,
) -> None:
    ids = [tenant.id for tenant in service.list_tenants()]

    assert set(ids) >= PILOT_TENANTS
    assert ids == sorted(ids)
    assert service.get_tenant("pilot-fi").timezone == "Europe/Helsinki"


class Misspelt:
    """A plugin with a typo in a hook name."""

    @hookimpl
    def koban_tennants(self) -> list[Tenant]:
        return []


def test_given_a_plugin_with_a_misspelt_hook_when_checked_then_it_is_rejected(
    manager: pluggy.PluginManager,
) -> None:
    manager.register(Misspelt())

    with pytest.raises(pluggy.PluginValidationError, match="koban_tennants"):
        manager.check_pending()


def test_given_a_misspelt_plugin_module_by_name_when_the_manager_is_built_then_it_fails_loudly(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Given a module named in KOBAN_PLUGINS that implements `koban_tennants`, when the manager is built,
    then start-up fails instead of the hook being silently ignored."""
    module = types.ModuleType("koban_test_misspelt")
    module.koban_tennants = hookimpl(lambda: [])  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, module.__name__, module)

    with pytest.raises(PluginConfigurationError, match=r"plugin 'koban_test_misspelt'.*koban_tennants"):
        build_plugin_manager((module.__name__,), entry_points=False)


def test_given_a_hook_with_an_unknown_argument_when_registered_then_it_is_rejected(
    manager: pluggy.PluginManager,
) -> None:
    class WrongArgument:
        @hookimpl
        def koban_categories(self, tenant: Tenant, city: str) -> list[Category]:
            return []

    with pytest.raises(pluggy.PluginValidationError, match="city"):
        manager.register(WrongArgument())


# ------------------------------------------------------------------------------------------ categories


def _category(code: str, name: str, **extra: Any) -> Category:
    return Category.model_validate({"code": code, "group": "nuisance", "name": {"en": name}, **extra})


def _base_codes() -> set[str]:
    """The codes of the built-in taxonomy (what a tenant without a city taxonomy offers)."""
    return {category.code for category in koban_default.base_categories()}


class CityCategories:
    """A city plugin with its own tenant that replaces `noise_night` and adds a local category."""

    @hookimpl
    def koban_tenants(self) -> list[Tenant]:
        return [_pilot("pilot-nl").model_copy(update={"id": "test-city"})]

    @hookimpl
    def koban_categories(self, tenant: Tenant) -> list[Category] | None:
        if tenant.id != "test-city":
            return None
        return [
            _category("noise_night", "Amsterdam night noise", deadline_hours=48),
            _category("canal_boat_noise", "Canal boat noise", default_unit="neighbourhood_team"),
        ]


def test_given_a_city_category_with_a_default_code_when_categories_are_built_then_the_city_one_wins(
    use_manager: pluggy.PluginManager,
) -> None:
    use_manager.register(CityCategories())

    city = {category.code: category for category in service.list_categories(service.get_tenant("test-city"))}
    pl = {category.code: category for category in service.list_categories(service.get_tenant("pilot-pl"))}

    assert city["noise_night"].name == {"en": "Amsterdam night noise"}
    assert city["noise_night"].deadline_hours == 48
    assert "canal_boat_noise" in city
    assert "canal_boat_noise" not in pl
    assert pl["noise_night"].name != city["noise_night"].name
    assert set(city) - {"canal_boat_noise"} == _base_codes()


class DisablingCity:
    """A city plugin whose tenant switches off two built-in categories."""

    @hookimpl
    def koban_tenants(self) -> list[Tenant]:
        tenant = _pilot("pilot-nl").model_copy(
            update={
                "id": "test-disabled",
                "settings": {"disabled_categories": ["graffiti_vandalism", "phishing"]},
            }
        )
        return [tenant]


def test_given_disabled_categories_in_a_tenant_when_categories_are_built_then_they_are_dropped(
    use_manager: pluggy.PluginManager,
) -> None:
    use_manager.register(DisablingCity())

    codes = {category.code for category in service.list_categories(service.get_tenant("test-disabled"))}
    others = _base_codes()

    assert "graffiti_vandalism" not in codes
    assert "phishing" not in codes
    assert others - codes == {"graffiti_vandalism", "phishing"}
    assert service.get_category(service.get_tenant("test-disabled"), "phishing") is None


class DuplicateTenant:
    @hookimpl
    def koban_tenants(self) -> list[Tenant]:
        return [_pilot("pilot-pl")]


def test_given_two_plugins_defining_one_tenant_id_when_tenants_are_listed_then_start_up_fails(
    use_manager: pluggy.PluginManager,
) -> None:
    use_manager.register(DuplicateTenant())

    with pytest.raises(PluginConfigurationError, match="pilot-pl"):
        service.list_tenants()


def test_given_a_city_category_routing_to_an_unknown_unit_when_built_then_start_up_fails(
    use_manager: pluggy.PluginManager,
) -> None:
    class UnknownUnit:
        @hookimpl
        def koban_categories(self, tenant: Tenant) -> list[Category]:
            return [_category("fireworks", "Fireworks", default_unit="fireworks_squad")]

    use_manager.register(UnknownUnit())

    with pytest.raises(PluginConfigurationError, match="fireworks_squad"):
        service.list_categories(service.get_tenant("pilot-be"))


def test_given_every_pilot_when_its_categories_are_built_then_the_base_taxonomy_is_offered(
    use_manager: pluggy.PluginManager,
) -> None:
    for tenant_id in sorted(PILOT_TENANTS):
        categories = service.list_categories(service.get_tenant(tenant_id))
        groups = {category.group for category in categories}
        assert len(categories) >= 16, tenant_id
        assert AssistantGroup.HATE_CRIME in groups
        assert AssistantGroup.MUNICIPAL in groups


# ----------------------------------------------------------------------------------------------- rules


class CityTriage:
    """A city that makes every ongoing noise report urgent, whatever the hour, by replacing the rule."""

    @hookimpl
    def koban_rules(self, tenant: Tenant) -> dict[str, Any] | None:
        return {"triage": {"if": [{"===": [{"var": "answers.ongoing"}, True]}, "urgent", "normal"]}}


def test_given_a_city_rule_with_a_default_name_when_rules_are_merged_then_the_city_rule_is_evaluated(
    use_manager: pluggy.PluginManager,
) -> None:
    use_manager.register(CityTriage())
    tenant = service.get_tenant("pilot-es")
    rules = service.tenant_rules(tenant)
    facts = {"category": "noise_night", "group": "nuisance", "answers": {"ongoing": True}, "hour": 14}

    assert set(rules) >= {"triage", "routing", "deadline_hours"}
    assert use_manager.hook.koban_triage(tenant=tenant, facts=facts, rules=rules) == "urgent"


def test_given_the_default_rules_through_the_manager_then_the_first_result_decides(
    use_manager: pluggy.PluginManager,
) -> None:
    """Given only the default plugin's decisions, when the firstresult hooks run through the manager, then
    an ongoing hate incident is urgent, goes to community liaison and gets 4 hours."""
    tenant = service.get_tenant("pilot-pt")
    rules = service.tenant_rules(tenant)
    category = service.get_category(tenant, "hate_incident")
    assert category is not None
    facts: dict[str, Any] = {
        "category": category.code,
        "group": category.group.value,
        "sensitive": category.sensitive,
        "answers": {"ongoing": True},
        "channel": "web",
        "hour": 21,
        "weekday": 5,
    }

    facts["priority"] = use_manager.hook.koban_triage(tenant=tenant, facts=facts, rules=rules)
    facts["unit"] = use_manager.hook.koban_route(tenant=tenant, facts=facts, rules=rules)
    facts["deadline_hours"] = category.deadline_hours
    deadline = use_manager.hook.koban_deadline_hours(tenant=tenant, facts=facts, rules=rules)

    assert (facts["priority"], facts["unit"], deadline) == ("urgent", "community_liaison", 4)


def test_given_a_city_route_implementation_when_routed_then_it_runs_before_the_default(
    manager: pluggy.PluginManager,
) -> None:
    class AlwaysMunicipality:
        @hookimpl
        def koban_route(self, tenant: Tenant, facts: dict[str, Any], rules: dict[str, Any]) -> str | None:
            return "municipality"

    manager.register(AlwaysMunicipality())
    tenant = _pilot("pilot-nl")
    facts = {"group": "cybercrime"}
    rules = {"routing": {"if": [True, "cybercrime_desk", None]}}

    assert manager.hook.koban_route(tenant=tenant, facts=facts, rules=rules) == "municipality"


# ---------------------------------------------------------------------------------------- translations


def test_given_a_city_translation_when_messages_are_merged_then_the_city_wins(
    manager: pluggy.PluginManager,
) -> None:
    class CityWords:
        @hookimpl
        def koban_translations(self, language: str) -> dict[str, str] | None:
            return {"status.new": "Ontvangen"} if language == "nl" else None

    manager.register(CityWords())
    merged: dict[str, str] = {}
    for contribution in reversed(manager.hook.koban_translations(language="nl")):
        merged.update(contribution or {})

    assert merged["status.new"] == "Ontvangen"
    assert merged["status.resolved"] == "Opgelost"


# --------------------------------------------------------------------------------------- notifications


def test_given_two_listeners_when_a_report_is_received_then_every_implementation_is_called(
    manager: pluggy.PluginManager,
) -> None:
    """Given two plugins implementing `koban_report_received` (and none in the default plugin), when the
    hook is called, then both see the report: it is a broadcast, not a first-result hook."""
    seen: list[tuple[str, str]] = []

    class Listener:
        def __init__(self, name: str) -> None:
            self.name = name

        @hookimpl
        def koban_report_received(self, tenant: Tenant, report: dict[str, Any]) -> None:
            seen.append((self.name, report["id"]))

    implementers = {impl.plugin_name for impl in manager.hook.koban_report_received.get_hookimpls()}
    assert "koban_default" not in implementers
    manager.register(Listener("duty_officer"))
    manager.register(Listener("dashboard"))

    manager.hook.koban_report_received(tenant=_pilot("pilot-fi"), report={"id": "r-1"})

    assert sorted(seen) == [("dashboard", "r-1"), ("duty_officer", "r-1")]
