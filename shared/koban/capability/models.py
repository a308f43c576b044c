"""Domain and API models of the capability self-assessment and the scorecard."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from koban.capability.indicators import Unit
from koban.text import CLEAN, NOT_BLANK, SINGLE_LINE

RoundId = Annotated[str, Field(pattern=r"^[0-9a-z]{20}$")]
CapabilityId = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{1,39}$", description="A capability of the model")]
Level = Annotated[int, Field(ge=1, le=5, description="Maturity level, 1 (starting) to 5 (leading)")]
MAX_RATINGS = 60


class View(StrEnum):
    """Whose view an assessment gives: the police's own, or the community partners'."""

    POLICE = "police"
    PARTNERS = "partners"


class RoundStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class Round(_Frozen):
    """An assessment round: everyone rates the capabilities once per round; rounds over time are the trend."""

    tenant: str
    id: str
    title: str
    status: RoundStatus = RoundStatus.OPEN
    created_by: str
    created_at: AwareDatetime
    closed_at: AwareDatetime | None = None
    version: int = 1


class Rating(_Frozen):
    capability: str
    level: int
    evidence: str | None = None


class Assessment(_Frozen):
    """One person's ratings in one round; the author is kept only to let them replace it."""

    tenant: str
    round_id: str
    view: View
    author: str
    ratings: tuple[Rating, ...]
    submitted_at: AwareDatetime
    version: int = 1


# ---------------------------------------------------------------------------------------------- input


class RoundIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Annotated[str, Field(max_length=120, description="e.g. 'Spring 2027'"), CLEAN, NOT_BLANK, SINGLE_LINE]


class RoundChangeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: Annotated[int, Field(ge=1, description="The version this change was made on")]
    status: Literal[RoundStatus.CLOSED]


class RatingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    capability: CapabilityId
    level: Level
    evidence: Annotated[
        Annotated[str, Field(max_length=1000), CLEAN, NOT_BLANK] | None,
        Field(description="What the rating rests on: examples, figures, documents"),
    ] = None


class AssessmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ratings: Annotated[list[RatingIn], Field(min_length=1, max_length=MAX_RATINGS)]


# ---------------------------------------------------------------------------------------------- output


class RoundOut(BaseModel):
    id: str
    title: str
    status: RoundStatus
    created_at: datetime
    closed_at: datetime | None
    version: int


class RoundListOut(BaseModel):
    tenant: str
    items: list[RoundOut]


class RatingOut(BaseModel):
    capability: str
    level: int
    evidence: str | None


class AssessmentOut(BaseModel):
    round_id: str
    view: View
    ratings: list[RatingOut]
    submitted_at: datetime
    version: int


class LevelOut(BaseModel):
    level: int
    name: str
    description: str | None = None


class CapabilityOut(BaseModel):
    id: str
    name: str
    description: str
    levels: list[LevelOut]


class IndicatorDefinitionOut(BaseModel):
    id: str
    name: str
    definition: str
    unit: Unit
    better: Literal["higher", "lower"]
    thresholds: Annotated[list[float], Field(description="Where levels 2, 3, 4 and 5 begin")]


class DimensionOut(BaseModel):
    id: str
    name: str
    description: str
    capabilities: list[CapabilityOut]
    indicators: list[IndicatorDefinitionOut]


class CapabilityModelOut(BaseModel):
    tenant: str
    language: str
    levels: list[LevelOut]
    dimensions: list[DimensionOut]


class RatingSummary(BaseModel):
    count: int
    mean: float | None
    lowest: int | None
    highest: int | None


class EvidenceOut(BaseModel):
    view: View
    level: int
    note: str


class CapabilityScoreOut(BaseModel):
    id: str
    name: str
    police: RatingSummary
    partners: RatingSummary
    evidence: list[EvidenceOut]


class IndicatorOut(BaseModel):
    id: str
    name: str
    definition: str
    unit: Unit
    better: Literal["higher", "lower"]
    value: Annotated[float | None, Field(description="None: no data (see `no_data`)")]
    display: Annotated[str, Field(description="The value in words and units, in the reader's language")]
    level: Annotated[int | None, Field(description="The maturity level (1-5) the value reaches")]
    previous: Annotated[float | None, Field(description="The same figure over the previous period")]
    previous_display: str | None
    no_data: Annotated[str | None, Field(description="Why there is no value, in plain words")]
    basis: Annotated[dict[str, float], Field(description="The counts the value was computed from")]


class TrendPoint(BaseModel):
    round_id: str
    title: str
    created_at: datetime
    police: float | None
    partners: float | None


class DimensionScoreOut(BaseModel):
    id: str
    name: str
    description: str
    police: Annotated[float | None, Field(description="The police's self-assessment: mean level (1-5)")]
    partners: Annotated[float | None, Field(description="The community partners' assessment: mean level (1-5)")]
    live: Annotated[float | None, Field(description="The mean level the live indicators reach (1-5)")]
    score: Annotated[float | None, Field(description="The mean of police, partners and live (those known)")]
    capabilities: list[CapabilityScoreOut]
    indicators: list[IndicatorOut]
    gaps: Annotated[list[str], Field(description="What stands out, in plain words")]
    trend: Annotated[list[TrendPoint], Field(description="The self-assessment in each round, oldest first")]
    trend_text: str | None


class RecommendationOut(BaseModel):
    item_id: str
    dimension: str
    title: str
    kind: str
    kind_name: str
    audience: list[str]
    audience_names: list[str]
    language: str
    summary: str
    url: str | None


class PeriodOut(BaseModel):
    first: date
    last: date


class ScorecardOut(BaseModel):
    tenant: str
    language: str
    generated_at: datetime
    period: PeriodOut
    previous_period: PeriodOut
    round: RoundOut | None
    dimensions: list[DimensionScoreOut]
    weakest: Annotated[list[str], Field(description="The dimension(s) with the lowest score")]
    recommendations: Annotated[
        list[RecommendationOut], Field(description="Training and knowledge tagged for the weakest dimension(s)")
    ]
