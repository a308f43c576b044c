"""API models of the problems endpoints: what staff send (…In) and what they get back (…Out)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from koban.geo import RESOLUTIONS, is_cell
from koban.problems.models import ActionStatus, OwnerKind, PartnerKind, Stage
from koban.reports.schemas import ReportId
from koban.text import CLEAN, NOT_BLANK, SINGLE_LINE

MAX_CELLS = 50
MAX_REPORTS = 200


def _counted_cell(value: str) -> str:
    """Only cells at a resolution the aggregation counts can be evaluated."""
    if not any(is_cell(value, resolution) for resolution in RESOLUTIONS):
        allowed = " or ".join(str(resolution) for resolution in RESOLUTIONS)
        raise ValueError(f"not an H3 cell of resolution {allowed}")
    return value


CellId = Annotated[
    str,
    Field(pattern=r"^[0-9a-f]{15}$", description="An H3 cell of resolution 9 (block) or 7 (neighbourhood)"),
    AfterValidator(_counted_cell),
]
CategoryCode = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{1,47}$", description="A code from …/categories")]
Title = Annotated[str, Field(max_length=200), CLEAN, NOT_BLANK, SINGLE_LINE]
Description = Annotated[str, Field(max_length=4000), CLEAN, NOT_BLANK]
NoteText = Annotated[str, Field(max_length=2000), CLEAN, NOT_BLANK]
ShortLine = Annotated[str, Field(max_length=120), CLEAN, NOT_BLANK, SINGLE_LINE]
Version = Annotated[int, Field(ge=1, description="The `version` of the problem this change was made on")]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PartnerIn(_Input):
    name: Annotated[ShortLine, Field(description="The organisation, e.g. 'Housing association De Key'")]
    kind: PartnerKind
    contact_role: Annotated[
        ShortLine | None, Field(description="A role to ask for, e.g. 'area manager'; never a person's name")
    ] = None


class ProblemIn(_Input):
    """A hotspot or an emerging alert turned into a problem: its cells, category and the reports behind it."""

    title: Title
    description: Description
    category: CategoryCode
    cells: Annotated[list[CellId], Field(min_length=1, max_length=MAX_CELLS)]
    report_ids: Annotated[list[ReportId], Field(max_length=MAX_REPORTS)] = Field(default_factory=list)
    partners: Annotated[list[PartnerIn], Field(max_length=20)] = Field(default_factory=list)


class FeedbackIn(_Input):
    met_on: Annotated[date, Field(description="The day of the meeting with residents")]
    summary: Annotated[NoteText, Field(description="What residents said, summarised by staff")]
    satisfaction: Annotated[int, Field(ge=1, le=5, description="Residents' satisfaction, 1 (poor) to 5 (very good)")]


class ProblemChangeIn(_Input):
    """One change of a problem, made on the `version` the client saw; any of the parts may be combined."""

    version: Version
    stage: Annotated[Stage | None, Field(description="The next stage; see `allowed_stages`")] = None
    note: Annotated[
        NoteText | None,
        Field(description="With `stage`: why (required to close or reopen); without: a note added to the problem"),
    ] = None
    title: Title | None = None
    description: Description | None = None
    add_partners: Annotated[list[PartnerIn], Field(max_length=20)] = Field(default_factory=list)
    remove_partners: Annotated[list[ShortLine], Field(max_length=20)] = Field(default_factory=list)
    feedback: FeedbackIn | None = None

    @model_validator(mode="after")
    def _changes_something(self) -> ProblemChangeIn:
        parts = (self.stage, self.note, self.title, self.description, self.feedback)
        if all(part is None for part in parts) and not (self.add_partners or self.remove_partners):
            raise ValueError("nothing to change: give a stage, note, title, description, partners or feedback")
        return self


ActionOwner = Annotated[ShortLine, Field(description="A unit code of the tenant or a partner's name")]


class ActionIn(_Input):
    title: Title
    owner: ActionOwner
    due_on: Annotated[date, Field(description="The day it should be done by (not in the past)")]


class ActionChangeIn(_Input):
    version: Version
    status: ActionStatus | None = None
    title: Title | None = None
    owner: ActionOwner | None = None
    due_on: date | None = None

    @model_validator(mode="after")
    def _changes_something(self) -> ActionChangeIn:
        if all(part is None for part in (self.status, self.title, self.owner, self.due_on)):
            raise ValueError("nothing to change: give a status, title, owner or due_on")
        return self


class StageChangeOut(BaseModel):
    at: datetime
    actor: str
    from_stage: Stage | None
    to_stage: Stage
    note: str | None


class NoteOut(BaseModel):
    at: datetime
    author: str
    text: str


class PartnerOut(BaseModel):
    name: str
    kind: PartnerKind
    contact_role: str | None


class ActionOut(BaseModel):
    id: str
    title: str
    owner: str
    owner_kind: OwnerKind
    due_on: date
    status: ActionStatus
    overdue: bool
    created_by: str
    created_at: datetime
    done_at: datetime | None


class FeedbackOut(BaseModel):
    met_on: date
    summary: str
    satisfaction: int
    recorded_by: str
    recorded_at: datetime


class ProblemOut(BaseModel):
    id: str
    tenant: str
    title: str
    description: str
    category: str
    cells: list[str]
    report_ids: list[str]
    stage: Stage
    allowed_stages: list[Stage]
    history: list[StageChangeOut]
    notes: list[NoteOut]
    partners: list[PartnerOut]
    actions: list[ActionOut]
    feedback: list[FeedbackOut]
    created_by: str
    created_at: datetime
    updated_by: str
    updated_at: datetime
    version: Annotated[int, Field(description="Send it back with the next change (optimistic locking)")]


class ProblemSummaryOut(BaseModel):
    id: str
    title: str
    category: str
    stage: Stage
    cells: Annotated[list[str], Field(description="The problem's H3 cells (at most 50)")]
    reports: Annotated[int, Field(description="How many reports are linked")]
    open_actions: int
    overdue_actions: int
    created_at: datetime
    updated_at: datetime
    version: int


class ProblemListOut(BaseModel):
    items: list[ProblemSummaryOut]
    next_cursor: str | None


class WindowOut(BaseModel):
    first: date
    last: date
    days: int
    count: Annotated[int, Field(description="Reports of the category in the problem's cells, by day of incident")]


class ChangeOut(BaseModel):
    """Changes in reports per `per_days` days (the window length), so a window still under way compares fairly."""

    per_days: int
    after_minus_before: float
    a_year_earlier: Annotated[float, Field(description="The same difference over the same weeks a year earlier")]
    difference_in_differences: Annotated[float, Field(description="after_minus_before − a_year_earlier")]
    relative: Annotated[
        float | None, Field(description="difference_in_differences as a share of the before rate; null if none")
    ]


class EvaluationOut(BaseModel):
    problem_id: str
    category: str
    cells: list[str]
    stage: Stage
    window_days: int
    anchor: Annotated[date, Field(description="The day action began (or the creation day, if it never did)")]
    anchor_kind: Literal["action_began", "created"]
    after_days_elapsed: int
    before: WindowOut
    after: WindowOut
    baseline_before: Annotated[WindowOut, Field(description="The before window 52 weeks earlier")]
    baseline_after: Annotated[WindowOut, Field(description="The after window (as far as elapsed) 52 weeks earlier")]
    change: ChangeOut
    summary: str
    method: str
    feedback: list[FeedbackOut]
    mean_satisfaction: float | None
