"""Open311 GeoReport v2 logic: another door into the same intake, lifecycle and store as /v1.

Every function takes the jurisdiction (= tenant id) and already-decoded parameters, and returns the JSON-ready
value that `koban.open311.formats` renders as JSON or XML. Reports are submitted through
`koban.reports.service.submit_report`, so validation, triage, routing and storage are the /v1 ones.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import ValidationError

from koban.api_keys.service import authorise_api_key
from koban.errors import FieldError, NotFound, ValidationFailed
from koban.i18n import negotiate
from koban.open311 import mapping
from koban.open311.formats import form_attributes
from koban.reports.models import Channel, Report
from koban.reports.schemas import ReportIn
from koban.reports.service import reports_repository, submit_report
from koban.tenants.models import Category, Tenant
from koban.tenants.service import get_category, get_tenant, list_categories

GEOREPORT_SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
MAX_WINDOW = timedelta(days=90)
DEFAULT_ROWS = 1000
MAX_PAGE_SIZE = 1000
MAX_ROWS_READ = 10_000
MAX_REQUEST_IDS = 100
CHANGESET = "2026-11-21T00:00:00Z"


def invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed([FieldError(field, message)])


def jurisdiction(jurisdiction_id: str | None) -> Tenant:
    if not jurisdiction_id:
        raise invalid("jurisdiction_id", "jurisdiction_id is required (one of the tenant ids)")
    return get_tenant(jurisdiction_id)


def _languages(tenant: Tenant, preferred: Sequence[str]) -> list[str]:
    return [negotiate(preferred, [*tenant.languages, "en"]), *preferred, *tenant.languages]


def discovery(base_url: str, tenant_ids: Sequence[str]) -> dict[str, Any]:
    return {
        "changeset": CHANGESET,
        "contact": "Your police force's KOBAN team; jurisdiction_id is one of: " + ", ".join(tenant_ids),
        "key_service": "Ask the force's KOBAN administrator for an API key for your client app.",
        "endpoints": [
            {
                "specification": GEOREPORT_SPECIFICATION,
                "url": base_url,
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }


def services(jurisdiction_id: str | None, preferred: Sequence[str]) -> list[dict[str, Any]]:
    tenant = jurisdiction(jurisdiction_id)
    return mapping.service_list(list_categories(tenant), _languages(tenant, preferred))


def _category(tenant: Tenant, service_code: str) -> Category:
    category = get_category(tenant, service_code)
    if category is None:
        raise NotFound(f"There is no service_code '{service_code}' in {tenant.id}.", code="service_not_found")
    return category


def service_definition(jurisdiction_id: str | None, service_code: str, preferred: Sequence[str]) -> dict[str, Any]:
    tenant = jurisdiction(jurisdiction_id)
    return mapping.service_definition(_category(tenant, service_code), _languages(tenant, preferred))


def _single(form: Mapping[str, Sequence[str]], name: str) -> str | None:
    values = form.get(name) or []
    if len(values) > 1:
        raise invalid(name, "must be given once")
    value = values[0].strip() if values else ""
    return value or None


def _float(form: Mapping[str, Sequence[str]], name: str) -> float | None:
    value = _single(form, name)
    if value is None:
        return None
    try:
        return float(value)
    except ValueError as exc:
        raise invalid(name, "must be a decimal number (WGS 84)") from exc


def _report_in(tenant: Tenant, form: Mapping[str, Sequence[str]]) -> ReportIn:
    service_code = _single(form, "service_code")
    if service_code is None:
        raise invalid("service_code", "service_code is required")
    category = _category(tenant, service_code)
    lat, lon = _float(form, "lat"), _float(form, "long")
    address = _single(form, "address_string")
    if (lat is None) != (lon is None):
        raise invalid("lat" if lat is None else "long", "lat and long must be given together")
    if lat is None and address is None:
        raise invalid("lat", "a location is required: lat and long, or address_string")
    name = " ".join(part for part in (_single(form, "first_name"), _single(form, "last_name")) if part)
    email, phone = _single(form, "email"), _single(form, "phone")
    body: dict[str, Any] = {
        "category": category.code,
        "description": _single(form, "description") or "",
        "answers": mapping.answers_from_attributes(category, form_attributes(form)),
        "channel": Channel.OPEN311,
    }
    if lat is not None:
        body["location"] = {"lat": lat, "lon": lon}
    if address is not None:
        body["address"] = address
    media_url = _single(form, "media_url")
    if media_url is not None:
        body["media_urls"] = [media_url]
    # device_id is not kept: it identifies a phone, and nothing here needs it.
    if email or phone:
        # The client app collected these to keep the resident informed: its api_key stands for that consent.
        body["contact"] = {"name": name or None, "email": email, "phone": phone, "consent": True}
    try:
        return ReportIn.model_validate(body)
    except ValidationError as exc:
        raise ValidationFailed([_open311_field(error) for error in exc.errors()]) from exc


_FIELD_NAMES = {
    "location": "lat",
    "location.lat": "lat",
    "location.lon": "long",
    "address": "address_string",
    "category": "service_code",
    "contact": "email",
    "contact.email": "email",
    "contact.phone": "phone",
    "contact.name": "first_name",
    "media_urls.0": "media_url",
}


def _open311_name(field: str) -> str:
    """A KOBAN field name as the Open311 parameter the client sent (answers.x is attribute[x])."""
    if field.startswith("answers."):
        return f"attribute[{field.removeprefix('answers.')}]"
    return _FIELD_NAMES.get(field, field) or "request"


def _open311_field(error: Mapping[str, Any]) -> FieldError:
    field = ".".join(str(part) for part in error.get("loc", ()))
    return FieldError(_open311_name(field), str(error.get("msg", "invalid value")))


def post_request(jurisdiction_id: str | None, form: Mapping[str, Sequence[str]]) -> list[dict[str, Any]]:
    tenant = jurisdiction(jurisdiction_id)
    authorise_api_key(_single(form, "api_key"), tenant.id)
    try:
        receipt = submit_report(tenant.id, _report_in(tenant, form), principal=None)
    except ValidationFailed as exc:
        raise ValidationFailed(
            [FieldError(_open311_name(error.field), error.message, error.code) for error in exc.errors]
        ) from exc
    notice = f"Expected response by {receipt.expected_response_at.isoformat()}"
    # The id exists at once, so the token (for clients that poll tokens/{token}) is the id itself.
    return [{"service_request_id": receipt.id, "token": receipt.id, "service_notice": notice, "account_id": None}]


@dataclass(frozen=True)
class RequestQuery:
    service_request_ids: list[str]
    service_code: str | None
    statuses: str | None
    start: datetime
    end: datetime
    page: int
    page_size: int


def _parse_time(value: str, name: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise invalid(name, "must be a W3C date-time, e.g. 2026-11-01T00:00:00Z") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _positive(value: str | None, name: str, default: int, maximum: int) -> int:
    if value is None:
        return default
    if not value.isdigit() or not 1 <= int(value) <= maximum:
        raise invalid(name, f"must be a whole number from 1 to {maximum}")
    return int(value)


def parse_request_query(params: Mapping[str, str], now: datetime | None = None) -> RequestQuery:
    """The filters of GET requests, with the specification's defaults (the last 90 days, 1,000 rows)."""
    now = now or datetime.now(UTC)
    ids = [part.strip() for part in (params.get("service_request_id") or "").split(",") if part.strip()]
    if len(ids) > MAX_REQUEST_IDS:
        raise invalid("service_request_id", f"at most {MAX_REQUEST_IDS} ids at once")
    if any(not (len(rid) == 20 and rid.isalnum() and rid.islower()) for rid in ids if not rid.isdigit()):
        raise invalid("service_request_id", "ids are 20 lowercase letters and digits")
    start = _parse_time(params["start_date"], "start_date") if params.get("start_date") else None
    end = _parse_time(params["end_date"], "end_date") if params.get("end_date") else None
    if start is None and end is None:
        end, start = now, now - MAX_WINDOW
    elif start is None:
        assert end is not None
        start = end - MAX_WINDOW
    elif end is None:
        end = min(now, start + MAX_WINDOW)
    if end < start:
        raise invalid("end_date", "must not be before start_date")
    if end - start > MAX_WINDOW:
        raise invalid("end_date", "start_date and end_date may be at most 90 days apart")
    status = params.get("status")
    if status is not None and not {part.strip() for part in status.split(",")} <= {"open", "closed"}:
        raise invalid("status", "must be open, closed, or open,closed")
    return RequestQuery(
        service_request_ids=ids,
        service_code=params.get("service_code") or None,
        statuses=status,
        start=start,
        end=end,
        page=_positive(params.get("page"), "page", 1, 10_000),
        page_size=_positive(params.get("page_size"), "page_size", DEFAULT_ROWS, MAX_PAGE_SIZE),
    )


