"""Who may touch a report's communication: its reporter (tracking token) or staff of its tenant."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from koban.audit.models import AuditAction, AuditRecord, role_of
from koban.audit.service import commit_with
from koban.auth import Principal, Role, require_staff
from koban.errors import NotFound, Unauthenticated
from koban.ids import token_matches
from koban.reports.models import EventKind, Report, ReportEvent
from koban.reports.service import reports_repository
from koban.tenants.service import get_tenant

REPORTER = "reporter"


def report_for_reporter(tenant_id: str, report_id: str, tracking_token: str) -> Report:
    """The report whose tracking token this is; the same 404 for a wrong token and a missing report."""
    tenant = get_tenant(tenant_id)
    found = reports_repository().get(tenant.id, report_id)
    if found is None or not token_matches(tracking_token, found.report.tracking_hash):
        raise NotFound("No report matches this id and tracking token.", code="report_not_found")
    return found.report


def report_for_staff(tenant_id: str, report_id: str, principal: Principal | None, roles: Iterable[Role]) -> Report:
    require_staff(principal, tenant_id, roles)
    tenant = get_tenant(tenant_id)
    found = reports_repository().get(tenant.id, report_id)
    if found is None:
        raise NotFound(f"There is no report '{report_id}' in {tenant.id}.", code="report_not_found")
    return found.report


def report_for(
    tenant_id: str,
    report_id: str,
    principal: Principal | None,
    tracking_token: str | None,
    staff_roles: Iterable[Role],
) -> tuple[Report, Principal | None]:
    """The report for its reporter (no staff token, a tracking token) or for staff; and the staff principal."""
    if principal is None:
        if tracking_token is None:
            raise Unauthenticated("Send X-Tracking-Token (reporter) or a staff bearer token.")
        return report_for_reporter(tenant_id, report_id, tracking_token), None
    return report_for_staff(tenant_id, report_id, principal, staff_roles), principal


def audit(
    report: Report,
    kind: EventKind,
    staff: Principal | None,
    at: datetime,
    items: Sequence[dict[str, Any]] = (),
    *,
    detail: Mapping[str, str] | None = None,
    event_attributes: Mapping[str, str] | None = None,
) -> None:
    """Who read or wrote the thread, and when: an event in the report's history and an entry in the tenant's audit
    log, stored in one transaction with `items` (the change itself, if any). No staff principal: the reporter."""
    actor = staff.subject if staff is not None else REPORTER
    event = ReportEvent(at=at, kind=kind, actor=actor)
    record = AuditRecord(
        tenant=report.tenant,
        at=at,
        actor=actor,
        role=role_of(staff.roles) if staff is not None else REPORTER,
        action=AuditAction(kind.value),
        target=f"report/{report.id}",
        detail=dict(detail or {}),
    )
    history = reports_repository().event_request(report.tenant, report.id, event, attributes=event_attributes)
    commit_with(record, [*items, history], operation=f"audit {kind.value}")
