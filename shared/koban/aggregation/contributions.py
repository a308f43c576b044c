"""What one report contributes to the dashboard counters. Counting is by the day the incident occurred, in
the tenant's time zone, so a burst of night noise lands on the nights it happened, not on the day it was read.

AggregatesTable layout (pk / sk → count); every view reads a day range of one partition:
  DAYS#<tenant>          <day>#cat#<category> · <day>#channel#<c> · <day>#lang#<l> · <day>#status#<s>
                         <day>#responded · <day>#resp#<bucket>            (summary, trends)
                         <day>#late · <day>#reopened · <day>#waiting#<due day>   (capability indicators)
  CELLS#<tenant>#r<res>  <day>#<h3 cell>#<category>                        (hotspots, emerging)
  DUE#<tenant>           <day the first response is due>                   (reports still `new`: overdue)
  APPLIED#<tenant>       <report id> → the last stream record applied       (idempotency)
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, tzinfo

from koban.geo import RESOLUTIONS, cell_of
from koban.reports.lifecycle import Status
from koban.reports.models import Report

CounterKey = tuple[str, str]
# Upper bounds (hours) of the time-to-first-response buckets; the median is read off this histogram.
RESPONSE_BUCKETS_HOURS = (1, 2, 4, 8, 12, 24, 48, 72, 120, 168, 336, 720)
UNKNOWN_LANGUAGE = "und"


def days_partition(tenant: str) -> str:
    return f"DAYS#{tenant}"


def cells_partition(tenant: str, resolution: int) -> str:
    return f"CELLS#{tenant}#r{resolution}"


def due_partition(tenant: str) -> str:
    return f"DUE#{tenant}"


def applied_partition(tenant: str) -> str:
    return f"APPLIED#{tenant}"


def counter_partitions(tenant: str) -> list[str]:
    return [days_partition(tenant), due_partition(tenant), *(cells_partition(tenant, r) for r in RESOLUTIONS)]


def response_bucket(hours: float) -> int:
    """The index of the first bucket whose bound is at least `hours` (the last one takes everything longer)."""
    for index, bound in enumerate(RESPONSE_BUCKETS_HOURS):
        if hours <= bound:
            return index
    return len(RESPONSE_BUCKETS_HOURS)


def contributions(report: Report, zone: tzinfo = UTC) -> Counter[CounterKey]:
    tenant = report.tenant
    day = report.occurred_at.astimezone(zone).date().isoformat()
    days = days_partition(tenant)
    language = (report.locale or UNKNOWN_LANGUAGE).split("-")[0].lower()
    counts: Counter[CounterKey] = Counter(
        {
            (days, f"{day}#cat#{report.category}"): 1,
            (days, f"{day}#channel#{report.channel}"): 1,
            (days, f"{day}#lang#{language}"): 1,
            (days, f"{day}#status#{report.status}"): 1,
        }
    )
    if report.first_response_at is not None:
        hours = (report.first_response_at - report.received_at).total_seconds() / 3600
        counts[(days, f"{day}#responded")] += 1
        counts[(days, f"{day}#resp#{response_bucket(hours):02d}")] += 1
        if report.first_response_at > report.expected_response_at:  # answered after the date promised
            counts[(days, f"{day}#late")] += 1
    if report.reopened:
        counts[(days, f"{day}#reopened")] += 1
    if report.location is not None:
        for resolution in RESOLUTIONS:
            cell = cell_of(report.location.lat, report.location.lon, resolution)
            counts[(cells_partition(tenant, resolution), f"{day}#{cell}#{report.category}")] += 1
    if report.status is Status.NEW:
        due_day = report.expected_response_at.astimezone(zone).date().isoformat()
        counts[(due_partition(tenant), due_day)] += 1
        counts[(days, f"{day}#waiting#{due_day}")] += 1  # by the day it occurred, to tell when it is overdue
    return counts


def delta(old: Counter[CounterKey], new: Counter[CounterKey]) -> dict[CounterKey, int]:
    """What to add to each counter to go from `old` to `new` (zero changes left out)."""
    changes = {key: new.get(key, 0) - old.get(key, 0) for key in old.keys() | new.keys()}
    return {key: change for key, change in changes.items() if change}
