"""API models of two-way communication: what clients send (…In) and what they get back (…Out)."""

from __future__ import annotations

import base64
import binascii
import math
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from koban.i18n import SUPPORTED_LANGUAGES
from koban.notifications.models import (
    AlertStatus,
    Audience,
    Author,
    DeliveryCounts,
    NotificationChannel,
    OutgoingKind,
    Severity,
    SubscriptionKind,
    SubscriptionStatus,
)
from koban.text import CLEAN, NOT_BLANK, SINGLE_LINE

Email = Annotated[str, Field(max_length=254, pattern=r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")]
# SNS sends SMS to E.164 numbers only.
Phone = Annotated[str, Field(pattern=r"^\+[1-9][0-9]{6,14}$", description="E.164, e.g. +31612345678")]
Language = Annotated[str, Field(pattern=r"^[a-z]{2}$", description="ISO 639-1, one of the languages KOBAN speaks")]
MessageText = Annotated[str, Field(max_length=2000), CLEAN, NOT_BLANK]
Cell = Annotated[str, Field(pattern=r"^[0-9a-f]{15}$", description="An H3 cell index")]
HttpsUrl = Annotated[str, Field(max_length=2048, pattern=r"^https://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[^\s]*)?$")]
MAX_AREA_CELLS = 500
ADDRESS_FIELD = {NotificationChannel.EMAIL: "email", NotificationChannel.SMS: "phone", NotificationChannel.PUSH: "push"}
MAX_POLYGON_POSITIONS = 500


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _decoded_length(value: str) -> int:
    try:
        return len(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)))
    except (binascii.Error, ValueError):
        return -1


