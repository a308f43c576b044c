"""API models of the tenant endpoints (DESIGN §4 contract) and their mapping from the domain."""

from __future__ import annotations

from pydantic import BaseModel

from koban.i18n import pick
from koban.tenants.models import Category, Question, Tenant, Unit


class AreaOut(BaseModel):
    bbox: tuple[float, float, float, float]
    centre: tuple[float, float] | None
    name: str


class UnitContactOut(BaseModel):
    channel: str
    value: str
    hours: str


class UnitOut(BaseModel):
    code: str
    name: str
    kind: str
    contacts: list[UnitContactOut]


class TenantStatusOut(BaseModel):
    """A lifecycle status with the tenant's name for it (e.g. the KMZB names in Poland)."""

    code: str
    name: str


class TenantOut(BaseModel):
    id: str
    name: str
    country: str
    languages: list[str]
    timezone: str
    area: AreaOut
    units: list[UnitOut]
    statuses: list[TenantStatusOut]


class TenantListOut(BaseModel):
    items: list[TenantOut]


class OptionOut(BaseModel):
    code: str
    label: str


class QuestionOut(BaseModel):
    code: str
    type: str
    label: str
    required: bool
    options: list[OptionOut]
    minimum: float | None
    maximum: float | None
    max_length: int


class CategoryOut(BaseModel):
    code: str
    name: str
    description: str
    group: str
    maps_to: str | None
    sensitive: bool
    deadline_hours: int
    questions: list[QuestionOut]


class CategoryListOut(BaseModel):
    tenant: str
    language: str
    items: list[CategoryOut]


def unit_out(unit: Unit, preferred: list[str]) -> UnitOut:
    return UnitOut(
        code=unit.code,
        name=pick(unit.name, preferred),
        kind=unit.kind,
        contacts=[
            UnitContactOut(channel=str(contact.channel), value=contact.value, hours=pick(contact.hours, preferred))
            for contact in unit.contacts
        ],
    )


def tenant_out(tenant: Tenant, languages: list[str], statuses: list[TenantStatusOut]) -> TenantOut:
    preferred = [*languages, *tenant.languages]
    return TenantOut(
        id=tenant.id,
        name=tenant.name,
        country=tenant.country,
        languages=list(tenant.languages),
        timezone=tenant.timezone,
        area=AreaOut(bbox=tenant.area.bbox, centre=tenant.area.centre, name=tenant.area.name),
        units=[unit_out(unit, preferred) for unit in tenant.units],
        statuses=statuses,
    )


def question_out(question: Question, languages: list[str]) -> QuestionOut:
    return QuestionOut(
        code=question.code,
        type=str(question.type),
        label=pick(question.label, languages),
        required=question.required,
        options=[OptionOut(code=option.code, label=pick(option.label, languages)) for option in question.options],
        minimum=question.minimum,
        maximum=question.maximum,
        max_length=question.max_length,
    )


def category_out(category: Category, languages: list[str]) -> CategoryOut:
    return CategoryOut(
        code=category.code,
        name=pick(category.name, languages),
        description=pick(category.description, languages),
        group=str(category.group),
        maps_to=category.maps_to,
        sensitive=category.sensitive,
        deadline_hours=category.deadline_hours,
        questions=[question_out(question, languages) for question in category.questions],
    )
