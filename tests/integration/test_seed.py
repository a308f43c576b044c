"""Synthetic history of the embedded default: valid, clustered, lifecycle-true and written whole."""

from __future__ import annotations

import copy
import json
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any

import boto3
import pytest

import koban_default
from koban.ids import new_id
from koban.reports.answers import validate_answers
from koban.reports.lifecycle import TRANSITIONS, Status
from koban.reports.models import STAFF_CHANNELS, EventKind, Report, ReportEvent
from koban.tenants.models import Tenant
from koban.tenants.service import get_category, list_categories, list_tenants
from koban_local.seed import (
    EMERGING,
    SEED_DATA,
    SEED_DATA_FILES,
    SeedDataError,
    generate_reports,
    hotspots,
    parse_seed_data,
    seed_all,
    seed_data,
    tenant_random,
)

NOW = datetime(2026, 11, 20, 11, 30, tzinfo=UTC)
DAYS = 90
PER_TENANT = 2500
ID = re.compile(r"^[0-9a-z]{20}$")
History = list[tuple[Report, list[ReportEvent]]]


@pytest.fixture(scope="module")
def histories() -> dict[str, History]:
    """Given every pilot tenant's generated history (seed 2026, the last 90 days)."""
    return {
        tenant.id: list(generate_reports(tenant, PER_TENANT, tenant_random(2026, tenant.id), NOW, DAYS))
        for tenant in list_tenants()
    }


def tenant_by_id() -> dict[str, Tenant]:
    return {tenant.id: tenant for tenant in list_tenants()}


def all_reports(histories: dict[str, History]) -> Iterator[tuple[Report, list[ReportEvent]]]:
    for history in histories.values():
        yield from history


def metres(a_lat: float, a_lon: float, b_lat: float, b_lon: float) -> float:
    north = (a_lat - b_lat) * 111_320
    east = (a_lon - b_lon) * 111_320 * math.cos(math.radians(b_lat))
    return math.hypot(north, east)


def test_generation_is_deterministic_for_a_seed() -> None:
    # Given one tenant, When its history is generated twice with the same seed and once with another
    tenant = list_tenants()[0]
    first = list(generate_reports(tenant, 200, tenant_random(7, tenant.id), NOW, DAYS))
    again = list(generate_reports(tenant, 200, tenant_random(7, tenant.id), NOW, DAYS))
    other = list(generate_reports(tenant, 200, tenant_random(8, tenant.id), NOW, DAYS))

    # Then the same seed gives the very same reports and events, ids included, and another seed does not
    def dump(history: History) -> list[Any]:
        return [(report.model_dump(), [event.model_dump() for event in events]) for report, events in history]

    assert dump(first) == dump(again)
    assert {report.id for report, _ in first}.isdisjoint(report.id for report, _ in other)


