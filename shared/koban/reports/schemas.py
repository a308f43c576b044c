"""API models of the reports endpoints: what clients send (…In) and what they get back (…Out)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from koban.reports.lifecycle import Status
from koban.reports.models import Channel, GeoPoint, Priority
from koban.text import CLEAN, NOT_BLANK, SINGLE_LINE

# Host names that only resolve inside a network: a photo link to one would make a staff browser call into it.
_INTERNAL_SUFFIXES = (".localhost", ".local", ".internal", ".intranet", ".lan", ".corp", ".home.arpa")


def _public_host(url: str) -> str:
    """Refuse a link to an IP address (also in decimal or hex), localhost or an internal name."""
    host = (urlsplit(url).hostname or "").rstrip(".")
    numeric = host.replace(".", "").isdigit() or host.startswith("0x")
    if numeric or "." not in host or host.endswith(_INTERNAL_SUFFIXES):
        raise ValueError("must link to a public host name, not an IP address, localhost or an internal name")
    return url


# https only, a public host name, no credentials: a link staff may open, never fetched by KOBAN itself.
MediaUrl = Annotated[
    str,
    Field(max_length=2048, pattern=r"^https://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[^\s]*)?$"),
    AfterValidator(_public_host),
]
ReportId = Annotated[str, Field(pattern=r"^[0-9a-z]{20}$", description="A report id")]
AttachmentId = Annotated[str, Field(pattern=r"^[0-9a-z]{20}$", description="An id from POST …/attachments")]
AnswerCode = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{1,47}$")]
AnswerText = Annotated[str, Field(max_length=4000), CLEAN]
AnswerOption = Annotated[str, Field(max_length=100), CLEAN]
AnswerValue = Annotated[
    bool | int | float | AnswerText | Annotated[list[AnswerOption], Field(max_length=50)],
    Field(description="Typed as the category question says"),
]
Description = Annotated[str, Field(max_length=4000), CLEAN, NOT_BLANK]
Note = Annotated[str, Field(max_length=2000), CLEAN, NOT_BLANK]
Line = Annotated[str, Field(max_length=300), CLEAN, NOT_BLANK, SINGLE_LINE]
PersonName = Annotated[str, Field(max_length=120), CLEAN, NOT_BLANK, SINGLE_LINE]
Locale = Annotated[str, Field(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$", examples=["nl", "pt-BR"])]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


class ContactIn(_Input):
    """Optional contact details: stored apart, only with consent, deleted after the retention period."""

    name: PersonName | None = None
    email: Annotated[str, Field(max_length=254, pattern=r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")] | None = None
    phone: Annotated[str, Field(pattern=r"^\+?[0-9][0-9 ()\-]{5,19}$")] | None = None
    consent: Annotated[bool, Field(description="Must be true: the reporter agrees to be contacted")] = False
    preferred_language: Locale | None = None

    @model_validator(mode="after")
    def _usable(self) -> ContactIn:
        if not (self.email or self.phone):
            raise ValueError("contact needs an email or a phone number")
        if not self.consent:
            raise ValueError("contact details are only kept with consent: set consent to true")
        return self


class ReportIn(_Input):
    category: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{1,47}$", description="A code from …/categories")]
    description: Description
    location: GeoPoint | None = None
    address: Line | None = None
    occurred_at: AwareDatetime | None = Field(default=None, description="ISO 8601 with offset")
    locale: Locale | None = None
    answers: Annotated[dict[AnswerCode, AnswerValue], Field(max_length=50)] = Field(default_factory=dict)
    contact: ContactIn | None = None
    attachments: Annotated[list[AttachmentId], Field(max_length=5)] = Field(default_factory=list)
    media_urls: Annotated[list[MediaUrl], Field(max_length=3, description="Photos hosted by a client app")] = Field(
        default_factory=list
    )
    channel: Channel = Channel.WEB

    @model_validator(mode="after")
    def _somewhere(self) -> ReportIn:
        if self.location is None and self.address is None:
            raise ValueError("give a location (lat, lon) or an address")
        return self


class TransitionIn(_Input):
    status: Status
    note: Annotated[Note, Field(description="Shown to the reporter")]
    internal_note: Note | None = None
    duplicate_of: ReportId | None = None


class ReceiptOut(BaseModel):
    id: str
    tracking_token: Annotated[str, Field(description="Shown once; send as X-Tracking-Token to follow the report")]
    status: Status
    received_at: datetime
    expected_response_at: datetime


class CategoryRef(BaseModel):
    code: str
    name: str


class PublicNoteOut(BaseModel):
    at: datetime
    status: Status | None
    status_label: str | None
    note: str


class ReporterViewOut(BaseModel):
    id: str
    category: CategoryRef
    status: Status
    status_label: str
    received_at: datetime
    updated_at: datetime
    expected_response_at: datetime
    notes: list[PublicNoteOut]


class EventOut(BaseModel):
    at: datetime
    kind: str
    actor: str
    from_status: Status | None
    to_status: Status | None
    public_note: str | None
    internal_note: str | None


class ContactOut(BaseModel):
    name: str | None
    email: str | None
    phone: str | None
    consent_at: datetime
    preferred_language: str | None


class StaffReportOut(BaseModel):
    id: str
    tenant: str
    category: CategoryRef
    group: str
    sensitive: bool
    description: str
    location: GeoPoint | None
    address: str | None
    occurred_at: datetime
    received_at: datetime
    updated_at: datetime
    locale: str | None
    answers: dict[str, Any]
    attachments: list[str]
    media_urls: list[str]
    channel: Channel
    status: Status
    allowed_transitions: list[Status]
    priority: Priority
    unit: str
    expected_response_at: datetime
    first_response_at: datetime | None
    overdue: bool
    taken_by: str | None
    duplicate_of: str | None
    has_contact: bool
    contact: ContactOut | None = None
    events: list[EventOut]


class QueueItemOut(BaseModel):
    id: str
    category: str
    status: Status
    priority: Priority
    unit: str
    channel: Channel
    received_at: datetime
    occurred_at: datetime
    expected_response_at: datetime
    overdue: bool
    location: GeoPoint | None
    excerpt: str


class QueuePageOut(BaseModel):
    items: list[QueueItemOut]
    next_cursor: str | None


class AttachmentOut(BaseModel):
    id: str
    content_type: str
    size: int
    width: int
    height: int
