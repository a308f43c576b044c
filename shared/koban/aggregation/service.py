"""Aggregation logic: apply one stream record to the counters, or rebuild a tenant's counters from its reports."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import UTC, tzinfo
from functools import cache
from typing import Any

from pydantic import BaseModel

from koban.aggregation.contributions import CounterKey, contributions, counter_partitions, delta
from koban.aggregation.storage import AggregateRepository
from koban.dynamo import deserialize
from koban.errors import NotFound
from koban.observability import logger
from koban.reports.models import Report
from koban.reports.service import reports_repository
from koban.reports.storage import REPORT_SK, item_to_report
from koban.settings import get_settings
from koban.tenants.models import Tenant
from koban.tenants.service import get_tenant


@cache
def aggregate_repository() -> AggregateRepository:
    return AggregateRepository(get_settings().aggregates_table)


def _zone(tenant_id: str) -> tzinfo:
    try:
        return get_tenant(tenant_id).zone
    except NotFound:
        return UTC  # a tenant whose plugin was removed still counts, by UTC days


def _report(image: Mapping[str, Any] | None) -> Report | None:
    if not image:
        return None
    item = deserialize(image)
    return item_to_report(item) if item.get("sk") == REPORT_SK else None


def apply_stream_record(record: Mapping[str, Any]) -> bool:
    """Apply one DynamoDB stream record of ReportsTable; False when it was not a report or was applied already."""
    change = record["dynamodb"]
    old, new = _report(change.get("OldImage")), _report(change.get("NewImage"))
    subject = new or old
    if subject is None:
        return False
    zone = _zone(subject.tenant)
    before = contributions(old, zone) if old else Counter[CounterKey]()
    after = contributions(new, zone) if new else Counter[CounterKey]()
    changes = delta(before, after)
    if not changes:
        return False
    applied = aggregate_repository().apply(subject.tenant, subject.id, str(change["SequenceNumber"]), changes)
    if not applied:
        logger.info("stream record applied before; skipped", extra={"report_id": subject.id})
    return applied


class RebuildResult(BaseModel):
    tenant: str
    reports: int
    counters: int
    corrected: int


def rebuild_aggregates(tenant_id: str) -> RebuildResult:
    """Recompute a tenant's counters from its reports and correct every counter that differs.

    Run it while the stream is quiet (e.g. after a deploy or a restore): records applied during a rebuild may
    be counted on top of it."""
    tenant = get_tenant(tenant_id)
    return rebuild_aggregates_from(tenant, reports_repository().all_reports(tenant.id))


def rebuild_aggregates_from(tenant: Tenant, all_reports: Iterable[Report]) -> RebuildResult:
    """Make a tenant's counters exactly those of `all_reports`, which must be every report of the tenant.

    `rebuild_aggregates` passes the stored reports; `make bench` passes generated ones to build the counters of
    100,000 reports without writing the reports themselves."""
    expected: Counter[CounterKey] = Counter()
    reports = 0
    for report in all_reports:
        expected.update(contributions(report, tenant.zone))
        reports += 1
    repository = aggregate_repository()
    existing: dict[CounterKey, int] = {
        (pk, sk): count for pk in counter_partitions(tenant.id) for sk, count in repository.read_partition(pk).items()
    }
    corrections = [
        (key, expected.get(key, 0))
        for key in expected.keys() | existing.keys()
        if expected.get(key, 0) != existing.get(key, 0)
    ]
    repository.write_exact(sorted(corrections), expected)
    return RebuildResult(tenant=tenant.id, reports=reports, counters=len(+expected), corrected=len(corrections))


def tenant_counters(tenant_id: str) -> dict[CounterKey, int]:
    """Every non-zero counter of a tenant (for checks and tests: reads whole partitions)."""
    repository = aggregate_repository()
    return {
        (pk, sk): count
        for pk in counter_partitions(tenant_id)
        for sk, count in repository.read_partition(pk).items()
        if count
    }
