"""Domain models of a report and its history. Storage and API models are mapped from these explicitly."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from koban.reports.lifecycle import Status
from koban.tenants.models import AssistantGroup


class Channel(StrEnum):
    WEB = "web"
    APP = "app"
    PHONE = "phone"
    IN_PERSON = "in_person"
    SMS = "sms"
    EMAIL = "email"
    SOCIAL = "social"
    OPEN311 = "open311"


# Channels through which only staff can enter a report, on a resident's behalf.
STAFF_CHANNELS = frozenset({Channel.PHONE, Channel.IN_PERSON, Channel.SMS, Channel.EMAIL, Channel.SOCIAL})


class Priority(StrEnum):
    URGENT = "urgent"
    HIGH = "high"
    NORMAL = "normal"
    LOW = "low"


class EventKind(StrEnum):
    RECEIVED = "received"
    STATUS_CHANGED = "status_changed"
    CONTACT_VIEWED = "contact_viewed"
    # The private thread with the reporter (koban.notifications.thread) audits into the report's history.
    MESSAGE_POSTED = "message_posted"
    THREAD_VIEWED = "thread_viewed"
    # The reporter's personal data erased (koban.privacy.erasure): by the reporter, or by an admin's subject request.
    PERSONAL_DATA_ERASED = "personal_data_erased"


class GeoPoint(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    lat: Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)]
    lon: Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)]


class Contact(BaseModel):
    """A reporter's contact details: personal data, stored apart from the report, with a retention period."""

    model_config = ConfigDict(frozen=True)

    name: str | None = None
    email: str | None = None
    phone: str | None = None
    consent_at: datetime
    preferred_language: str | None = None


class Report(BaseModel):
    model_config = ConfigDict(frozen=True)

    tenant: str
    id: str
    category: str
    group: AssistantGroup
    sensitive: bool
    description: str
    location: GeoPoint | None
    address: str | None
    occurred_at: AwareDatetime
    received_at: AwareDatetime
    updated_at: AwareDatetime
    locale: str | None
    answers: dict[str, Any]
    attachments: tuple[str, ...]
    # Photos a client app hosts itself (Open311 media_url): kept as links for staff, never fetched by KOBAN
    # (no server-side requests to addresses the public chooses) and never shown publicly.
    media_urls: tuple[str, ...] = ()
    channel: Channel
    status: Status
    priority: Priority
    unit: str
    expected_response_at: AwareDatetime
    tracking_hash: str
    has_contact: bool
    taken_by: str | None = None
    duplicate_of: str | None = None
    first_response_at: AwareDatetime | None = None
    # How often a supervisor reopened it after it was closed (counted for the capability model's trust indicator).
    reopened: int = 0
    version: int = 1
    # When the reporter's personal data was erased: free text, photos and contact gone, the location a block's.
    erased_at: AwareDatetime | None = None


class ReportEvent(BaseModel):
    """One entry of a report's audited history."""

    model_config = ConfigDict(frozen=True)

    at: AwareDatetime
    kind: EventKind
    actor: str
    from_status: Status | None = None
    to_status: Status | None = None
    public_note: str | None = None
    internal_note: str | None = None


class ReportWithHistory(BaseModel):
    model_config = ConfigDict(frozen=True)

    report: Report
    events: tuple[ReportEvent, ...]


class QueueFilter(BaseModel):
    model_config = ConfigDict(frozen=True)

    status: Status | None = None
    category: str | None = None
    priority: Priority | None = None
    unit: str | None = None
    received_from: datetime | None = None
    received_to: datetime | None = None
