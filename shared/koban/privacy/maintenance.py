"""Privacy maintenance, run on a schedule (function privacy_maintenance, hourly; locally by `koban serve` and
`koban privacy maintain`), for every tenant:

1. Erasures that a failure left unfinished (photos or a thread's rest still to delete after the commit, see
   koban.privacy.erasure) are finished, so none waits for the reporter to come back. At most
   `MARKERS_PER_TENANT` a run (one Query of its `ERASING#<tenant>` partition); the next run goes on where this one
   stopped, since a finished erasure's marker is gone. One that fails again stays for the next run and is counted.
2. Closed reports whose retention has passed are anonymised: a report in a terminal status whose last lifecycle
   change (its `updated_at`) is older than the tenant's `personal_data_retention_days` is erased through
   `erasure.erase_report`, as its reporter's erasure would (actor `system`, via `retention`). Open cases are kept;
   a reopened report that was anonymised stays so.

   Candidates come from UpdatesIndex (every lifecycle change, by time), never a Scan: the changes older than the
   cut-off, oldest first, from a per-tenant bookmark (the last change handled, in PersonalDataTable) on. A change
   to a terminal status is the candidate: its report qualifies if it is still closed and changed no later than
   the cut-off (`updated_at` moves only with a lifecycle change, so a report reopened or closed again since has a
   later change, read when that one passes the cut-off). Each change is read once, so a run's cost is the changes
   that passed the cut-off since the last run (at most `CHANGES_PER_TENANT`), not the history, however many
   reports were anonymised before; at most `REPORTS_PER_TENANT` are anonymised a run and the next run goes on. The
   bookmark stops before a report whose anonymisation fails, so the next run tries it again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from pydantic import BaseModel

from koban.audit.models import SYSTEM
from koban.errors import Conflict, StorageError
from koban.observability import logger, metrics
from koban.privacy import erasure
from koban.privacy.retention import retention
from koban.privacy.stores import privacy_repository
from koban.reports.lifecycle import TERMINAL
from koban.reports.models import Report
from koban.reports.service import reports_repository
from koban.tenants.models import Tenant
from koban.tenants.service import list_tenants

# One run finishes at most this many erasures per tenant (each: a thread query, S3 deletes, a DeleteItem).
MARKERS_PER_TENANT = 25
# One run reads at most this many lifecycle changes past the retention per tenant (one Query) and anonymises at
# most this many reports of them (each: ~6 reads and one transaction, then its photos).
CHANGES_PER_TENANT = 100
REPORTS_PER_TENANT = 25


class MaintenanceOut(BaseModel):
    """What one run did, over all tenants."""

    tenants: int
    finished: int
    anonymised: int  # closed reports past their tenant's retention
    still_failing: int  # erasures, anonymisations (or a tenant's markers) that failed; the next run retries them
    more_left: bool  # a tenant had a full page: the next run goes on


@dataclass
class _TenantRun:
    """What one tenant's part of a run did."""

    done: int = 0
    failing: int = 0
    more_left: bool = False


def maintain(
    markers_per_tenant: int = MARKERS_PER_TENANT,
    reports_per_tenant: int = REPORTS_PER_TENANT,
    changes_per_tenant: int = CHANGES_PER_TENANT,
    now: datetime | None = None,
) -> MaintenanceOut:
    """Finish every tenant's interrupted erasures and anonymise its closed reports past their retention, a bounded
    number each; what fails is logged and left for the next run, and the others go on."""
    now = now or datetime.now(UTC)
    tenants = list_tenants()
    finished = anonymised = failing = 0
    more_left = False
    for tenant in tenants:
        erasures = _finish_erasures(tenant, markers_per_tenant)
        closed = _anonymise_closed(tenant, now, reports_per_tenant, changes_per_tenant)
        finished += erasures.done
        anonymised += closed.done
        failing += erasures.failing + closed.failing
        more_left = more_left or erasures.more_left or closed.more_left
    metrics.add_metric(name="ErasuresFinished", unit="Count", value=finished)
    metrics.add_metric(name="ReportsAnonymised", unit="Count", value=anonymised)
    metrics.add_metric(name="ErasuresStillFailing", unit="Count", value=failing)
    outcome = MaintenanceOut(
        tenants=len(tenants), finished=finished, anonymised=anonymised, still_failing=failing, more_left=more_left
    )
    logger.info("privacy maintenance", extra=outcome.model_dump())
    return outcome


def _finish_erasures(tenant: Tenant, limit: int) -> _TenantRun:
    try:
        markers = privacy_repository().markers(tenant.id, limit)
    except StorageError as exc:
        logger.warning("interrupted erasures unreadable", extra={"tenant": tenant.id, "reason": str(exc)})
        return _TenantRun(failing=1)
    run = _TenantRun(more_left=len(markers) == limit)
    for marker in markers:
        try:
            erasure.finish_marker(marker)
        except StorageError as exc:
            run.failing += 1
            logger.warning(
                "erasure still unfinished",
                extra={"tenant": tenant.id, "report_id": marker.report_id, "reason": str(exc)},
            )
            continue
        run.done += 1
        logger.info("interrupted erasure finished", extra={"tenant": tenant.id, "report_id": marker.report_id})
    return run


def _past_retention(report: Report, cutoff: datetime) -> bool:
    """Closed, not yet erased, and its last lifecycle change (closing it) before the cut-off."""
    return report.erased_at is None and report.status in TERMINAL and report.updated_at < cutoff


def _anonymise_closed(tenant: Tenant, now: datetime, reports_limit: int, changes_limit: int) -> _TenantRun:
    cutoff = now - retention(tenant)
    privacy = privacy_repository()
    reports = reports_repository()
    try:
        bookmark = privacy.retention_bookmark(tenant.id)
        changes = reports.lifecycle_changes(tenant.id, before=cutoff, after=bookmark, limit=changes_limit)
        closing = [change.report_id for change in changes if change.to_status in TERMINAL]
        candidates = {report.id: report for report in reports.get_many(tenant.id, closing)}
    except StorageError as exc:
        logger.warning("closed reports unreadable", extra={"tenant": tenant.id, "reason": str(exc)})
        return _TenantRun(failing=1)
    run = _TenantRun(more_left=len(changes) == changes_limit)
    record = erasure.erasure_record(tenant.id, SYSTEM, "", "retention", now)
    handled = bookmark
    for change in changes:
        report = candidates.get(change.report_id) if change.to_status in TERMINAL else None
        if report is not None and _past_retention(report, cutoff):
            if run.done == reports_limit:
                run.more_left = True
                break
            try:
                # One page may name a report twice (closed, reopened, closed again): the second finds it erased.
                candidates[report.id] = erasure.erase_report(tenant, report, record)
            except (StorageError, Conflict) as exc:
                run.failing += 1
                logger.warning(
                    "closed report not anonymised",
                    extra={"tenant": tenant.id, "report_id": report.id, "reason": str(exc)},
                )
                break
            run.done += 1
        handled = change.key
    if handled is not None and handled != bookmark:
        try:
            privacy.save_retention_bookmark(tenant.id, handled, now)
        except StorageError as exc:
            run.failing += 1  # the next run reads these changes again and finds their reports erased
            logger.warning("retention bookmark not saved", extra={"tenant": tenant.id, "reason": str(exc)})
    logger.info(
        "closed reports past retention anonymised",
        extra={"tenant": tenant.id, "anonymised": run.done, "changes_read": len(changes), "more_left": run.more_left},
    )
    return run