class PushSubscriptionIn(_Input):
    """The browser's `PushSubscription.toJSON()` (`endpoint` and `keys`), from `pushManager.subscribe`."""

    endpoint: HttpsUrl
    keys: dict[Literal["p256dh", "auth"], Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{16,120}={0,2}$")]]
    expirationTime: float | None = None  # noqa: N815 - the Push API's own name

    @field_validator("keys")
    @classmethod
    def _browser_keys(cls, keys: dict[str, str]) -> dict[str, str]:
        if set(keys) != {"p256dh", "auth"}:
            raise ValueError("keys needs p256dh and auth")
        if _decoded_length(keys["p256dh"]) != 65 or _decoded_length(keys["auth"]) != 16:
            raise ValueError("p256dh must be a 65-byte P-256 key and auth a 16-byte secret (base64url)")
        return {name: value.rstrip("=") for name, value in keys.items()}


class _ContactIn(_Input):
    channel: NotificationChannel
    email: Email | None = None
    phone: Phone | None = None
    push: PushSubscriptionIn | None = None
    language: Language
    consent: Annotated[bool, Field(description="Must be true: the resident agrees to receive these messages")]

    @field_validator("language")
    @classmethod
    def _spoken(cls, language: str) -> str:
        if language not in SUPPORTED_LANGUAGES:
            raise ValueError(f"must be one of {', '.join(SUPPORTED_LANGUAGES)}")
        return language

    @model_validator(mode="after")
    def _one_address_for_the_channel(self) -> _ContactIn:
        given = {name for name, value in (("email", self.email), ("phone", self.phone), ("push", self.push)) if value}
        wanted = ADDRESS_FIELD[self.channel]
        if given != {wanted}:
            raise ValueError(f"channel '{self.channel}' needs '{wanted}' and no other address")
        if not self.consent:
            raise ValueError("messages are only sent with consent: set consent to true")
        return self


class ReportSubscriptionIn(_ContactIn):
    """Follow one report: its status changes, notes and the neighbourhood team's messages."""


class GeoJsonPolygon(_Input):
    type: Literal["Polygon"]
    coordinates: Annotated[
        list[Annotated[list[Annotated[list[float], Field(min_length=2, max_length=2)]], Field(min_length=4)]],
        Field(min_length=1, max_length=10, description="[lon, lat] rings, the first the outline, the others holes"),
    ]

    @field_validator("coordinates")
    @classmethod
    def _closed_finite_rings(cls, rings: list[list[list[float]]]) -> list[list[list[float]]]:
        if sum(len(ring) for ring in rings) > MAX_POLYGON_POSITIONS:
            raise ValueError(f"at most {MAX_POLYGON_POSITIONS} positions")
        for ring in rings:
            if ring[0] != ring[-1]:
                raise ValueError("each ring must end where it starts")
            for lon, lat in ring:
                if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
                    raise ValueError("positions are [lon, lat] in degrees")
        return rings


class AreaIn(_Input):
    """H3 cells, or a GeoJSON polygon turned into cells."""

    cells: Annotated[list[Cell], Field(min_length=1, max_length=MAX_AREA_CELLS)] | None = None
    polygon: GeoJsonPolygon | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> AreaIn:
        if (self.cells is None) == (self.polygon is None):
            raise ValueError("give either cells or polygon")
        return self

    def polygon_dict(self) -> dict[str, Any] | None:
        return self.polygon.model_dump() if self.polygon else None


class AreaSubscriptionIn(_ContactIn):
    """Receive the area alerts for an area, in a language, for the audiences one belongs to."""

    area: AreaIn
    audiences: Annotated[list[Audience], Field(max_length=len(Audience))] = []


class ConfirmIn(_Input):
    code: Annotated[str, Field(pattern=r"^[0-9]{6}$", description="The code sent by e-mail or SMS")]


class SubscriptionOut(BaseModel):
    id: str
    kind: SubscriptionKind
    channel: NotificationChannel
    to: Annotated[str, Field(description="The address, masked")]
    language: str
    status: SubscriptionStatus
    report_id: str | None
    cells: list[str]
    audiences: list[Audience]
    created_at: datetime
    confirmed_at: datetime | None
    expires_at: datetime


class SubscriptionListOut(BaseModel):
    items: list[SubscriptionOut]


class UnsubscribedOut(BaseModel):
    unsubscribed: bool


class PushKeyOut(BaseModel):
    public_key: Annotated[str, Field(description="VAPID public key for pushManager.subscribe (base64url)")]


class AlertTextIn(_Input):
    title: Annotated[str, Field(max_length=120), CLEAN, NOT_BLANK, SINGLE_LINE]
    body: Annotated[str, Field(max_length=1000), CLEAN, NOT_BLANK]


class AlertIn(_Input):
    texts: Annotated[dict[Language, AlertTextIn], Field(min_length=1, max_length=len(SUPPORTED_LANGUAGES))]
    languages: Annotated[list[Language], Field(min_length=1, max_length=len(SUPPORTED_LANGUAGES))] | None = Field(
        default=None, description="Reach only subscribers of these languages (each needs a text); default all"
    )
    audience: Audience = Audience.EVERYONE
    severity: Severity = Severity.INFO
    link: HttpsUrl | None = None
    area: AreaIn

    @model_validator(mode="after")
    def _languages_have_texts(self) -> AlertIn:
        for language in self.texts:
            if language not in SUPPORTED_LANGUAGES:
                raise ValueError(f"texts: '{language}' is not one of {', '.join(SUPPORTED_LANGUAGES)}")
        missing = sorted(set(self.languages or ()) - set(self.texts))
        if missing:
            raise ValueError(f"languages {', '.join(missing)} have no text")
        return self


class AlertChangeIn(_Input):
    """Edit a draft (any field) or withdraw it (`status`: cancelled)."""

    version: Annotated[int, Field(ge=1, description="The version this change was made on")]
    texts: Annotated[dict[Language, AlertTextIn], Field(min_length=1, max_length=len(SUPPORTED_LANGUAGES))] | None = (
        None
    )
    languages: Annotated[list[Language], Field(min_length=1, max_length=len(SUPPORTED_LANGUAGES))] | None = None
    audience: Audience | None = None
    severity: Severity | None = None
    link: HttpsUrl | None = None
    area: AreaIn | None = None
    status: Literal["cancelled"] | None = None


class DecisionIn(_Input):
    version: Annotated[int, Field(ge=1)]
    decision: Literal["approve", "reject"]
    note: Annotated[str, Field(max_length=1000), CLEAN, NOT_BLANK] | None = None


class AlertTextOut(BaseModel):
    title: str
    body: str


class AlertOut(BaseModel):
    id: str
    status: AlertStatus
    texts: dict[str, AlertTextOut]
    languages: list[str] | None
    audience: Audience
    severity: Severity
    link: str | None
    cells: list[str]
    neighbourhoods: Annotated[int, Field(description="H3 resolution-7 cells the area touches")]
    area: Annotated[dict[str, Any], Field(description="The area as a GeoJSON FeatureCollection of cells")]
    counts: DeliveryCounts
    created_by: str
    created_at: datetime
    updated_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    decision_note: str | None
    version: int


class AlertSummaryOut(BaseModel):
    id: str
    status: AlertStatus
    title: str
    audience: Audience
    severity: Severity
    counts: DeliveryCounts
    created_by: str
    created_at: datetime
    decided_by: str | None


class AlertListOut(BaseModel):
    items: list[AlertSummaryOut]
    next_cursor: str | None


class OutboxEntryOut(BaseModel):
    id: str
    at: datetime
    kind: OutgoingKind
    channel: NotificationChannel
    to: str
    language: str
    subject: str
    text: str
    url: str | None
    unsubscribe_url: str | None
    receipt: str | None
    subscription_id: str
    report_id: str | None
    alert_id: str | None


class OutboxPageOut(BaseModel):
    items: list[OutboxEntryOut]
    next_cursor: str | None


class ReportNotificationsOut(BaseModel):
    items: list[OutboxEntryOut]


class DeliveryReceiptIn(_Input):
    receipt: Annotated[str, Field(max_length=300, description="The `receipt` a message carried")]
    event: Literal["delivered", "opened"]


class DeliveryReceiptOut(BaseModel):
    counted: Annotated[bool, Field(description="False when this was known already (nothing counted twice)")]


class ThreadMessageIn(_Input):
    text: MessageText


class ThreadMessageOut(BaseModel):
    id: str
    at: datetime
    author: Author
    actor: Annotated[str | None, Field(description="The staff member (staff views only)")]
    text: Annotated[str | None, Field(description="None when redacted (partners)")]
    redacted: bool = False


class ThreadOut(BaseModel):
    report_id: str
    items: list[ThreadMessageOut]
