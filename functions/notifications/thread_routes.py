"""The private thread of a report, what was sent about it, the staff outbox and delivery receipts."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query
from params import ReportIdPath, TrackingToken

from koban.auth import principal_from_event
from koban.http.api import created
from koban.http.params import TenantPath
from koban.notifications.outbox import record_receipt, reporter_notifications, staff_outbox
from koban.notifications.schemas import (
    DeliveryReceiptIn,
    DeliveryReceiptOut,
    OutboxPageOut,
    ReportNotificationsOut,
    ThreadMessageIn,
    ThreadMessageOut,
    ThreadOut,
)
from koban.notifications.thread import post_message, read_thread

router = Router()


@router.get(
    "/v1/tenants/<tenant>/reports/<report_id>/messages",
    summary="The private thread: the reporter (X-Tracking-Token) or staff (audited; partners see it redacted)",
    tags=["notifications"],
)
def thread(tenant: TenantPath, report_id: ReportIdPath, tracking_token: TrackingToken = None) -> ThreadOut:
    principal = principal_from_event(router.current_event.raw_event)
    return read_thread(tenant, report_id, principal, tracking_token)


@router.post(
    "/v1/tenants/<tenant>/reports/<report_id>/messages",
    summary="Ask the reporter (staff) or answer the team (X-Tracking-Token)",
    tags=["notifications"],
    responses={201: {"description": "Created"}},
)
def write(
    tenant: TenantPath, report_id: ReportIdPath, body: ThreadMessageIn, tracking_token: TrackingToken = None
) -> Response[ThreadMessageOut]:
    principal = principal_from_event(router.current_event.raw_event)
    return created(post_message(tenant, report_id, principal, tracking_token, body))


@router.get(
    "/v1/tenants/<tenant>/reports/<report_id>/notifications",
    summary="What was sent about the report (outbox delivery), for the holder of its tracking token",
    tags=["notifications"],
)
def report_notifications(
    tenant: TenantPath, report_id: ReportIdPath, tracking_token: TrackingToken = None
) -> ReportNotificationsOut:
    return reporter_notifications(tenant, report_id, tracking_token)


@router.get(
    "/v1/tenants/<tenant>/notifications/outbox",
    summary="The tenant's outbox: every message the outbox adapter kept, newest first (staff)",
    tags=["notifications"],
)
def outbox(
    tenant: TenantPath,
    limit: Annotated[int, Query(ge=1, le=100)] = 25,
    cursor: Annotated[str | None, Query(max_length=1000)] = None,
) -> OutboxPageOut:
    return staff_outbox(tenant, principal_from_event(router.current_event.raw_event), limit, cursor)


@router.post(
    "/v1/tenants/<tenant>/receipts",
    summary="A message was shown (delivered) or opened: the app sends back the receipt it carried",
    tags=["notifications"],
)
def receipt(tenant: TenantPath, body: DeliveryReceiptIn) -> DeliveryReceiptOut:
    return record_receipt(tenant, body)