def _public(
    tenant: Tenant, reports: Sequence[Report], preferred: Sequence[str], notes: str | None = None
) -> list[dict[str, Any]]:
    languages = _languages(tenant, preferred)
    return [
        mapping.service_request(
            report,
            get_category(tenant, report.category),
            languages,
            notes=notes,
            agency=_agency(tenant, report),
            zone=tenant.zone,
        )
        for report in reports
    ]


def _agency(tenant: Tenant, report: Report) -> str:
    unit = tenant.unit(report.unit)
    return f"{tenant.name}: {unit.name.get('en') or next(iter(unit.name.values()), unit.code)}" if unit else tenant.name


def get_requests(
    jurisdiction_id: str | None, params: Mapping[str, str], preferred: Sequence[str]
) -> list[dict[str, Any]]:
    tenant = jurisdiction(jurisdiction_id)
    query = parse_request_query(params)
    repository = reports_repository()
    if query.service_request_ids:
        return _public(tenant, repository.get_many(tenant.id, query.service_request_ids), preferred)
    if query.service_code is not None:
        _category(tenant, query.service_code)
    statuses = None
    if query.statuses is not None:
        statuses = frozenset().union(*(mapping.statuses_for(part.strip()) for part in query.statuses.split(",")))
    wanted = min(query.page * query.page_size, MAX_ROWS_READ)
    reports = repository.window(
        tenant.id,
        received_from=query.start,
        received_to=query.end,
        limit=wanted,
        category=query.service_code,
        statuses=statuses,
    )
    first = (query.page - 1) * query.page_size
    return _public(tenant, reports[first : first + query.page_size], preferred)


