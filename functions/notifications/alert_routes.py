"""Area alerts: drafted by officers, decided by a supervisor other than the author, then fanned out."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from koban.auth import principal_from_event
from koban.http.api import created
from koban.http.params import TenantPath
from koban.notifications.alerts import change_alert, decide_alert, draft_alert, get_alert, list_alerts
from koban.notifications.models import AlertStatus
from koban.notifications.schemas import AlertChangeIn, AlertIn, AlertListOut, AlertOut, DecisionIn

router = Router()

AlertIdPath = Annotated[str, Path(pattern=r"^[0-9a-z]{20}$", description="Alert id")]


@router.post(
    "/v1/tenants/<tenant>/alerts",
    summary="Draft an area alert: texts per language, audience, area as H3 cells or a GeoJSON polygon (staff)",
    tags=["alerts"],
    responses={201: {"description": "Created"}},
)
def draft(tenant: TenantPath, body: AlertIn) -> Response[AlertOut]:
    alert = draft_alert(tenant, principal_from_event(router.current_event.raw_event), body)
    return created(alert, f"/v1/tenants/{tenant}/alerts/{alert.id}")


@router.get("/v1/tenants/<tenant>/alerts", summary="The tenant's alerts, newest first (staff)", tags=["alerts"])
def list_all(
    tenant: TenantPath,
    status: Annotated[AlertStatus | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 25,
    cursor: Annotated[str | None, Query(max_length=1000)] = None,
) -> AlertListOut:
    return list_alerts(tenant, principal_from_event(router.current_event.raw_event), status, limit, cursor)


@router.get(
    "/v1/tenants/<tenant>/alerts/<alert_id>",
    summary="An alert with its area (GeoJSON) and what it reached: sent, delivered, opened, failed (staff)",
    tags=["alerts"],
)
def read(tenant: TenantPath, alert_id: AlertIdPath) -> AlertOut:
    return get_alert(tenant, alert_id, principal_from_event(router.current_event.raw_event))


@router.patch(
    "/v1/tenants/<tenant>/alerts/<alert_id>",
    summary="Edit a draft alert or withdraw it (staff)",
    tags=["alerts"],
)
def change(tenant: TenantPath, alert_id: AlertIdPath, body: AlertChangeIn) -> AlertOut:
    return change_alert(tenant, alert_id, principal_from_event(router.current_event.raw_event), body)


@router.post(
    "/v1/tenants/<tenant>/alerts/<alert_id>/decision",
    summary="Approve (the fan-out starts) or reject a draft; not by its author (supervisor, admin)",
    tags=["alerts"],
)
def decide(tenant: TenantPath, alert_id: AlertIdPath, body: DecisionIn) -> AlertOut:
    return decide_alert(tenant, alert_id, principal_from_event(router.current_event.raw_event), body)
