"""Domain models of a tenant and its taxonomy. Plugins build these; the API maps them to output models."""

from __future__ import annotations

import re
from datetime import tzinfo
from enum import StrEnum
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from koban.reports.lifecycle import Status

TenantId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{1,39}$")]
Code = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{1,47}$")]
LocalizedText = dict[str, str]


class AssistantGroup(StrEnum):
    """The 14 enquiry categories of the assistant (DESIGN §4); every report category belongs to one."""

    EMERGENCY = "emergency"
    CRIME_REPORT = "crime_report"
    NUISANCE = "nuisance"
    TRAFFIC = "traffic"
    ENVIRONMENT = "environment"
    CYBERCRIME = "cybercrime"
    HATE_CRIME = "hate_crime"
    RADICALISATION = "radicalisation"
    VULNERABLE_PERSON = "vulnerable_person"
    LOST_FOUND = "lost_found"
    CONTACT_OFFICER = "contact_officer"
    GENERAL_INFO = "general_info"
    POLICE_FEEDBACK = "police_feedback"
    MUNICIPAL = "municipal"


class QuestionType(StrEnum):
    """Answer types; the names are Open311's attribute datatypes plus boolean and integer."""

    STRING = "string"
    TEXT = "text"
    NUMBER = "number"
    INTEGER = "integer"
    BOOLEAN = "boolean"
    DATETIME = "datetime"
    SINGLE_CHOICE = "singlevaluelist"
    MULTI_CHOICE = "multivaluelist"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Option(_Frozen):
    code: Code
    label: LocalizedText


class Question(_Frozen):
    code: Code
    type: QuestionType
    label: LocalizedText
    required: bool = False
    options: tuple[Option, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    max_length: Annotated[int, Field(ge=1, le=4000)] = 500

    @model_validator(mode="after")
    def _choices_have_options(self) -> Question:
        is_choice = self.type in (QuestionType.SINGLE_CHOICE, QuestionType.MULTI_CHOICE)
        if is_choice != bool(self.options):
            raise ValueError(f"question {self.code}: options are required exactly for choice questions")
        return self

    @property
    def option_codes(self) -> frozenset[str]:
        return frozenset(option.code for option in self.options)


class Category(_Frozen):
    code: Code
    group: AssistantGroup
    name: LocalizedText
    description: LocalizedText = Field(default_factory=dict)
    questions: tuple[Question, ...] = ()
    # Sensitive categories never show free text or exact locations in public views.
    sensitive: bool = False
    deadline_hours: Annotated[int, Field(ge=1, le=24 * 90)] = 72
    default_unit: Code | None = None
    keywords: LocalizedText = Field(default_factory=dict)
    # A city's own category names the KOBAN base category it refines, so pilots can be compared; None for a
    # base category, or a local one without an equivalent.
    maps_to: Code | None = None
    # Reports of this category in one neighbourhood cell within the recent window before the dashboard flags
    # an emerging problem; set by the tenant's `alert_threshold` rule, None for the dashboard's own default.
    alert_threshold: Annotated[int, Field(ge=1, le=10_000)] | None = None

    def question(self, code: str) -> Question | None:
        return next((question for question in self.questions if question.code == code), None)


class ContactChannel(StrEnum):
    """How a unit can be reached."""

    PHONE = "phone"
    SMS = "sms"
    EMAIL = "email"
    WEB = "web"
    ADDRESS = "address"


_CONTACT_VALUES: dict[ContactChannel, re.Pattern[str]] = {
    ContactChannel.PHONE: re.compile(r"^\+?[0-9][0-9 ()./-]{1,30}$"),
    ContactChannel.SMS: re.compile(r"^\+?[0-9][0-9 ()./-]{1,30}$"),
    ContactChannel.EMAIL: re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[A-Za-z]{2,24}$"),
    ContactChannel.WEB: re.compile(r"^https://[^\s]{3,290}$"),
    ContactChannel.ADDRESS: re.compile(r"^\S(?:.{0,298}\S)?$", re.DOTALL),
}


class Contact(_Frozen):
    """One way to reach a unit: a phone or SMS number, an e-mail address, a web page or a street address."""

    channel: ContactChannel
    value: Annotated[str, Field(min_length=1, max_length=300)]
    # When the channel answers (e.g. "Mon-Fri 08:00-16:00"), in the tenant's languages.
    hours: LocalizedText = Field(default_factory=dict)

    @model_validator(mode="after")
    def _value_fits_channel(self) -> Contact:
        if not _CONTACT_VALUES[self.channel].match(self.value):
            raise ValueError(f"{self.value!r} is not a valid {self.channel} contact")
        return self


class Unit(_Frozen):
    """Who can act on a report: a police team, a desk, or a partner outside the police."""

    code: Code
    name: LocalizedText
    kind: Annotated[str, Field(pattern=r"^(police|municipality|partner)$")] = "police"
    contacts: tuple[Contact, ...] = ()


class Area(_Frozen):
    bbox: tuple[float, float, float, float]  # west, south, east, north (WGS 84)
    centre: tuple[float, float] | None = None  # lat, lon of the demo centre
    name: str = ""

    @field_validator("bbox")
    @classmethod
    def _ordered(cls, bbox: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
        west, south, east, north = bbox
        if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
            raise ValueError("bbox must be [west, south, east, north] with west < east and south < north")
        return bbox

    def contains(self, lat: float, lon: float) -> bool:
        west, south, east, north = self.bbox
        return south <= lat <= north and west <= lon <= east


class Tenant(_Frozen):
    id: TenantId
    name: str
    country: Annotated[str, Field(pattern=r"^[A-Z]{2}$")]
    languages: tuple[str, ...]
    timezone: str
    area: Area
    units: tuple[Unit, ...]
    # The tenant's own names for lifecycle statuses (status code -> localised name), e.g. the Polish KMZB
    # names; a status not named here keeps the name of the message catalogues (`status.<code>`).
    status_names: dict[Status, LocalizedText] = Field(default_factory=dict)
    # How long reporters' contact details, private threads and subscriptions are kept (DynamoDB TTL); None: the
    # deployment's REPORTER_DATA_RETENTION_DAYS (koban.privacy.retention).
    personal_data_retention_days: Annotated[int | None, Field(ge=1, le=3650)] = None
    settings: dict[str, Any] = Field(default_factory=dict)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, name: str) -> str:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError) as error:  # a KeyError pydantic would not report as a field
            raise ValueError(f"unknown time zone {name!r} (an IANA name such as Europe/Brussels)") from error
        return name

    @field_validator("languages")
    @classmethod
    def _some_language(cls, languages: tuple[str, ...]) -> tuple[str, ...]:
        if not languages:
            raise ValueError("a tenant needs at least one language")
        return languages

    @field_validator("units")
    @classmethod
    def _distinct_units(cls, units: tuple[Unit, ...]) -> tuple[Unit, ...]:
        codes = [unit.code for unit in units]
        if not units or len(set(codes)) != len(codes):
            raise ValueError("a tenant needs at least one unit, and unit codes must be distinct")
        return units

    @property
    def zone(self) -> tzinfo:
        return ZoneInfo(self.timezone)

    @property
    def default_language(self) -> str:
        return self.languages[0]

    def unit(self, code: str) -> Unit | None:
        return next((unit for unit in self.units if unit.code == code), None)