def get_request(jurisdiction_id: str | None, request_id: str, preferred: Sequence[str]) -> list[dict[str, Any]]:
    """One request with its latest public note as `status_notes` (withheld for sensitive categories)."""
    tenant = jurisdiction(jurisdiction_id)
    found = reports_repository().get(tenant.id, request_id) if _looks_like_id(request_id) else None
    if found is None:
        raise NotFound(f"There is no service request '{request_id}' in {tenant.id}.", code="request_not_found")
    notes = [event.public_note for event in found.events if event.public_note]
    return _public(tenant, [found.report], preferred, notes[-1] if notes else None)


def get_token(jurisdiction_id: str | None, token: str) -> list[dict[str, Any]]:
    tenant = jurisdiction(jurisdiction_id)
    if not _looks_like_id(token) or not reports_repository().exists(tenant.id, token):
        raise NotFound(f"There is no token '{token}' in {tenant.id}.", code="token_not_found")
    return [{"service_request_id": token, "token": token}]


def _looks_like_id(value: str) -> bool:
    return len(value) == 20 and value.isalnum() and value == value.lower()


def get_updates(jurisdiction_id: str | None, params: Mapping[str, str]) -> list[dict[str, Any]]:
    """FixMyStreet's servicerequestupdates: lifecycle changes in a window (default the last 90 days)."""
    tenant = jurisdiction(jurisdiction_id)
    query = parse_request_query({key: params[key] for key in ("start_date", "end_date") if key in params})
    updates = reports_repository().updates(tenant.id, since=query.start, until=query.end, limit=DEFAULT_ROWS)
    languages = _languages(tenant, ())
    return [
        mapping.request_update(report_id, sensitive, event, languages=languages, zone=tenant.zone)
        for report_id, sensitive, event in updates
    ]
