"""Area alerts: an officer drafts (texts per language, audience, area), a supervisor who did not write it approves,
and the fan-out goes through the delivery queue: a plan job finds the area's subscribers partition by partition
and queues batches of deliveries. Approving an approved alert queues its plan again (deliveries are idempotent),
which is how a fan-out whose first queuing failed is started again.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from koban import geo
from koban.auth import CHANGE_REPORTS, READ_REPORTS, Principal, Role, require_staff
from koban.errors import Conflict, FieldError, Forbidden, NotFound, ValidationFailed
from koban.ids import new_id
from koban.notifications import areas, stores
from koban.notifications.jobs import AlertPlanJob
from koban.notifications.models import Alert, AlertStatus, AlertText
from koban.notifications.schemas import (
    AlertChangeIn,
    AlertIn,
    AlertListOut,
    AlertOut,
    AlertSummaryOut,
    AlertTextIn,
    AreaIn,
    DecisionIn,
)
from koban.notifications.storage import decode_cursor, encode_cursor
from koban.observability import logger, metrics
from koban.tenants.models import Tenant
from koban.tenants.service import get_tenant

WRITE_ALERTS = CHANGE_REPORTS
READ_ALERTS = READ_REPORTS
APPROVE_ALERTS = frozenset({Role.SUPERVISOR, Role.ADMIN})
_ALERT_ID = re.compile(r"^[0-9a-z]{20}$")


def _now() -> datetime:
    return datetime.now(UTC)


def _area_geojson(cells: tuple[str, ...]) -> dict[str, Any]:
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"cell": cell, "resolution": geo.resolution_of(cell)},
                "geometry": {"type": "Polygon", "coordinates": [geo.cell_polygon(cell)]},
            }
            for cell in cells
        ],
    }


def alert_out(alert: Alert) -> AlertOut:
    return AlertOut(
        **alert.model_dump(
            include={
                "id",
                "status",
                "audience",
                "severity",
                "link",
                "counts",
                "created_by",
                "created_at",
                "updated_at",
                "decided_by",
                "decided_at",
                "decision_note",
                "version",
            }
        ),
        texts={language: text.model_dump() for language, text in alert.texts.items()},
        languages=list(alert.languages) if alert.languages else None,
        cells=list(alert.cells),
        neighbourhoods=len(areas.partitions(alert.cells)),
        area=_area_geojson(alert.cells),
    )


def _texts(texts: dict[str, AlertTextIn]) -> dict[str, AlertText]:
    return {language: AlertText(title=text.title, body=text.body) for language, text in texts.items()}


def _area(tenant: Tenant, area: AreaIn) -> tuple[str, ...]:
    return areas.resolve_area("area", area.cells, area.polygon_dict(), tenant, for_alert=True)


def draft_alert(tenant_id: str, principal: Principal | None, request: AlertIn) -> AlertOut:
    principal = require_staff(principal, tenant_id, WRITE_ALERTS)
    tenant = get_tenant(tenant_id)
    now = _now()
    alert = Alert(
        tenant=tenant.id,
        id=new_id(),
        texts=_texts(request.texts),
        languages=tuple(request.languages) if request.languages else None,
        audience=request.audience,
        severity=request.severity,
        link=request.link,
        cells=_area(tenant, request.area),
        status=AlertStatus.DRAFT,
        created_by=principal.subject,
        created_at=now,
        updated_at=now,
    )
    stores.notifications().add_alert(alert)
    metrics.add_metric(name="AlertsDrafted", unit="Count", value=1)
    return alert_out(alert)


def _load(tenant: Tenant, alert_id: str) -> Alert:
    alert = stores.notifications().get_alert(tenant.id, alert_id)
    if alert is None:
        raise NotFound(f"There is no alert '{alert_id}' in {tenant.id}.", code="alert_not_found")
    return alert


def _check_version(alert: Alert, version: int) -> None:
    if alert.version != version:
        raise Conflict(f"The alert is at version {alert.version}, not {version}; reload it.")


def get_alert(tenant_id: str, alert_id: str, principal: Principal | None) -> AlertOut:
    require_staff(principal, tenant_id, READ_ALERTS)
    return alert_out(_load(get_tenant(tenant_id), alert_id))


def list_alerts(
    tenant_id: str, principal: Principal | None, status: AlertStatus | None, limit: int, cursor: str | None
) -> AlertListOut:
    require_staff(principal, tenant_id, READ_ALERTS)
    tenant = get_tenant(tenant_id)
    after = decode_cursor(cursor, _ALERT_ID) if cursor else None
    alerts, last = stores.notifications().alerts(tenant.id, status, limit, after)
    items = [
        AlertSummaryOut(
            **alert.model_dump(
                include={"id", "status", "audience", "severity", "counts", "created_by", "created_at", "decided_by"}
            ),
            title=alert.texts[tenant.default_language].title
            if tenant.default_language in alert.texts
            else next(iter(alert.texts.values())).title,
        )
        for alert in alerts
    ]
    return AlertListOut(items=items, next_cursor=encode_cursor(last) if last else None)


def change_alert(tenant_id: str, alert_id: str, principal: Principal | None, change: AlertChangeIn) -> AlertOut:
    """Edit a draft, or withdraw it; approved, rejected and cancelled alerts no longer change."""
    require_staff(principal, tenant_id, WRITE_ALERTS)
    tenant = get_tenant(tenant_id)
    before = _load(tenant, alert_id)
    _check_version(before, change.version)
    if before.status is not AlertStatus.DRAFT:
        raise ValidationFailed([FieldError("status", f"only a draft can change; this alert is {before.status}")])
    updates: dict[str, Any] = {"updated_at": _now(), "version": before.version + 1}
    if change.texts is not None:
        updates["texts"] = _texts(change.texts)
    for name in ("audience", "severity", "link"):
        if getattr(change, name) is not None:
            updates[name] = getattr(change, name)
    if change.languages is not None:
        updates["languages"] = tuple(change.languages)
    if change.area is not None:
        updates["cells"] = _area(tenant, change.area)
    if change.status == "cancelled":
        updates["status"] = AlertStatus.CANCELLED
    after = before.model_copy(update=updates)
    missing = sorted(set(after.languages or ()) - set(after.texts))
    if missing:
        raise ValidationFailed([FieldError("languages", f"{', '.join(missing)} have no text", "no_text")])
    stores.notifications().save_alert(before, after)
    return alert_out(after)


def decide_alert(tenant_id: str, alert_id: str, principal: Principal | None, decision: DecisionIn) -> AlertOut:
    """A supervisor approves (the fan-out is queued) or rejects (with a note) someone else's draft."""
    principal = require_staff(principal, tenant_id, APPROVE_ALERTS)
    tenant = get_tenant(tenant_id)
    before = _load(tenant, alert_id)
    if before.status is AlertStatus.APPROVED and decision.decision == "approve":
        _queue_fan_out(before)  # queue it again: idempotent deliveries make this safe
        return alert_out(before)
    _check_version(before, decision.version)
    if before.status is not AlertStatus.DRAFT:
        raise ValidationFailed([FieldError("decision", f"only a draft can be decided; this alert is {before.status}")])
    if before.created_by == principal.subject:
        raise Forbidden("An alert is approved or rejected by a supervisor other than its author.")
    if decision.decision == "reject" and not decision.note:
        raise ValidationFailed([FieldError("note", "say why the alert is rejected", "missing")])
    now = _now()
    after = before.model_copy(
        update={
            "status": AlertStatus.APPROVED if decision.decision == "approve" else AlertStatus.REJECTED,
            "decided_by": principal.subject,
            "decided_at": now,
            "decision_note": decision.note,
            "updated_at": now,
            "version": before.version + 1,
        }
    )
    stores.notifications().save_alert(before, after)
    logger.info("alert decided", extra={"tenant": tenant.id, "alert_id": alert_id, "decision": decision.decision})
    if after.status is AlertStatus.APPROVED:
        _queue_fan_out(after)
    return alert_out(after)


def _queue_fan_out(alert: Alert) -> None:
    stores.jobs().send([AlertPlanJob(tenant=alert.tenant, alert_id=alert.id)])
    metrics.add_metric(name="AlertsApproved", unit="Count", value=1)
