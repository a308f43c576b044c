"""The aggregation stream consumer over moto: counters follow reports and their lifecycle, replays change
nothing, and a rebuild from the reports gives the same numbers."""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import boto3
import pytest

from koban.aggregation.service import rebuild_aggregates, tenant_counters
from koban_local.functions import LocalLambdaContext, load_handler
from koban_local.streams import StreamPoller
from koban_local.template import Template
from tests.api import ApiClient, staff_claims
from tests.integration.test_reports_intake import centre

TENANT = "pilot-pt"


@dataclass
class Consumer:
    """The aggregation handler fed by the local stream poller, as in the embedded default."""

    poller: StreamPoller
    handler: Any
    events: list[dict[str, Any]] = field(default_factory=list)

    def catch_up(self) -> None:
        self.poller.drain(timeout=60)


@pytest.fixture(scope="module")
def consumer(moto_home: dict[str, str], template: Template) -> Iterator[Consumer]:
    function = template.functions["AggregationFunction"]
    handler = load_handler(function.code_uri, function.handler, {})
    events: list[dict[str, Any]] = []

    def recording(event: dict[str, Any], context: Any) -> dict[str, Any]:
        events.append(copy.deepcopy(event))
        response: dict[str, Any] = handler(event, context)
        return response

    poller = StreamPoller(
        template,
        {"AggregationFunction": recording},
        moto_home,
        dynamodb_client=boto3.client("dynamodb"),
        streams_client=boto3.client("dynamodbstreams"),
        poll_interval=0.05,
    )
    with poller:
        yield Consumer(poller, handler, events)


@pytest.fixture(scope="module")
def history(api: ApiClient, consumer: Consumer) -> list[str]:
    """Given reports of two categories, four places and five days, four of them taken to `resolved`."""
    location = centre(TENANT)
    now = datetime.now(UTC)
    ids = []
    for index in range(12):
        noise = index % 3 != 0
        body = {
            "category": "noise_night" if noise else "illegal_dumping",
            "description": f"Report number {index} for the aggregation test.",
            "location": {"lat": location["lat"] + 0.004 * (index % 4), "lon": location["lon"]},
            "occurred_at": (now - timedelta(days=index % 5, hours=1)).isoformat(),
            "answers": {"noise_source": "music", "ongoing": True} if noise else {"waste_type": ["household"]},
            "locale": "pt" if index % 2 else "en",
        }
        reply = api.post(f"/v1/tenants/{TENANT}/reports", body=body)
        assert reply.status == 201, reply.body
        ids.append(reply.json()["id"])
    officer = staff_claims(TENANT)
    for report_id in ids[:4]:
        for status in ("verifying", "confirmed", "in_progress", "resolved"):
            change = {"status": status, "note": "Working on it."}
            assert api.patch(f"/v1/tenants/{TENANT}/reports/{report_id}", body=change, claims=officer).status == 200
    consumer.catch_up()
    return ids


def counted(counters: dict[tuple[str, str], int], kind: str) -> int:
    return sum(count for (pk, sk), count in counters.items() if pk == f"DAYS#{TENANT}" and f"#{kind}#" in sk)


def test_counters_follow_the_reports_and_their_lifecycle(history: list[str]) -> None:
    counters = tenant_counters(TENANT)
    # Every report counts once per dimension, whatever its status changes were
    assert counted(counters, "cat") == len(history)
    assert counted(counters, "channel") == len(history)
    assert counted(counters, "status") == len(history)
    statuses: Counter[str] = Counter()
    for (_, sk), count in counters.items():
        if "#status#" in sk:
            statuses[sk.rsplit("#", 1)[1]] += count
    assert +statuses == {"resolved": 4, "new": 8}
    # Two resolutions of cells, each holding every located report once
    for resolution in (9, 7):
        cells = [n for (pk, _), n in counters.items() if pk == f"CELLS#{TENANT}#r{resolution}"]
        assert sum(cells) == len(history)
    # Only reports still `new` wait for a first response
    assert sum(n for (pk, _), n in counters.items() if pk == f"DUE#{TENANT}") == 8


def test_replaying_every_stream_record_changes_nothing(history: list[str], consumer: Consumer) -> None:
    before = tenant_counters(TENANT)
    assert consumer.events, "the poller delivered the stream"
    for event in consumer.events:
        response = consumer.handler(copy.deepcopy(event), LocalLambdaContext("AggregationFunction"))
        assert response["batchItemFailures"] == []
    assert tenant_counters(TENANT) == before


def test_a_rebuild_from_the_reports_gives_identical_numbers(history: list[str]) -> None:
    before = tenant_counters(TENANT)
    result = rebuild_aggregates(TENANT)
    assert result.reports == len(history)
    assert result.corrected == 0, "the stream-maintained counters differ from the rebuild"
    assert tenant_counters(TENANT) == before