def test_every_report_is_valid_inside_its_area_with_valid_answers(histories: dict[str, History]) -> None:
    tenants = tenant_by_id()
    for tenant_id, history in histories.items():
        tenant = tenants[tenant_id]
        codes = {category.code for category in list_categories(tenant)}
        # Then each tenant has exactly the reports asked for, with unique, time-ordered new_id-style ids
        assert len(history) == PER_TENANT
        ids = [report.id for report, _ in history]
        assert len(set(ids)) == len(ids)
        assert all(a[:10] <= b[:10] for a, b in pairwise(ids))
        for report, _ in history:
            # And every report validates as the domain model, in the last 90 days, and is anonymous
            assert Report.model_validate(report.model_dump()) == report
            assert ID.match(report.id)
            millis = (report.received_at - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(milliseconds=1)
            assert report.id[:10] == new_id(millis)[:10]
            assert NOW - timedelta(days=DAYS) <= report.occurred_at <= report.received_at <= NOW
            assert report.has_contact is False
            assert re.fullmatch(r"[0-9a-f]{64}", report.tracking_hash)
            # And lies inside the tenant's bbox when it has a location
            if report.location is not None:
                assert tenant.area.contains(report.location.lat, report.location.lon), report.location
            # And has a category of its tenant, with answers valid for that category's questions
            assert report.category in codes
            category = get_category(tenant, report.category)
            assert category is not None
            assert report.group == category.group
            assert validate_answers(category, report.answers) == []
            # And a written description in a language of the tenant (or English), no placeholder text
            assert report.locale in (*tenant.languages, "en")
            assert len(report.description) > 15
            assert "lorem" not in report.description.lower()
            # And staff channels name the officer who took the report
            assert (report.taken_by is not None) == (report.channel in STAFF_CHANNELS)


def test_every_status_path_follows_the_lifecycle(histories: dict[str, History]) -> None:
    statuses: Counter[Status] = Counter()
    for history in histories.values():
        seen: dict[str, tuple[str, datetime]] = {}
        for report, events in history:
            # Then the history starts with the received event, by the reporter or the officer taking it
            received = events[0]
            assert received.kind is EventKind.RECEIVED
            assert received.to_status is Status.NEW
            assert received.at == report.received_at
            assert received.actor == (report.taken_by or "anonymous")
            assert received.public_note
            # And every later event is an allowed transition from the status before it, in time order
            current = Status.NEW
            for before, event in pairwise(events):
                assert event.kind is EventKind.STATUS_CHANGED
                assert event.from_status is current
                assert event.to_status in TRANSITIONS[current]
                assert before.at < event.at <= NOW
                assert event.public_note
                current = event.to_status
            # And the report reflects its history: status, version, first response, last update
            assert report.status is current
            assert report.version == len(events)
            assert report.updated_at == events[-1].at
            assert report.first_response_at == (events[1].at if len(events) > 1 else None)
            # And a duplicate names an earlier report of the same tenant and category
            if report.status is Status.DUPLICATE:
                assert report.duplicate_of in seen
                category, received_at = seen[report.duplicate_of]
                assert category == report.category
                assert received_at <= report.received_at
            else:
                assert report.duplicate_of is None
            seen[report.id] = (report.category, report.received_at)
            statuses[report.status] += 1

    # And most reports are closed, while some are still open and some are overdue
    total = sum(statuses.values())
    closed = statuses[Status.RESOLVED] + statuses[Status.REFERRED]
    assert closed > 0.6 * total
    for status in (Status.UNCONFIRMED, Status.REJECTED, Status.DUPLICATE, Status.NEW, Status.IN_PROGRESS):
        assert statuses[status] > 0, status
    overdue = [
        report
        for report, _ in all_reports(histories)
        if report.status is Status.NEW and report.first_response_at is None and report.expected_response_at < NOW
    ]
    assert 0.002 * total < len(overdue) < 0.1 * total


def test_municipal_matters_are_mostly_referred(histories: dict[str, History]) -> None:
    municipal = [report for report, _ in all_reports(histories) if report.group == "municipal"]
    referred = [report for report in municipal if report.status is Status.REFERRED]
    assert len(referred) > 0.6 * len(municipal)


def test_night_noise_peaks_at_night_local_time(histories: dict[str, History]) -> None:
    tenants = tenant_by_id()
    hours = [
        report.received_at.astimezone(tenants[report.tenant].zone).hour
        for report, _ in all_reports(histories)
        if report.category == "noise_night"
    ]
    # Then more than half of the night-noise reports arrive between 22:00 and 04:00 local time
    night = sum(1 for hour in hours if hour >= 22 or hour < 4)
    assert len(hours) > 500
    assert night / len(hours) > 0.5


def test_school_traffic_peaks_at_the_school_run(histories: dict[str, History]) -> None:
    tenants = tenant_by_id()
    school_run = total = 0
    for report, _ in all_reports(histories):
        if report.category in ("speeding", "dangerous_parking"):
            local = report.occurred_at.astimezone(tenants[report.tenant].zone)
            minute = local.hour * 60 + local.minute
            total += 1
            school_run += local.isoweekday() <= 5 and (450 <= minute < 540 or 870 <= minute < 990)
    # Then the 3.5 hours of the weekday school run hold a large share of these reports
    assert school_run / total > 0.4


def test_emerging_cluster_ramps_up_in_the_last_ten_days(histories: dict[str, History]) -> None:
    tenants = tenant_by_id()
    for tenant_id, history in histories.items():
        spots = [spot for spot in hotspots(tenants[tenant_id]) if spot.kind == EMERGING]
        assert 1 <= len(spots) <= 2
        for spot in spots:
            counts: dict[str, int] = defaultdict(int)
            for report, _ in history:
                location = report.location
                if report.category != "noise_night" or location is None:
                    continue
                if metres(location.lat, location.lon, spot.lat, spot.lon) > 400:
                    continue
                counts["recent" if report.received_at >= NOW - timedelta(days=10) else "earlier"] += 1
            # Then the last ten days hold several times the earlier ten-day average (80 earlier days)
            earlier_average = counts["earlier"] / ((DAYS - 10) / 10)
            assert counts["recent"] >= 10, (tenant_id, spot, counts)
            assert counts["recent"] >= 4 * max(earlier_average, 1.0), (tenant_id, spot, counts)


def test_hotspots_lie_inside_the_area_apart_from_each_other() -> None:
    for tenant in list_tenants():
        spots = hotspots(tenant)
        assert {spot.kind for spot in spots} >= {"nightlife", "school", "edge", "station", EMERGING}
        for spot in spots:
            assert tenant.area.contains(spot.lat, spot.lon)
            assert 50 <= spot.spread_m <= 300
        assert spots == hotspots(tenant)


def test_seed_data_has_texts_and_answers_for_every_pilot_category() -> None:
    # Given the packaged seed data, When it is loaded
    data = seed_data()

    # Then every built-in category has its own descriptions (a city's own category is described by its plugin's
    # description of it), and its variants' answers fit the questions every pilot asks
    base = {category.code for category in koban_default.base_categories()}
    assert base <= set(data.descriptions)
    for tenant in list_tenants():
        for category in list_categories(tenant):
            for preset in data.variant_answers.get(category.code, ()):
                errors = validate_answers(category, preset)
                wrong = [error for error in errors if error.field.removeprefix("answers.") in preset]
                assert wrong == [], (tenant.id, category.code, wrong)
    assert seed_data() is data  # read once


def raw_seed_data() -> dict[str, Any]:
    return {name: json.loads((SEED_DATA / name).read_text(encoding="utf-8")) for name in SEED_DATA_FILES}


@pytest.mark.parametrize(
    ("file", "path", "value", "message"),
    [
        ("descriptions.json", ["descriptions", "noise_night", "de"], None, r"descriptions\.noise_night .*lacks de"),
        (
            "descriptions.json",
            ["descriptions", "speeding", "nl"],
            ["one"],
            r"descriptions\.speeding\.nl must be a list of 2",
        ),
        ("descriptions.json", ["suffixes", "xx"], ["Extra."], r"suffixes .*has unknown xx"),
        ("notes.json", ["public", "resolved"], None, r"public .*lacks resolved"),
        ("notes.json", ["internal", "fi", 0], "", r"internal\.fi\[0\] must be a non-empty string"),
        (
            "answers.json",
            ["variants", "no_such_category"],
            [{}, {}],
            r"variants\.no_such_category answers a description",
        ),
        ("answers.json", ["weights", "bike_type", "city"], 0, r"weights\.bike_type\.city must be a positive number"),
        ("answers.json", ["plates", "other"], None, r"plates .*lacks other"),
    ],
)
def test_misshapen_seed_data_is_refused_with_the_place_named(
    file: str, path: list[Any], value: Any, message: str
) -> None:
    # Given the packaged seed data with one value changed (None: removed)
    files = copy.deepcopy(raw_seed_data())
    parent = files[file]
    for step in path[:-1]:
        parent = parent[step]
    if value is None:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value

    # When it is checked, Then it is refused with the file and the place named
    with pytest.raises(SeedDataError, match=rf"^seed_data/{re.escape(file)}: {message}"):
        parse_seed_data(files)


def count(client: Any, table: str, **query: Any) -> int:
    """Items matching `query` (a Query with its key condition, or a Scan without), counted page by page."""
    operation = client.query if "KeyConditionExpression" in query else client.scan
    kwargs: dict[str, Any] = {"TableName": table, "Select": "COUNT", **query}
    total = 0
    while True:
        page = operation(**kwargs)
        total += int(page["Count"])
        if "LastEvaluatedKey" not in page:
            return total
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def stored_reports(client: Any, table: str, partitions: list[str]) -> dict[str, dict[str, Any]]:
    """The report items of `partitions`, by partition key (BatchGetItem, 100 keys a call)."""
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(partitions), 100):
        keys = [{"pk": {"S": pk}, "sk": {"S": "#REPORT"}} for pk in partitions[start : start + 100]]
        request: dict[str, Any] = {table: {"Keys": keys}}
        while request:
            reply = client.batch_get_item(RequestItems=request)
            found.update({item["pk"]["S"]: item for item in reply["Responses"].get(table, [])})
            request = reply.get("UnprocessedKeys") or {}
    assert len(found) == len(partitions)
    return found


