"""The scorecard, composed without I/O: per dimension, the police's and the partners' self-assessment beside the
live indicators, the gaps in plain words, the trend over rounds, and training for the weakest dimension(s)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from statistics import mean

from koban.assistant.models import KnowledgeAudience, KnowledgeItem, KnowledgeKind, KnowledgeStatus
from koban.capability.indicators import INDICATORS, Measure, Unit, level_of
from koban.capability.models import (
    Assessment,
    CapabilityScoreOut,
    DimensionScoreOut,
    EvidenceOut,
    IndicatorOut,
    RatingSummary,
    RecommendationOut,
    Round,
    TrendPoint,
    View,
)
from koban.capability.spec import CapabilityModel, DimensionSpec, IndicatorSpec
from koban.i18n import pick
from koban.privacy.redaction import redact

# A difference of a whole level between two views (or a view and the live figures) is named as a gap.
GAP_LEVELS = 1.0
# Indicators at or below this level are named among a dimension's gaps.
WEAK_LEVEL = 2
MAX_RECOMMENDATIONS = 8
SUMMARY_CHARACTERS = 280
# Police modules first, then those for the municipality and partners, then residents' (and any other audience).
_FIRST_AUDIENCES = (KnowledgeAudience.POLICE, KnowledgeAudience.MUNICIPALITY, KnowledgeAudience.PARTNERS)
_AUDIENCE_ORDER = {
    audience: position
    for position, audience in enumerate(
        [*_FIRST_AUDIENCES, *(audience for audience in KnowledgeAudience if audience not in _FIRST_AUDIENCES)]
    )
}
_KIND_ORDER = {KnowledgeKind.TRAINING: 0, KnowledgeKind.DOCUMENT: 1, KnowledgeKind.FAQ: 2}


@dataclass(frozen=True)
class RoundData:
    round: Round
    assessments: Sequence[Assessment]


@dataclass(frozen=True)
class Measured:
    spec: IndicatorSpec
    current: Measure
    previous: Measure | None


def number(value: float, language: str, decimals: int = 1) -> str:
    """A number as the reader writes it: a decimal point in English, a comma in the other pilot languages."""
    text = f"{value:.{decimals}f}" if decimals else str(round(value))
    return text if language == "en" else text.replace(".", ",")


def display(value: float | None, unit: Unit, model: CapabilityModel, languages: Sequence[str]) -> str:
    language = languages[0] if languages else "en"
    if value is None:
        return model.phrase("indicator.no_data", languages)
    shown = {
        Unit.SHARE: number(value * 100, language, 0),
        Unit.HOURS: number(value, language),
        Unit.SCORE: number(value, language),
        Unit.COUNT: number(value, language, 0),
        Unit.PER_THOUSAND: number(value, language),
        Unit.VOTES: number(value, language),
    }[unit]
    return model.phrase(f"unit.{unit}", languages, value=shown)


def _mean(values: Iterable[float]) -> float | None:
    found = list(values)
    return round(mean(found), 2) if found else None


def ratings_by_capability(assessments: Iterable[Assessment]) -> dict[tuple[View, str], list[int]]:
    levels: dict[tuple[View, str], list[int]] = defaultdict(list)
    for assessment in assessments:
        for rating in assessment.ratings:
            levels[(assessment.view, rating.capability)].append(rating.level)
    return levels


def view_score(
    model: CapabilityModel, dimension: str, levels: dict[tuple[View, str], list[int]], view: View
) -> float | None:
    """The mean, over the dimension's rated capabilities, of each capability's mean level in `view`."""
    return _mean(
        mean(levels[(view, capability.id)])
        for capability in model.capabilities_of(dimension)
        if levels.get((view, capability.id))
    )


def _summary(levels: Sequence[int]) -> RatingSummary:
    if not levels:
        return RatingSummary(count=0, mean=None, lowest=None, highest=None)
    return RatingSummary(count=len(levels), mean=_mean(levels), lowest=min(levels), highest=max(levels))


def indicator_out(measured: Measured, model: CapabilityModel, languages: Sequence[str]) -> IndicatorOut:
    spec, current, previous = measured.spec, measured.current, measured.previous
    kind = INDICATORS[spec.id]
    previous_value = previous.value if previous is not None else None
    return IndicatorOut(
        id=spec.id,
        name=pick(spec.name, languages),
        definition=pick(spec.definition, languages),
        unit=kind.unit,
        better=kind.better,
        value=current.value,
        display=display(current.value, kind.unit, model, languages),
        level=level_of(current.value, spec) if current.value is not None else None,
        previous=previous_value,
        previous_display=display(previous_value, kind.unit, model, languages) if previous is not None else None,
        no_data=model.phrase(current.reason, languages) if current.reason else None,
        basis=current.basis,
    )


def _gaps(
    model: CapabilityModel,
    languages: Sequence[str],
    police: float | None,
    partners: float | None,
    live: float | None,
    indicators: Sequence[IndicatorOut],
) -> list[str]:
    language = languages[0] if languages else "en"
    gaps: list[str] = []
    if police is None and partners is None:
        gaps.append(model.phrase("gap.no_assessment", languages))
    elif partners is None:
        gaps.append(model.phrase("gap.only_police", languages))
    elif police is None:
        gaps.append(model.phrase("gap.only_partners", languages))
    elif abs(police - partners) >= GAP_LEVELS:
        gaps.append(
            model.phrase(
                "gap.views_differ", languages, police=number(police, language), partners=number(partners, language)
            )
        )
    own = _mean(score for score in (police, partners) if score is not None)
    if live is None:
        gaps.append(model.phrase("gap.no_data", languages))
    elif own is not None and abs(own - live) >= GAP_LEVELS:
        key = "gap.self_above_data" if own > live else "gap.self_below_data"
        gaps.append(model.phrase(key, languages, self=number(own, language), data=number(live, language)))
    gaps.extend(
        model.phrase("gap.weak_indicator", languages, indicator=item.name, value=item.display, level=item.level)
        for item in indicators
        if item.level is not None and item.level <= WEAK_LEVEL
    )
    return gaps


def _trend(
    model: CapabilityModel, dimension: str, rounds: Sequence[RoundData], languages: Sequence[str]
) -> tuple[list[TrendPoint], str | None]:
    points = []
    for data in rounds:
        levels = ratings_by_capability(data.assessments)
        points.append(
            TrendPoint(
                round_id=data.round.id,
                title=data.round.title,
                created_at=data.round.created_at,
                police=view_score(model, dimension, levels, View.POLICE),
                partners=view_score(model, dimension, levels, View.PARTNERS),
            )
        )
    combined = [
        value
        for value in (_mean(v for v in (point.police, point.partners) if v is not None) for point in points)
        if value is not None
    ]
    if len(combined) < 2:
        return points, None
    change = combined[-1] - combined[-2]
    language = languages[0] if languages else "en"
    if abs(change) < 0.25:
        return points, model.phrase("trend.same", languages)
    key = "trend.up" if change > 0 else "trend.down"
    return points, model.phrase(key, languages, change=number(abs(change), language))


def dimension_score(
    model: CapabilityModel,
    dimension: DimensionSpec,
    assessments: Sequence[Assessment],
    measured: Sequence[Measured],
    rounds: Sequence[RoundData],
    languages: Sequence[str],
) -> DimensionScoreOut:
    levels = ratings_by_capability(assessments)
    police = view_score(model, dimension.id, levels, View.POLICE)
    partners = view_score(model, dimension.id, levels, View.PARTNERS)
    indicators = [indicator_out(item, model, languages) for item in measured if item.spec.dimension == dimension.id]
    live = _mean(item.level for item in indicators if item.level is not None)
    evidence: dict[str, list[EvidenceOut]] = defaultdict(list)
    for assessment in assessments:
        for rating in assessment.ratings:
            if rating.evidence:
                evidence[rating.capability].append(
                    EvidenceOut(view=assessment.view, level=rating.level, note=redact(rating.evidence))
                )
    trend, trend_text = _trend(model, dimension.id, rounds, languages)
    return DimensionScoreOut(
        id=dimension.id,
        name=pick(dimension.name, languages),
        description=pick(dimension.description, languages),
        police=police,
        partners=partners,
        live=live,
        score=_mean(value for value in (police, partners, live) if value is not None),
        capabilities=[
            CapabilityScoreOut(
                id=capability.id,
                name=pick(capability.name, languages),
                police=_summary(levels.get((View.POLICE, capability.id), [])),
                partners=_summary(levels.get((View.PARTNERS, capability.id), [])),
                evidence=evidence.get(capability.id, []),
            )
            for capability in model.capabilities_of(dimension.id)
        ],
        indicators=indicators,
        gaps=_gaps(model, languages, police, partners, live, indicators),
        trend=trend,
        trend_text=trend_text,
    )


def weakest(dimensions: Sequence[DimensionScoreOut]) -> list[str]:
    """The dimension(s) with the lowest score; none while no dimension has one."""
    scored = [dimension for dimension in dimensions if dimension.score is not None]
    if not scored:
        return []
    lowest = min(dimension.score for dimension in scored if dimension.score is not None)
    return [dimension.id for dimension in scored if dimension.score == lowest]


def recommendations(
    model: CapabilityModel,
    dimensions: Sequence[str],
    items: Iterable[KnowledgeItem],
    languages: Sequence[str],
) -> list[RecommendationOut]:
    """Active knowledge items tagged with a weak dimension or one of its capabilities, in the first of
    `languages` (then English, then any) that has some; training modules first, then by audience."""
    active = [item for item in items if item.status is KnowledgeStatus.ACTIVE]
    found: list[RecommendationOut] = []
    for dimension in dimensions:
        tags = {dimension, *(capability.id for capability in model.capabilities_of(dimension))}
        matching = [item for item in active if tags & set(item.tags)]
        for language in dict.fromkeys([*languages, "en", *sorted(item.language for item in matching)]):
            chosen = [item for item in matching if item.language == language]
            if chosen:
                break
        else:
            chosen = []
        chosen.sort(key=lambda item: (_KIND_ORDER.get(item.kind, 9), min(_AUDIENCE_ORDER[a] for a in item.audience)))
        found.extend(
            RecommendationOut(
                item_id=item.id,
                dimension=dimension,
                title=item.title,
                kind=item.kind.value,
                kind_name=model.phrase(f"kind.{item.kind.value}", languages),
                audience=[audience.value for audience in item.audience],
                audience_names=[model.phrase(f"audience.{audience.value}", languages) for audience in item.audience],
                language=item.language,
                summary=_excerpt(item.body),
                url=item.url,
            )
            for item in chosen
        )
    return found[:MAX_RECOMMENDATIONS]


def _excerpt(body: str) -> str:
    first = body.strip().split("\n\n")[0]
    return first if len(first) <= SUMMARY_CHARACTERS else first[: SUMMARY_CHARACTERS - 1].rstrip() + "…"
