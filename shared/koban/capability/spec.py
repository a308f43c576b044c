"""The KOBAN capability model as data: what plugins contribute (`koban_capability_model`) and the merged model.

A `CapabilityModelPart` holds dimensions, capabilities (each with five maturity levels described in plain words),
indicators (which of core's computations a dimension shows, with the thresholds that turn a value into a level)
and texts (level names, phrases of the scorecard), every text a mapping of language to text. Parts are merged by
`merge_parts`: for an id defined twice the part called first (a city's) wins whole; texts are merged per key and
language.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Annotated, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from koban.i18n import pick
from koban.plugins import PluginConfigurationError

LEVELS = (1, 2, 3, 4, 5)
Identifier = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{1,39}$")]
Language = Annotated[str, Field(pattern=r"^[a-z]{2,3}$")]
Texts = dict[Language, Annotated[str, Field(min_length=1, max_length=1000)]]
Better = Literal["higher", "lower"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class DimensionSpec(_Frozen):
    id: Identifier
    name: Texts
    description: Texts


class CapabilitySpec(_Frozen):
    id: Identifier
    dimension: Identifier
    name: Texts
    description: Texts
    levels: Annotated[tuple[Texts, ...], Field(min_length=5, max_length=5, description="Levels 1 to 5 in words")]


class IndicatorSpec(_Frozen):
    id: Identifier
    dimension: Identifier
    thresholds: Annotated[
        tuple[float, float, float, float],
        Field(description="The values at which levels 2, 3, 4 and 5 begin (falling where lower is better)"),
    ]
    name: Texts
    definition: Texts


_Entry = TypeVar("_Entry", DimensionSpec, CapabilitySpec, IndicatorSpec)


class CapabilityModelPart(_Frozen):
    """What one plugin contributes to the capability model of a tenant."""

    dimensions: tuple[DimensionSpec, ...] = ()
    capabilities: tuple[CapabilitySpec, ...] = ()
    indicators: tuple[IndicatorSpec, ...] = ()
    level_names: Annotated[tuple[Texts, ...], Field(max_length=5)] = ()
    phrases: dict[Annotated[str, Field(pattern=r"^[a-z][a-z0-9_.]{1,79}$")], Texts] = Field(default_factory=dict)


class CapabilityModel(_Frozen):
    """The tenant's merged model: dimensions in order, each with its capabilities and indicators."""

    dimensions: tuple[DimensionSpec, ...]
    capabilities: tuple[CapabilitySpec, ...]
    indicators: tuple[IndicatorSpec, ...]
    level_names: tuple[Texts, ...]
    phrases: dict[str, Texts]

    def capabilities_of(self, dimension: str) -> list[CapabilitySpec]:
        return [capability for capability in self.capabilities if capability.dimension == dimension]

    def indicators_of(self, dimension: str) -> list[IndicatorSpec]:
        return [indicator for indicator in self.indicators if indicator.dimension == dimension]

    def capability(self, capability_id: str) -> CapabilitySpec | None:
        return next((capability for capability in self.capabilities if capability.id == capability_id), None)

    def phrase(self, key: str, languages: Sequence[str], /, **values: object) -> str:
        """A phrase of the scorecard in the first of `languages` it has (else English), values filled in."""
        text = pick(self.phrases.get(key, {}), languages) or key
        return text.format(**values) if values else text

    def texts(self) -> Iterator[tuple[str, Mapping[str, str]]]:
        """Every text of the model with where it is (for checks that each exists in every language)."""
        for dimension in self.dimensions:
            yield f"{dimension.id}.name", dimension.name
            yield f"{dimension.id}.description", dimension.description
        for capability in self.capabilities:
            yield f"{capability.id}.name", capability.name
            yield f"{capability.id}.description", capability.description
            for level, text in enumerate(capability.levels, start=1):
                yield f"{capability.id}.level{level}", text
        for indicator in self.indicators:
            yield f"{indicator.id}.name", indicator.name
            yield f"{indicator.id}.definition", indicator.definition
        for level, text in enumerate(self.level_names, start=1):
            yield f"level{level}", text
        yield from self.phrases.items()

    def level_name(self, level: int, languages: Sequence[str]) -> str:
        return pick(self.level_names[level - 1], languages) if level - 1 < len(self.level_names) else str(level)


def _merged_texts(texts: Iterable[Mapping[str, str]]) -> dict[str, str]:
    """Texts per language, the first mapping (in call order) winning for each language."""
    merged: dict[str, str] = {}
    for mapping in texts:
        for language, text in mapping.items():
            merged.setdefault(language, text)
    return merged


def merge_parts(parts: Sequence[CapabilityModelPart], known_indicators: Mapping[str, Better]) -> CapabilityModel:
    """The model of a tenant from its plugins' parts (in call order: a city's first, the default's last).

    Raises `PluginConfigurationError` for a capability or indicator of an unknown dimension, an indicator core
    cannot compute, or thresholds that do not rise (or fall, where lower is better)."""
    dimensions = _ordered([part.dimensions for part in parts])
    capabilities = _ordered([part.capabilities for part in parts])
    indicators = _ordered([part.indicators for part in parts])
    dimension_ids = {dimension.id for dimension in dimensions}
    problems = [
        f"capability '{capability.id}' belongs to no dimension '{capability.dimension}'"
        for capability in capabilities
        if capability.dimension not in dimension_ids
    ]
    for indicator in indicators:
        if indicator.dimension not in dimension_ids:
            problems.append(f"indicator '{indicator.id}' belongs to no dimension '{indicator.dimension}'")
        better = known_indicators.get(indicator.id)
        if better is None:
            problems.append(f"indicator '{indicator.id}' is not one core computes: {', '.join(known_indicators)}")
            continue
        steps = list(indicator.thresholds)
        if steps != sorted(steps, reverse=better == "lower") or len(set(steps)) != len(steps):
            direction = "fall" if better == "lower" else "rise"
            problems.append(f"indicator '{indicator.id}': its thresholds must {direction} strictly")
    if problems:
        raise PluginConfigurationError("capability model: " + "; ".join(problems))
    level_names = tuple(
        _merged_texts(part.level_names[index] for part in parts if index < len(part.level_names))
        for index in range(len(LEVELS))
    )
    keys = dict.fromkeys(key for part in reversed(parts) for key in part.phrases)
    phrases = {key: _merged_texts(part.phrases[key] for part in parts if key in part.phrases) for key in keys}
    return CapabilityModel(
        dimensions=dimensions,
        capabilities=capabilities,
        indicators=indicators,
        level_names=level_names,
        phrases=phrases,
    )


def _ordered(groups: Sequence[Sequence[_Entry]]) -> tuple[_Entry, ...]:
    """Entries by id, the first group (in call order) winning; ordered as the last group (the default) has them,
    then the others' additions."""
    winners: dict[str, _Entry] = {}
    for group in groups:
        for entry in group:
            winners.setdefault(entry.id, entry)
    order = dict.fromkeys(entry.id for group in reversed(groups) for entry in group)
    return tuple(winners[entry_id] for entry_id in order)
