"""Domain and API models of community priorities."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from koban.text import CLEAN, NOT_BLANK, SINGLE_LINE

Title = Annotated[str, Field(max_length=160), CLEAN, NOT_BLANK, SINGLE_LINE]
Text = Annotated[str, Field(max_length=2000), CLEAN, NOT_BLANK]
ProblemId = Annotated[str, Field(pattern=r"^[0-9a-z]{20}$")]


class PriorityStatus(StrEnum):
    PROPOSED = "proposed"  # open for votes
    ADOPTED = "adopted"  # the police committed to it ("we will")
    DONE = "done"  # what was done ("we did")
    DECLINED = "declined"  # not taken up, with the reason


# What can follow what; votes are taken only while a priority is proposed.
NEXT_STATUSES: dict[PriorityStatus, frozenset[PriorityStatus]] = {
    PriorityStatus.PROPOSED: frozenset({PriorityStatus.ADOPTED, PriorityStatus.DECLINED}),
    PriorityStatus.ADOPTED: frozenset({PriorityStatus.DONE}),
    PriorityStatus.DONE: frozenset(),
    PriorityStatus.DECLINED: frozenset(),
}


class Priority(BaseModel):
    model_config = ConfigDict(frozen=True)

    tenant: str
    id: str
    title: str
    description: str
    area_name: str
    problem_id: str | None = None
    status: PriorityStatus = PriorityStatus.PROPOSED
    commitment: str | None = None
    outcome: str | None = None
    votes: int = 0
    created_by: str
    created_at: AwareDatetime
    updated_at: AwareDatetime
    version: int = 1


class PriorityIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Title
    description: Text
    area_name: Annotated[str, Field(max_length=120), CLEAN, NOT_BLANK, SINGLE_LINE]
    problem_id: ProblemId | None = None


class PriorityChangeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: Annotated[int, Field(ge=1, description="The version this change was made on")]
    status: PriorityStatus
    text: Annotated[Text, Field(description="The commitment (adopted), what was done (done) or the reason (declined)")]


class VoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    voter: Annotated[
        str,
        Field(
            pattern=r"^[A-Za-z0-9_-]{16,128}$",
            description="A random token the app keeps on the device (or an account id): one vote per voter",
        ),
    ]


class PriorityOut(BaseModel):
    id: str
    title: str
    description: str
    area_name: str
    status: PriorityStatus
    commitment: str | None
    outcome: str | None
    votes: int
    created_at: datetime
    updated_at: datetime


class StaffPriorityOut(PriorityOut):
    problem_id: str | None
    created_by: str
    version: int


class PriorityListOut(BaseModel):
    tenant: str
    items: list[PriorityOut]


class VoteOut(BaseModel):
    priority_id: str
    votes: int
    counted: Annotated[bool, Field(description="False when this voter had already voted (nothing changed)")]
