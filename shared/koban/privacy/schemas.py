"""API models of the privacy routes: erasure, subject requests."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from koban.reports.schemas import ContactOut


class ErasureOut(BaseModel):
    """The same answer however often the erasure is asked for."""

    id: str
    erased_at: Annotated[datetime, Field(description="When the personal data was erased (the first time)")]


class SubjectRequestIn(BaseModel):
    """A data subject's request (GDPR articles 15 and 17), taken by an admin who has checked who is asking."""

    model_config = ConfigDict(extra="forbid")

    action: Annotated[Literal["erase", "access"], Field(description="erase their data, or show what is held")]
    email: Annotated[str, Field(max_length=254, pattern=r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")] | None = None
    phone: Annotated[str, Field(pattern=r"^\+?[0-9][0-9 ()\-]{5,19}$", description="Any usual notation")] | None = None

    @model_validator(mode="after")
    def _names_someone(self) -> SubjectRequestIn:
        if not (self.email or self.phone):
            raise ValueError("name the subject by email, phone or both")
        return self


class HeldReportOut(BaseModel):
    id: str
    category: str
    status: str
    received_at: datetime
    description: str
    answers: dict[str, Any]
    photos: int
    contact: ContactOut | None


class HeldSubscriptionOut(BaseModel):
    id: str
    kind: str
    channel: str
    address: str | None
    report_id: str | None
    created_at: datetime
    expires_at: datetime


class SubjectRequestOut(BaseModel):
    action: Literal["erase", "access"]
    reports: Annotated[list[str], Field(description="The subject's reports found (erased, for an erasure)")]
    subscriptions: Annotated[list[str], Field(description="Their subscriptions found (removed, for an erasure)")]
    complete: Annotated[bool, Field(description="False when more reports remain: send the request again")]
    held: Annotated[
        list[HeldReportOut] | None, Field(description="For access: what is held in each report (else null)")
    ] = None
    held_subscriptions: list[HeldSubscriptionOut] | None = None
