"""Routes of /v1/tenants/{tenant}/reports: each parses input, calls one logic function, returns its model."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Header, Path, Query

from koban.auth import principal_from_event
from koban.http.api import created
from koban.http.params import AcceptLanguage, TenantPath, languages
from koban.http.ratelimit import RATE_LIMITED_RESPONSE, rate_limited
from koban.ratelimit.service import Scope
from koban.reports.idempotency import submit_report_once
from koban.reports.lifecycle import Status
from koban.reports.models import Priority, QueueFilter
from koban.reports.schemas import (
    QueuePageOut,
    ReceiptOut,
    ReporterViewOut,
    ReportIn,
    StaffReportOut,
    TransitionIn,
)
from koban.reports.service import change_status, list_queue, reporter_view, staff_view

router = Router()

ReportIdPath = Annotated[str, Path(pattern=r"^[0-9a-z]{20}$", description="Report id")]
IdempotencyKey = Annotated[
    str | None,
    Header(alias="Idempotency-Key", pattern=r"^[\x21-\x7e]{8,128}$", description="Retries with it store once"),
]
TrackingToken = Annotated[
    str | None,
    Header(alias="X-Tracking-Token", pattern=r"^[A-Za-z0-9_-]{20,100}$", description="Reporter's token"),
]


@router.post(
    "/v1/tenants/<tenant>/reports",
    summary="Submit a report",
    tags=["reports"],
    responses={201: {"description": "Created"}, 429: RATE_LIMITED_RESPONSE},
    middlewares=[rate_limited(Scope.INTAKE)],
)
def submit(tenant: TenantPath, body: ReportIn, idempotency_key: IdempotencyKey = None) -> Response[ReceiptOut]:
    receipt = submit_report_once(
        tenant,
        body,
        principal_from_event(router.current_event.raw_event),
        idempotency_key,
        router.lambda_context,
    )
    return created(receipt, f"/v1/tenants/{tenant}/reports/{receipt.id}")


@router.get("/v1/tenants/<tenant>/reports", summary="The staff queue, newest first", tags=["reports"])
def queue(
    tenant: TenantPath,
    status: Annotated[Status | None, Query()] = None,
    category: Annotated[str | None, Query(pattern=r"^[a-z][a-z0-9_]{1,47}$")] = None,
    priority: Annotated[Priority | None, Query()] = None,
    unit: Annotated[str | None, Query(pattern=r"^[a-z][a-z0-9_]{1,47}$")] = None,
    received_from: Annotated[datetime | None, Query(description="ISO 8601")] = None,
    received_to: Annotated[datetime | None, Query(description="ISO 8601")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 25,
    cursor: Annotated[str | None, Query(max_length=1000)] = None,
) -> QueuePageOut:
    filters = QueueFilter(
        status=status,
        category=category,
        priority=priority,
        unit=unit,
        received_from=received_from,
        received_to=received_to,
    )
    return list_queue(tenant, principal_from_event(router.current_event.raw_event), filters, limit, cursor)


@router.get(
    "/v1/tenants/<tenant>/reports/<report_id>",
    summary="One report: the reporter's view (X-Tracking-Token) or the staff view (bearer token)",
    tags=["reports"],
)
def read(
    tenant: TenantPath,
    report_id: ReportIdPath,
    tracking_token: TrackingToken = None,
    include: Annotated[str | None, Query(pattern=r"^contact$", description="'contact' (audited)")] = None,
    accept_language: AcceptLanguage = None,
) -> ReporterViewOut | StaffReportOut:
    preferred = languages(accept_language)
    principal = principal_from_event(router.current_event.raw_event)
    if tracking_token is not None and principal is None:
        return reporter_view(tenant, report_id, tracking_token, preferred)
    return staff_view(tenant, report_id, principal, preferred, include_contact=include == "contact")


@router.patch("/v1/tenants/<tenant>/reports/<report_id>", summary="Change status (lifecycle)", tags=["reports"])
def transition(
    tenant: TenantPath, report_id: ReportIdPath, body: TransitionIn, accept_language: AcceptLanguage = None
) -> StaffReportOut:
    principal = principal_from_event(router.current_event.raw_event)
    return change_status(tenant, report_id, principal, body, languages(accept_language))
