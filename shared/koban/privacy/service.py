"""Privacy use cases: erasure by the reporter, an admin's subject request, the reports export. Handlers call
exactly one function of this module per route."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from koban.audit.models import REPORTER, AuditAction, role_of
from koban.audit.service import append
from koban.auth import Principal, Role, require_staff
from koban.errors import FieldError, ValidationFailed
from koban.geo import COARSE_RESOLUTION, FINE_RESOLUTION, cell_of
from koban.notifications import stores
from koban.notifications.access import report_for_reporter
from koban.observability import logger, metrics
from koban.privacy import erasure
from koban.privacy.redaction import redact
from koban.privacy.schemas import (
    ErasureOut,
    HeldReportOut,
    HeldSubscriptionOut,
    SubjectRequestIn,
    SubjectRequestOut,
)
from koban.privacy.spreadsheet import csv_text
from koban.privacy.stores import privacy_repository
from koban.privacy.subjects import subject_digests
from koban.reports.lifecycle import TERMINAL
from koban.reports.schemas import ContactOut
from koban.reports.service import personal_data_repository, reports_repository
from koban.tenants.service import get_category, get_tenant

SUBJECT_ROLES = frozenset({Role.ADMIN})
EXPORT_ROLES = frozenset({Role.SUPERVISOR, Role.ADMIN, Role.PARTNER})
# A subject request erases at most this many reports at once (each is its own transaction); `complete` says
# whether to send it again.
MAX_REPORTS_PER_REQUEST = 25
# Unfinished erasures (a failure after the commit) a subject request finishes first.
MAX_UNFINISHED_PER_REQUEST = 10
MAX_EXPORT_DAYS = 366
MAX_EXPORT_ROWS = 10_000
EXPORT_COLUMNS = ("id", "category", "status", "received_at", "closed_at", "h3_cell", "description")


def _now() -> datetime:
    return datetime.now(UTC)


# -- erasure by the reporter ----------------------------------------------------------------------------------


def erase_by_reporter(tenant_id: str, report_id: str, tracking_token: str | None) -> ErasureOut:
    """The reporter erases their personal data with the tracking token; asking again answers the same."""
    if tracking_token is None:
        raise ValidationFailed([FieldError("header.X-Tracking-Token", "the report's tracking token is needed")])
    report = report_for_reporter(tenant_id, report_id, tracking_token)
    tenant = get_tenant(tenant_id)
    record = erasure.erasure_record(tenant.id, REPORTER, "", "reporter", _now())
    erased = erasure.erase_report(tenant, report, record)
    assert erased.erased_at is not None  # set by the erasure
    metrics.add_metric(name="Erasures", unit="Count", value=1)
    logger.info("personal data erased", extra={"tenant": tenant.id, "report_id": report.id, "by": "reporter"})
    return ErasureOut(id=erased.id, erased_at=erased.erased_at)


# -- subject requests -----------------------------------------------------------------------------------------


def subject_request(tenant_id: str, principal: Principal | None, request: SubjectRequestIn) -> SubjectRequestOut:
    """Find a data subject's reports and subscriptions by e-mail and/or phone (blind index, no Scan); erase them,
    or show what is held. Audited either way (the entry holds counts and ids, never the address)."""
    principal = require_staff(principal, tenant_id, SUBJECT_ROLES)
    tenant = get_tenant(tenant_id)
    now = _now()
    digests = subject_digests(tenant.id, tenant.country, request.email, request.phone)
    index = privacy_repository()
    report_ids = sorted({rid for digest in digests for rid in index.report_ids(tenant.id, digest, now)})
    subscription_ids = sorted(
        {sid for digest in digests for sid in stores.subscriptions().of_subject(tenant.id, digest, now)}
    )
    if request.action == "access":
        answer = _held(tenant.id, report_ids, subscription_ids, now)
    else:
        answer = _erase_subject(tenant.id, principal, report_ids, subscription_ids, now)
    detail = {
        "action": request.action,
        "reports": str(len(answer.reports)),
        "subscriptions": str(len(answer.subscriptions)),
        "complete": str(answer.complete).lower(),
    }
    append(tenant.id, principal.subject, AuditAction.SUBJECT_REQUEST, "subject", role=role_of(principal.roles),
           detail=detail, at=now)  # fmt: skip
    logger.info("subject request", extra={"tenant": tenant.id, "by": principal.subject, **detail})
    return answer


def _held(tenant_id: str, report_ids: list[str], subscription_ids: list[str], now: datetime) -> SubjectRequestOut:
    contacts = personal_data_repository()
    held = []
    for report in reports_repository().get_many(tenant_id, report_ids):
        contact = contacts.get(tenant_id, report.id)
        held.append(
            HeldReportOut(
                **report.model_dump(include={"id", "category", "status", "received_at", "description", "answers"}),
                photos=len(report.attachments),
                contact=ContactOut(**contact.model_dump()) if contact else None,
            )
        )
    subscriptions = stores.subscriptions().get_many(tenant_id, subscription_ids, now)
    return SubjectRequestOut(
        action="access",
        reports=[report.id for report in held],
        subscriptions=sorted(subscriptions),
        complete=True,
        held=held,
        held_subscriptions=[
            HeldSubscriptionOut(
                **subscription.model_dump(
                    include={"id", "kind", "channel", "address", "report_id", "created_at", "expires_at"}
                )
            )
            for subscription in subscriptions.values()
        ],
    )


def _erase_subject(
    tenant_id: str, principal: Principal, report_ids: list[str], subscription_ids: list[str], now: datetime
) -> SubjectRequestOut:
    tenant = get_tenant(tenant_id)
    repository = privacy_repository()
    for marker in repository.markers(tenant.id, MAX_UNFINISHED_PER_REQUEST):
        erasure.finish_marker(marker)
    chosen = report_ids[:MAX_REPORTS_PER_REQUEST]
    record = erasure.erasure_record(tenant.id, principal.subject, role_of(principal.roles), "subject_request", now)
    for report in reports_repository().get_many(tenant.id, chosen):
        erasure.erase_report(tenant, report, record)
    subscriptions = stores.subscriptions()
    for subscription in subscriptions.get_many(tenant.id, subscription_ids, now).values():
        subscriptions.delete(subscription)
    metrics.add_metric(name="Erasures", unit="Count", value=len(chosen))
    return SubjectRequestOut(
        action="erase",
        reports=chosen,
        subscriptions=subscription_ids,
        complete=len(chosen) == len(report_ids),
    )


# -- the reports export ---------------------------------------------------------------------------------------


def export_reports(
    tenant_id: str,
    principal: Principal | None,
    first: date | None,
    last: date | None,
    category: str | None,
) -> tuple[str, str]:
    """(file name, CSV text) of a period's reports for supervisors, admins and partners: no contact, no tracking
    data, the block's H3 cell instead of the point (a neighbourhood's for sensitive categories, whose text is
    withheld), the description redacted. Reads the queue (or category) index over the period only."""
    principal = require_staff(principal, tenant_id, EXPORT_ROLES)
    tenant = get_tenant(tenant_id)
    today = _now().astimezone(tenant.zone).date()
    last = last or today
    first = first or last - timedelta(days=29)
    errors = []
    if first > last:
        errors.append(FieldError("query.from", "must not be after 'to'"))
    elif (last - first).days >= MAX_EXPORT_DAYS:
        errors.append(FieldError("query.from", f"a period of at most {MAX_EXPORT_DAYS} days"))
    if category is not None and get_category(tenant, category) is None:
        errors.append(FieldError("query.category", f"'{category}' is not a category of {tenant.id}", "unknown"))
    if errors:
        raise ValidationFailed(errors)
    received_from = datetime.combine(first, time.min, tenant.zone)
    received_to = datetime.combine(last, time.max, tenant.zone)
    reports = reports_repository().window(
        tenant.id, received_from=received_from, received_to=received_to, limit=MAX_EXPORT_ROWS + 1, category=category
    )
    if len(reports) > MAX_EXPORT_ROWS:
        too_many = f"more than {MAX_EXPORT_ROWS} reports in this period: choose a shorter one or a category"
        raise ValidationFailed([FieldError("query.from", too_many, "too_many")])
    rows: list[list[object]] = [list(EXPORT_COLUMNS)]
    for report in reports:
        resolution = COARSE_RESOLUTION if report.sensitive else FINE_RESOLUTION
        location = report.location
        rows.append(
            [
                report.id,
                report.category,
                report.status,
                report.received_at.astimezone(tenant.zone).isoformat(timespec="seconds"),
                report.updated_at.astimezone(tenant.zone).isoformat(timespec="seconds")
                if report.status in TERMINAL
                else "",
                cell_of(location.lat, location.lon, resolution) if location is not None else "",
                "" if report.sensitive else redact(report.description),
            ]
        )
    append(tenant.id, principal.subject, AuditAction.EXPORT, "reports", role=role_of(principal.roles),
           detail={"from": first.isoformat(), "to": last.isoformat(), "category": category or "",
                   "rows": str(len(reports))})  # fmt: skip
    return f"koban-{tenant.id}-reports-{first.isoformat()}-{last.isoformat()}.csv", csv_text(rows)
