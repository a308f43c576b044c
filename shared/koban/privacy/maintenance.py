"""Privacy maintenance, run on a schedule (function privacy_maintenance, hourly; locally by `koban serve` and
`koban privacy maintain`): every tenant's erasures that a failure left unfinished (photos or a thread's rest still
to delete after the commit, see koban.privacy.erasure) are finished, so none waits for the reporter to come back.

Bounded work per run: at most `MARKERS_PER_TENANT` erasures of each tenant (one Query of its `ERASING#<tenant>`
partition, never a Scan); the next run goes on where this one stopped, since a finished erasure's marker is gone.
One that fails again stays for the next run and is counted (metric `ErasuresStillFailing`, logged with its report).
"""

from __future__ import annotations

from pydantic import BaseModel

from koban.errors import StorageError
from koban.observability import logger, metrics
from koban.privacy import erasure
from koban.privacy.stores import privacy_repository
from koban.tenants.service import list_tenants

# One run finishes at most this many erasures per tenant (each: a thread query, S3 deletes, a DeleteItem).
MARKERS_PER_TENANT = 25


class MaintenanceOut(BaseModel):
    """What one run did, over all tenants."""

    tenants: int
    finished: int
    still_failing: int  # erasures (or a tenant's markers) that failed again; the next run retries them
    more_left: bool  # a tenant had a full page: the next run goes on


def maintain(markers_per_tenant: int = MARKERS_PER_TENANT) -> MaintenanceOut:
    """Finish every tenant's interrupted erasures, at most `markers_per_tenant` each; a tenant whose markers cannot
    be read, or an erasure that fails again, is logged and left for the next run, and the others go on."""
    tenants = list_tenants()
    finished = failing = 0
    more_left = False
    for tenant in tenants:
        try:
            markers = privacy_repository().markers(tenant.id, markers_per_tenant)
        except StorageError as exc:
            failing += 1
            logger.warning("interrupted erasures unreadable", extra={"tenant": tenant.id, "reason": str(exc)})
            continue
        more_left = more_left or len(markers) == markers_per_tenant
        for marker in markers:
            try:
                erasure.finish_marker(marker)
            except StorageError as exc:
                failing += 1
                logger.warning(
                    "erasure still unfinished",
                    extra={"tenant": tenant.id, "report_id": marker.report_id, "reason": str(exc)},
                )
                continue
            finished += 1
            logger.info("interrupted erasure finished", extra={"tenant": tenant.id, "report_id": marker.report_id})
    metrics.add_metric(name="ErasuresFinished", unit="Count", value=finished)
    metrics.add_metric(name="ErasuresStillFailing", unit="Count", value=failing)
    outcome = MaintenanceOut(tenants=len(tenants), finished=finished, still_failing=failing, more_left=more_left)
    logger.info("privacy maintenance", extra=outcome.model_dump())
    return outcome