def test_a_rebuild_repairs_counters_that_went_wrong(history: list[str]) -> None:
    from koban.aggregation.service import aggregate_repository

    good = tenant_counters(TENANT)
    some_key = next(iter(sorted(good)))
    wrong = {**good, some_key: good[some_key] + 7, (f"DAYS#{TENANT}", "2001-01-01#cat#x"): 3}
    aggregate_repository().write_exact(
        [(some_key, wrong[some_key]), ((f"DAYS#{TENANT}", "2001-01-01#cat#x"), 3)], wrong
    )
    assert tenant_counters(TENANT) != good
    assert rebuild_aggregates(TENANT).corrected == 2
    assert tenant_counters(TENANT) == good
    # And the item the rebuild emptied is gone, so no view reads it any more
    from koban.aggregation.storage import physical
    from koban.aws import client
    from koban.dynamo import serialize
    from koban.settings import get_settings

    (pk, sk), _ = physical((f"DAYS#{TENANT}", "2001-01-01#cat#x"))
    key = serialize({"pk": pk, "sk": sk})
    emptied = client("dynamodb").get_item(TableName=get_settings().aggregates_table, Key=key)
    assert "Item" not in emptied


def test_dashboard_views_read_the_counters(api: ApiClient, history: list[str]) -> None:
    officer = staff_claims(TENANT)
    hotspots = api.get(f"/v1/tenants/{TENANT}/dashboard/hotspots", claims=officer).json()
    assert hotspots["type"] == "FeatureCollection"
    assert sum(feature["properties"]["count"] for feature in hotspots["features"]) == len(history)
    assert hotspots["features"][0]["geometry"]["type"] == "Polygon"
    coarse = api.get(f"/v1/tenants/{TENANT}/dashboard/hotspots", claims=officer, query={"resolution": "7"}).json()
    assert len(coarse["features"]) <= len(hotspots["features"])
    noise_only = api.get(
        f"/v1/tenants/{TENANT}/dashboard/hotspots", claims=officer, query={"categories": "noise_night"}
    ).json()
    assert sum(f["properties"]["count"] for f in noise_only["features"]) == 8
    trends = api.get(f"/v1/tenants/{TENANT}/dashboard/trends", claims=officer).json()
    assert {series["category"]: series["total"] for series in trends["series"]} == {
        "noise_night": 8,
        "illegal_dumping": 4,
    }
    assert len(trends["series"][0]["points"]) == 30
    weekly = api.get(f"/v1/tenants/{TENANT}/dashboard/trends", claims=officer, query={"interval": "week"}).json()
    assert sum(point["count"] for point in weekly["series"][0]["points"]) == weekly["series"][0]["total"]
    summary = api.get(f"/v1/tenants/{TENANT}/dashboard/summary", claims=officer).json()
    assert summary["volume"] == len(history)
    assert summary["by_language"] == {"pt": 6, "en": 6}
    assert summary["share_resolved"] == round(4 / 12, 4)
    assert summary["share_given_feedback"] == round(4 / 12, 4)
    assert summary["median_hours_to_first_response"] is not None


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"from": "2026-13-01"}, "query.from"),
        ({"from": "2020-01-01", "to": "2026-01-01"}, "query.from"),
        ({"categories": "noise_night,ufo"}, "query.categories"),
        ({"resolution": "5"}, "query.resolution"),
    ],
)
def test_bad_dashboard_queries_name_the_parameter(api: ApiClient, query: dict[str, str], field: str) -> None:
    reply = api.get(f"/v1/tenants/{TENANT}/dashboard/hotspots", claims=staff_claims(TENANT), query=query)
    assert reply.status == 422, reply.body
    assert field in [error["field"] for error in reply.json()["errors"]]


def test_the_dashboard_is_for_the_tenants_staff_only(api: ApiClient) -> None:
    assert api.get(f"/v1/tenants/{TENANT}/dashboard/summary").status == 401
    assert api.get(f"/v1/tenants/{TENANT}/dashboard/summary", claims=staff_claims("pilot-nl")).status == 403
    assert api.get(f"/v1/tenants/{TENANT}/dashboard/summary", claims=staff_claims(TENANT, "partner")).status == 403


