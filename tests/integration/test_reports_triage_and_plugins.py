"""Triage and routing through rules and hooks, end to end: the tenant's clock decides, and city plugins
hear about new reports without being able to undo them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from koban.plugins import hookimpl
from koban.plugins.host import plugin_manager
from tests.api import ApiClient, staff_claims
from tests.integration.test_reports_intake import centre


def last_weekday_at(hour: int, zone: str) -> str:
    """A recent Tuesday at `hour` local time, as ISO 8601 with the local offset."""
    now = datetime.now(ZoneInfo(zone))
    day = now - timedelta(days=(now.weekday() - 1) % 7 or 7)
    return day.replace(hour=hour, minute=15, second=0, microsecond=0).isoformat()


def speeding(tenant: str, occurred_at: str) -> dict[str, Any]:
    return {
        "category": "speeding",
        "description": "Cars racing past the primary school entrance.",
        "location": centre(tenant),
        "occurred_at": occurred_at,
        "answers": {"vehicle_type": "car", "near_school": True},
    }


def staff_view(api: ApiClient, tenant: str, report_id: str) -> dict[str, Any]:
    reply = api.get(f"/v1/tenants/{tenant}/reports/{report_id}", claims=staff_claims(tenant))
    assert reply.status == 200, reply.body
    body: dict[str, Any] = reply.json()
    return body


@pytest.mark.parametrize(("tenant", "zone"), [("pilot-nl", "Europe/Amsterdam"), ("pilot-fi", "Europe/Helsinki")])
def test_speeding_near_a_school_is_high_priority_in_school_hours_of_the_tenants_clock(
    api: ApiClient, tenant: str, zone: str
) -> None:
    # Given speeding near a school at 08:15 local time on a Tuesday, and the same at 23:15
    morning = api.post(f"/v1/tenants/{tenant}/reports", body=speeding(tenant, last_weekday_at(8, zone))).json()
    night = api.post(f"/v1/tenants/{tenant}/reports", body=speeding(tenant, last_weekday_at(23, zone))).json()
    # Then the morning one is high priority with a 24-hour deadline, the night one normal; both go to traffic
    first, second = staff_view(api, tenant, morning["id"]), staff_view(api, tenant, night["id"])
    assert (first["priority"], second["priority"]) == ("high", "normal")
    assert first["unit"] == second["unit"] == "traffic_unit"
    received = datetime.fromisoformat(first["received_at"])
    assert datetime.fromisoformat(first["expected_response_at"]) - received == timedelta(hours=24)


def test_a_municipal_problem_is_routed_to_the_municipality(api: ApiClient) -> None:
    body = {
        "category": "street_lighting",
        "description": "Three street lights out on the bridge.",
        "location": centre("pilot-pt"),
        "answers": {"problem": "out", "lamps_affected": 3},
    }
    reply = api.post("/v1/tenants/pilot-pt/reports", body=body)
    assert reply.status == 201, reply.body
    assert staff_view(api, "pilot-pt", reply.json()["id"])["unit"] == "municipality"


class Listener:
    """A city plugin that wants to hear of every new report."""

    def __init__(self) -> None:
        self.heard: list[dict[str, Any]] = []

    @hookimpl
    def koban_report_received(self, tenant: Any, report: dict[str, Any]) -> None:
        self.heard.append(report)


class Broken:
    @hookimpl
    def koban_report_received(self, tenant: Any, report: dict[str, Any]) -> None:
        raise RuntimeError("the notification service is down")


@pytest.fixture
def plugins() -> Iterator[tuple[Listener, Broken]]:
    listener, broken = Listener(), Broken()
    manager = plugin_manager()
    manager.register(listener, name="test-listener")
    manager.register(broken, name="test-broken")
    yield listener, broken
    manager.unregister(listener)
    manager.unregister(broken)


def test_plugins_hear_of_new_reports_and_a_failing_one_undoes_nothing(
    api: ApiClient, plugins: tuple[Listener, Broken]
) -> None:
    listener, _ = plugins
    reply = api.post("/v1/tenants/pilot-es/reports", body=speeding("pilot-es", last_weekday_at(12, "Europe/Madrid")))
    assert reply.status == 201, reply.body
    report_id = reply.json()["id"]
    assert [report["id"] for report in listener.heard] == [report_id]
    assert "tracking_hash" not in listener.heard[0]
    assert staff_view(api, "pilot-es", report_id)["status"] == "new"
