"""Who may touch a report's communication: its reporter (tracking token) or staff of its tenant."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

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


def audit(report: Report, kind: EventKind, actor: str, at: datetime) -> None:
    """An entry in the report's audited history (who read or wrote the thread, and when)."""
    reports_repository().add_event(report.tenant, report.id, ReportEvent(at=at, kind=kind, actor=actor))
