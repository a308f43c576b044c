"""Domain models of two-way communication: subscriptions, alerts, deliveries, outbox entries, thread messages."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class NotificationChannel(StrEnum):
    EMAIL = "email"
    SMS = "sms"
    PUSH = "push"


# Channels where the resident must prove the address is theirs (a code sent through it) before anything else.
DOUBLE_OPT_IN = frozenset({NotificationChannel.EMAIL, NotificationChannel.SMS})


class SubscriptionKind(StrEnum):
    REPORT = "report"  # status changes, public notes and thread messages of one report
    AREA = "area"  # approved area alerts


class SubscriptionStatus(StrEnum):
    PENDING = "pending"  # waiting for the confirmation code
    ACTIVE = "active"


class Audience(StrEnum):
    """Who an alert is aimed at; a subscriber names the groups they belong to (everyone gets `everyone`)."""

    EVERYONE = "everyone"
    OLDER_PEOPLE = "older_people"
    PARENTS = "parents"
    YOUNG_PEOPLE = "young_people"
    BUSINESSES = "businesses"
    SCHOOLS = "schools"


class PushTarget(BaseModel):
    """A browser's push subscription (the Push API's `PushSubscription.toJSON()`): personal data."""

    model_config = ConfigDict(frozen=True)

    endpoint: str
    p256dh: str  # the user agent's P-256 public key, base64url (65 bytes uncompressed)
    auth: str  # the user agent's authentication secret, base64url (16 bytes)


class Subscription(BaseModel):
    model_config = ConfigDict(frozen=True)

    tenant: str
    id: str
    kind: SubscriptionKind
    channel: NotificationChannel
    address: str | None = None  # e-mail address or E.164 phone number
    push: PushTarget | None = None
    language: str
    audiences: tuple[Audience, ...] = ()
    cells: tuple[str, ...] = ()  # area subscriptions: H3 cells of resolution 7 to 9
    report_id: str | None = None  # report subscriptions
    status: SubscriptionStatus
    code_hash: str | None = None  # pending: sha256 of the confirmation code
    code_attempts: int = 0
    unsubscribe_token: str | None = None
    created_at: AwareDatetime
    confirmed_at: AwareDatetime | None = None
    expires_at: AwareDatetime
    # The blind-index key of its address (koban.privacy.subjects): a subject request finds it by that.
    subject_digest: str | None = None


class AlertStatus(StrEnum):
    DRAFT = "draft"  # written and edited by staff
    APPROVED = "approved"  # approved by a supervisor who did not write it; fan-out queued
    SENDING = "sending"  # subscribers being found and messages queued
    SENT = "sent"  # every delivery queued (the counters show what reached whom)
    REJECTED = "rejected"  # the supervisor said no, with a note
    CANCELLED = "cancelled"  # withdrawn before approval


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    URGENT = "urgent"


class AlertText(BaseModel):
    model_config = ConfigDict(frozen=True)

    title: str
    body: str


class DeliveryCounts(BaseModel):
    """What the channels told: handed over (`sent`), arrived (`delivered`), read (`opened`), given up (`failed`)."""

    model_config = ConfigDict(frozen=True)

    sent: int = 0
    delivered: int = 0
    opened: int = 0
    failed: int = 0


COUNTERS = tuple(DeliveryCounts.model_fields)


class Alert(BaseModel):
    model_config = ConfigDict(frozen=True)

    tenant: str
    id: str
    texts: dict[str, AlertText]  # language -> title and body
    languages: tuple[str, ...] | None = None  # only subscribers of these languages; None: everyone
    audience: Audience
    severity: Severity
    link: str | None = None
    cells: tuple[str, ...]  # compacted H3 cells of the area
    status: AlertStatus
    created_by: str
    created_at: AwareDatetime
    updated_at: AwareDatetime
    decided_by: str | None = None
    decided_at: AwareDatetime | None = None
    decision_note: str | None = None
    counts: DeliveryCounts = Field(default_factory=DeliveryCounts)
    version: int = 1


class DeliveryStatus(StrEnum):
    SENDING = "sending"  # claimed by a worker (a worker that dies here never sends it again: at most once)
    SENT = "sent"  # the provider accepted it
    DELIVERED = "delivered"  # the channel confirmed arrival (the local outbox delivers at once)
    OPENED = "opened"  # the recipient opened it (push click, link in the message)
    RETRY = "retry"  # a transient failure; the job is retried
    FAILED = "failed"  # given up: permanent refusal or attempts exhausted


class SendResult(BaseModel):
    """What an adapter reports about one message."""

    model_config = ConfigDict(frozen=True)

    status: Annotated[DeliveryStatus, Field(description="sent, delivered, retry or failed")]
    provider_id: str | None = None
    error: str | None = None
    gone: bool = False  # the address no longer exists (push subscription expired, number opted out)


class OutgoingKind(StrEnum):
    CONFIRMATION = "confirmation"
    REPORT_UPDATE = "report_update"
    THREAD_MESSAGE = "thread_message"
    ALERT = "alert"


class Outgoing(BaseModel):
    """One rendered message for one subscription, handed to the channel's adapter."""

    model_config = ConfigDict(frozen=True)

    tenant: str
    kind: OutgoingKind
    source: str  # what it is about: alert:<id>, report:<id>:<event>, thread:<id>:<message>, confirm:<sub>:<n>
    subscription_id: str
    channel: NotificationChannel
    address: str | None
    push: PushTarget | None
    language: str
    subject: str
    text: str
    url: str | None = None
    unsubscribe_url: str | None = None  # a page of the citizen app (for people)
    one_click_url: str | None = None  # the API URL mail clients POST to (RFC 8058 List-Unsubscribe-Post)
    receipt: str | None = None  # token the app sends back when the message is shown or opened
    urgent: bool = False
    report_id: str | None = None
    alert_id: str | None = None


class OutboxEntry(BaseModel):
    """What the local outbox adapter stored in place of sending (addresses masked)."""

    model_config = ConfigDict(frozen=True)

    tenant: str
    id: str
    at: AwareDatetime
    kind: OutgoingKind
    channel: NotificationChannel
    to: str
    language: str
    subject: str
    text: str
    url: str | None = None
    unsubscribe_url: str | None = None
    receipt: str | None = None
    source: str
    subscription_id: str
    report_id: str | None = None
    alert_id: str | None = None


class Author(StrEnum):
    STAFF = "staff"
    REPORTER = "reporter"


class ThreadMessage(BaseModel):
    model_config = ConfigDict(frozen=True)

    tenant: str
    report_id: str
    id: str
    at: AwareDatetime
    author: Author
    actor: str  # the staff member's subject, or "reporter"
    text: str