def test_a_burst_of_night_noise_in_one_block_is_emerging(api: ApiClient, consumer: Consumer) -> None:
    # Given a quiet background of a few reports across the city over the last five weeks
    tenant, zone = "pilot-be", ZoneInfo("Europe/Brussels")
    location = centre(tenant)
    today = datetime.now(zone).date()

    def report(lat: float, lon: float, occurred: datetime, category: str = "noise_night") -> None:
        answers: dict[str, Any] = (
            {"noise_source": "party", "ongoing": True} if category == "noise_night" else {"waste_type": ["household"]}
        )
        body = {
            "category": category,
            "description": "Party noise from the flat above until four in the morning.",
            "location": {"lat": lat, "lon": lon},
            "occurred_at": occurred.isoformat(),
            "answers": answers,
        }
        assert api.post(f"/v1/tenants/{tenant}/reports", body=body).status == 201

    for index in range(20):
        day = today - timedelta(days=3 + index)
        occurred = datetime.combine(day, datetime.min.time(), zone).replace(hour=23)
        report(location["lat"] + 0.01 * (index % 5), location["lon"] - 0.01 * (index % 4), occurred)
    # When thirty residents of one block report night noise over three nights
    block = {"lat": location["lat"] + 0.0312, "lon": location["lon"] + 0.0217}
    for index in range(30):
        night = today - timedelta(days=index % 3)
        occurred = datetime.combine(night, datetime.min.time(), zone).replace(hour=0, minute=index)
        report(block["lat"] + 0.0002 * (index % 3), block["lon"], occurred)
    consumer.catch_up()
    # Then that block and category top the emerging list, with a plain explanation, and nothing else shows
    reply = api.get(
        f"/v1/tenants/{tenant}/dashboard/emerging", claims=staff_claims(tenant), headers={"Accept-Language": "fr"}
    )
    assert reply.status == 200, reply.body
    items = reply.json()["items"]
    assert items, "the burst was not detected"
    top = items[0]
    assert top["category"] == "noise_night"
    assert top["recent_count"] >= 28
    assert top["score"] > 3
    assert "30" in top["explanation"] or str(top["recent_count"]) in top["explanation"]
    assert len(items) == 1
    # and the answer names its windows, and calls the cell a block ("îlot")
    assert (reply.json()["recent_days"], reply.json()["baseline_days"]) == (7, 28)
    assert "dans cet îlot" in top["explanation"]
    # When the same is asked of neighbourhoods over other windows
    coarse = api.get(
        f"/v1/tenants/{tenant}/dashboard/emerging",
        claims=staff_claims(tenant),
        headers={"Accept-Language": "fr"},
        query={"resolution": "7", "recent_days": "3", "baseline_days": "21"},
    ).json()
    # Then the windows are the ones asked for, and the explanation speaks of a neighbourhood, never a block
    assert (coarse["recent_days"], coarse["baseline_days"]) == (3, 21)
    assert coarse["items"], "the burst's neighbourhood was not detected"
    assert "dans ce quartier" in coarse["items"][0]["explanation"]
    assert "îlot" not in coarse["items"][0]["explanation"]


def test_the_public_view_is_coarse_k_anonymous_and_without_sensitive_categories(
    api: ApiClient, consumer: Consumer
) -> None:
    # Given six noise reports and six hate incidents in one neighbourhood, and three noise reports in another
    tenant = "pilot-es"
    location = centre(tenant)
    far = {"lat": location["lat"] - 0.06, "lon": location["lon"] + 0.08}

    def report(where: dict[str, float], category: str) -> None:
        answers: dict[str, Any] = (
            {"noise_source": "music", "ongoing": False}
            if category == "noise_night"
            else {"incident_type": "verbal", "ongoing": False}
        )
        body = {
            "category": category,
            "description": "Details only staff may read.",
            "location": where,
            "answers": answers,
        }
        assert api.post(f"/v1/tenants/{tenant}/reports", body=body).status == 201

    for _ in range(6):
        report(location, "noise_night")
        report(location, "hate_incident")
    for _ in range(3):
        report(far, "noise_night")
    consumer.catch_up()
    # When anyone reads the public view
    reply = api.get(f"/v1/tenants/{tenant}/public/hotspots")
    assert reply.status == 200, reply.body
    view = reply.json()
    # Then only the neighbourhood with at least k reports shows, without the sensitive category or any text
    assert view["properties"]["resolution"] == 7
    assert view["properties"]["min_reports_per_cell"] == 5
    counts = [feature["properties"]["count"] for feature in view["features"]]
    assert counts == [6]
    assert view["features"][0]["properties"]["by_category"] == {"noise_night": 6}
    assert "hate_incident" not in reply.body
    assert "Details only staff" not in reply.body
    # While staff see everything, at block resolution
    staff = api.get(f"/v1/tenants/{tenant}/dashboard/hotspots", claims=staff_claims(tenant)).json()
    assert sum(feature["properties"]["count"] for feature in staff["features"]) == 15