def test_seeding_writes_every_report_with_its_events(moto_home: dict[str, str]) -> None:
    # Given empty tables, When 150 reports per tenant are seeded
    lines: list[str] = []
    counts = seed_all(150, lines.append, now=NOW)

    # Then every tenant has exactly 150 report items in its queue (QueueIndex), and progress said so
    tenants = list_tenants()
    assert counts == {tenant.id: 150 for tenant in tenants}
    client = boto3.client("dynamodb")
    table = moto_home["ReportsTable"]
    for tenant in tenants:
        queued = count(
            client,
            table,
            IndexName="QueueIndex",
            KeyConditionExpression="tenant_key = :tenant",
            ExpressionAttributeValues={":tenant": {"S": tenant.id}},
        )
        assert queued == 150
        assert any(re.fullmatch(rf"seeded {tenant.id}: 150 reports, \d+ events in [\d.]+ s", line) for line in lines)

    # And every generated report is stored as generated, and the table holds exactly the reports and events
    events_written = 0
    for tenant in tenants:
        history = list(generate_reports(tenant, 150, tenant_random(2026, tenant.id), NOW, DAYS))
        events_written += sum(len(events) for _, events in history)
        stored = stored_reports(client, table, [f"REPORT#{tenant.id}#{report.id}" for report, _ in history])
        for position, (report, events) in enumerate(history):
            item = stored[f"REPORT#{tenant.id}#{report.id}"]
            assert item["status"]["S"] == report.status
            assert item["received_key"]["S"].endswith(report.id)
            assert int(item["version"]["N"]) == len(events)
            if position % 50 == 0:  # a few partitions in full: the report and each of its events
                in_partition = client.query(
                    TableName=table,
                    KeyConditionExpression="pk = :pk",
                    ExpressionAttributeValues={":pk": item["pk"]},
                )["Items"]
                kinds = Counter(element["entity"]["S"] for element in in_partition)
                assert kinds == {"report": 1, "event": len(events)}
    total_items = count(client, table)
    assert total_items == 150 * len(tenants) + events_written

    # And seeding again writes the same keys: nothing is doubled
    seed_all(150, lines.append, now=NOW)
    assert count(client, table) == total_items


def test_seeding_named_tenants_writes_only_theirs(moto_home: dict[str, str]) -> None:
    # Given the queue of every tenant as it is (other tests may have seeded the same tables)
    client = boto3.client("dynamodb")

    def queued(tenant_id: str) -> int:
        return count(
            client,
            moto_home["ReportsTable"],
            IndexName="QueueIndex",
            KeyConditionExpression="tenant_key = :tenant",
            ExpressionAttributeValues={":tenant": {"S": tenant_id}},
        )

    tenants = [tenant.id for tenant in list_tenants()]
    before = {tenant: queued(tenant) for tenant in tenants}
    # When only two tenants are seeded (as the browser tests do, to stay quick), with a seed of their own
    named = tenants[:2]
    counts = seed_all(20, lambda line: None, now=NOW, seed=7, tenants=named)
    # Then those two have 20 more reports in their queue and no other tenant has any more
    assert counts == dict.fromkeys(named, 20)
    assert {tenant: queued(tenant) - before[tenant] for tenant in tenants} == {
        tenant: 20 if tenant in named else 0 for tenant in tenants
    }
