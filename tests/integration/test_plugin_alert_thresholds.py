"""A pilot's `alert_threshold` rule decides how many reports of a category in one block the dashboard needs before
it flags an emerging problem: the same burst is news in one city and routine in another."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from koban.tenants.service import get_category, get_tenant
from tests.api import ApiClient, staff_claims
from tests.integration.test_aggregation import Consumer, consumer  # noqa: F401 - the stream consumer fixture
from tests.integration.test_reports_intake import centre

BURST = 10


def speeding_reports(api: ApiClient, tenant_id: str) -> None:
    """A quiet background of speeding across the city for five weeks, then BURST reports from one block over the
    three days before today."""
    zone = get_tenant(tenant_id).zone
    today = datetime.now(zone).date()
    location = centre(tenant_id)

    def post(lat: float, lon: float, day: int, hour: int) -> None:
        occurred = datetime.combine(today - timedelta(days=day), datetime.min.time(), zone).replace(hour=hour)
        body: dict[str, Any] = {
            "category": "speeding",
            "description": "Cars racing down the street far above the limit.",
            "location": {"lat": lat, "lon": lon},
            "occurred_at": occurred.isoformat(),
            "answers": {"vehicle_type": "car", "near_school": False},
        }
        assert api.post(f"/v1/tenants/{tenant_id}/reports", body=body).status == 201

    for index in range(12):
        post(location["lat"] + 0.01 * (index % 4), location["lon"] - 0.01 * (index % 3), 4 + 2 * index, 18)
    for index in range(BURST):
        post(
            location["lat"] + 0.0312, location["lon"] + 0.0217, 1 + index % 3, 8
        )  # 08:00 of the last 3 days: past at any hour


def emerging_speeding(api: ApiClient, tenant_id: str) -> list[dict[str, Any]]:
    reply = api.get(f"/v1/tenants/{tenant_id}/dashboard/emerging", claims=staff_claims(tenant_id))
    assert reply.status == 200, reply.body
    return [item for item in reply.json()["items"] if item["category"] == "speeding"]


def test_the_same_speeding_burst_is_flagged_in_amsterdam_but_not_in_warsaw(
    api: ApiClient,
    consumer: Consumer,  # noqa: F811 - the fixture imported above
) -> None:
    # Given Warsaw's rule (speeding is KMZB's most reported category: 15 reports in a block) and Amsterdam's
    # (no threshold of its own: the dashboard's 5)
    warsaw = get_category(get_tenant("pilot-pl"), "speeding")
    amsterdam = get_category(get_tenant("pilot-nl"), "speeding")
    assert warsaw is not None
    assert amsterdam is not None
    assert (warsaw.alert_threshold, amsterdam.alert_threshold) == (15, None)
    # When the same burst of ten speeding reports from one block reaches both dashboards
    for tenant_id in ("pilot-pl", "pilot-nl"):
        speeding_reports(api, tenant_id)
    consumer.catch_up()
    # Then Amsterdam's dashboard flags the block and Warsaw's does not
    flagged = emerging_speeding(api, "pilot-nl")
    assert [item["recent_count"] for item in flagged] == [BURST]
    assert emerging_speeding(api, "pilot-pl") == []
