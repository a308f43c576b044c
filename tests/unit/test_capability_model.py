"""The capability model as data: the default plugin's six dimensions in every pilot language, the
`koban_capability_model` hook that lets a city reword or extend it, and the checks that refuse a broken part."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pluggy
import pytest

from koban.capability import registry
from koban.capability.indicators import KNOWN_INDICATORS
from koban.capability.spec import CapabilityModelPart, CapabilitySpec, DimensionSpec, IndicatorSpec, merge_parts
from koban.plugins import PluginConfigurationError, hookimpl
from koban.plugins.checks import capability_problems
from koban.plugins.host import build_plugin_manager
from koban.tenants.models import Tenant
from koban.tenants.service import get_tenant
from koban_default import capability_model_part

PILOT_LANGUAGES = ("en", "nl", "pl", "fi", "es", "pt", "fr", "de", "uk", "sv")
KOBAN_DIMENSIONS = [
    "trust",
    "information_exchange",
    "accountability",
    "cohesion",
    "partnership",
    "transformation",
]


def test_the_default_model_has_the_six_koban_dimensions_each_with_capabilities_and_indicators() -> None:
    part = capability_model_part()
    assert [dimension.id for dimension in part.dimensions] == KOBAN_DIMENSIONS
    for dimension in KOBAN_DIMENSIONS:
        assert len([c for c in part.capabilities if c.dimension == dimension]) >= 2, dimension
        assert [i for i in part.indicators if i.dimension == dimension], dimension
    assert len(part.level_names) == 5


@pytest.mark.parametrize("language", PILOT_LANGUAGES)
def test_every_text_of_the_default_model_is_there_in_every_pilot_language(language: str) -> None:
    model = merge_parts([capability_model_part()], KNOWN_INDICATORS)
    missing = [key for key, texts in model.texts() if not texts.get(language, "").strip()]
    assert not missing, f"{language} lacks {missing[:10]}"


def test_every_translation_of_a_phrase_keeps_the_english_placeholders() -> None:
    for key, texts in capability_model_part().phrases.items():
        wanted = set(re.findall(r"\{(\w+)\}", texts["en"]))
        for language, text in texts.items():
            assert set(re.findall(r"\{(\w+)\}", text)) == wanted, (key, language)


def test_the_five_levels_of_a_capability_say_different_things() -> None:
    for capability in capability_model_part().capabilities:
        for language in PILOT_LANGUAGES:
            levels = [level[language] for level in capability.levels]
            assert len(set(levels)) == 5, (capability.id, language)


# ---------------------------------------------------------------------------------------------- merging


def _texts_of(text: str) -> dict[str, str]:
    return {"en": text}


def _indicator(indicator_id: str, dimension: str, thresholds: tuple[float, float, float, float]) -> IndicatorSpec:
    return IndicatorSpec(
        id=indicator_id,
        dimension=dimension,
        thresholds=thresholds,
        name=_texts_of(indicator_id),
        definition=_texts_of("how"),
    )


def _capability(capability_id: str, dimension: str, name: str = "A capability") -> CapabilitySpec:
    return CapabilitySpec(
        id=capability_id,
        dimension=dimension,
        name=_texts_of(name),
        description=_texts_of("What it is"),
        levels=tuple(_texts_of(f"level {n}") for n in range(1, 6)),
    )


def test_a_city_part_rewords_a_capability_adds_one_and_overrides_a_phrase_in_one_language() -> None:
    city = CapabilityModelPart(
        capabilities=(
            _capability("plain_language", "trust", "Klare taal, Amsterdams"),
            _capability("night_economy", "cohesion", "Working with the night economy"),
        ),
        indicators=(_indicator("overdue_share", "accountability", (0.2, 0.1, 0.05, 0.02)),),
        phrases={"view.partners": {"nl": "Wijkpartners"}},
    )
    model = merge_parts([city, capability_model_part()], KNOWN_INDICATORS)
    assert model.capability("plain_language") is not None
    assert model.capability("plain_language").name["en"] == "Klare taal, Amsterdams"  # type: ignore[union-attr]
    assert [c.id for c in model.capabilities_of("cohesion")] == [
        "inclusive_access",
        "less_heard_groups",
        "night_economy",
    ]
    overdue = next(i for i in model.indicators if i.id == "overdue_share")
    assert overdue.thresholds == (0.2, 0.1, 0.05, 0.02)
    assert model.phrase("view.partners", ["nl"]) == "Wijkpartners"
    assert model.phrase("view.partners", ["de"]) == "Partner im Viertel"  # other languages kept
    assert [d.id for d in model.dimensions] == KOBAN_DIMENSIONS  # order of the default


@pytest.mark.parametrize(
    ("part", "problem"),
    [
        (CapabilityModelPart(capabilities=(_capability("orphan", "nowhere"),)), "belongs to no dimension"),
        (CapabilityModelPart(indicators=(_indicator("made_up", "trust", (1, 2, 3, 4)),)), "not one core computes"),
        (
            CapabilityModelPart(indicators=(_indicator("share_given_feedback", "trust", (0.9, 0.7, 0.5, 0.3)),)),
            "must rise",
        ),
        (
            CapabilityModelPart(indicators=(_indicator("overdue_share", "trust", (0.1, 0.2, 0.3, 0.4)),)),
            "must fall",
        ),
    ],
)
def test_a_broken_part_is_refused_with_a_message_that_names_it(part: CapabilityModelPart, problem: str) -> None:
    with pytest.raises(PluginConfigurationError, match=problem):
        merge_parts([part, capability_model_part()], KNOWN_INDICATORS)


def test_plugin_checks_name_a_capability_text_missing_in_one_of_the_tenants_languages(
    manager: pluggy.PluginManager,
) -> None:
    assert capability_problems(get_tenant("pilot-fi")) == []
    manager.register(_CityPlugin("pilot-fi"))  # its capability speaks English only, the tenant fi, sv and en
    registry.clear_caches()
    problems = [str(problem) for problem in capability_problems(get_tenant("pilot-fi"))]
    assert "pilot-fi capability online_fraud_help.name: no text in fi, sv" in problems
    manager.register(_BrokenPlugin())
    registry.clear_caches()
    assert [problem.where for problem in capability_problems(get_tenant("pilot-fi"))] == ["pilot-fi capability model"]


def test_a_part_must_have_five_levels_per_capability() -> None:
    with pytest.raises(ValueError, match="5"):
        CapabilitySpec(
            id="short", dimension="trust", name=_texts_of("x"), description=_texts_of("y"), levels=(_texts_of("1"),)
        )


# ---------------------------------------------------------------------------------------------- the hook


class _CityPlugin:
    """A city plugin that adds one capability for its own tenant only."""

    def __init__(self, tenant_id: str) -> None:
        self.tenant_id = tenant_id

    @hookimpl
    def koban_capability_model(self, tenant: Tenant) -> CapabilityModelPart | None:
        if tenant.id != self.tenant_id:
            return None
        dimension = DimensionSpec(id="digital_safety", name=_texts_of("Digital safety"), description=_texts_of("."))
        return CapabilityModelPart(
            dimensions=(dimension,), capabilities=(_capability("online_fraud_help", "digital_safety"),)
        )


class _BrokenPlugin:
    @hookimpl
    def koban_capability_model(self, tenant: Tenant) -> Any:
        return {"dimensions": []}  # a dict, not a CapabilityModelPart


@pytest.fixture
def manager(monkeypatch: pytest.MonkeyPatch) -> Iterator[pluggy.PluginManager]:
    fresh = build_plugin_manager()
    monkeypatch.setattr(registry, "plugin_manager", lambda: fresh)
    registry.clear_caches()
    yield fresh
    registry.clear_caches()


def test_koban_capability_model_lets_a_city_add_a_dimension_for_its_tenant_only(manager: pluggy.PluginManager) -> None:
    manager.register(_CityPlugin("pilot-be"))
    belgian = registry.tenant_model("pilot-be")
    dutch = registry.tenant_model("pilot-nl")
    assert [d.id for d in belgian.dimensions] == [*KOBAN_DIMENSIONS, "digital_safety"]
    assert [c.id for c in belgian.capabilities_of("digital_safety")] == ["online_fraud_help"]
    assert [d.id for d in dutch.dimensions] == KOBAN_DIMENSIONS
    assert get_tenant("pilot-be").id == "pilot-be"


def test_koban_capability_model_refuses_an_answer_that_is_not_a_part(manager: pluggy.PluginManager) -> None:
    manager.register(_BrokenPlugin())
    with pytest.raises(PluginConfigurationError, match="not a CapabilityModelPart"):
        registry.tenant_model("pilot-nl")
