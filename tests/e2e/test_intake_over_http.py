"""What a new user tries first, over HTTP through the local gateway (DESIGN §4 contracts)."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
import requests

from tests.e2e.conftest import bearer

TENANTS = ["pilot-nl", "pilot-pl", "pilot-fi", "pilot-es", "pilot-pt", "pilot-be"]


def tenant_centres(http: requests.Session, base_url: str) -> dict[str, dict[str, float]]:
    items = http.get(f"{base_url}/v1/tenants", timeout=10).json()["items"]
    centres = {}
    for item in items:
        west, south, east, north = item["area"]["bbox"]
        centres[item["id"]] = {"lat": (south + north) / 2, "lon": (west + east) / 2}
    return centres


def report(location: dict[str, float], **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "category": "illegal_dumping",
        "description": "Mattresses and bags of rubbish dumped behind the sports hall.",
        "location": location,
        "answers": {"waste_type": ["furniture", "household"], "volume": "van_load"},
    }
    body.update(overrides)
    return body


def test_tenants_follow_the_contract(http: requests.Session, base_url: str) -> None:
    reply = http.get(f"{base_url}/v1/tenants", timeout=10)
    assert reply.status_code == 200
    items = reply.json()["items"]
    assert sorted(item["id"] for item in items) == sorted(TENANTS)
    for item in items:
        assert {"id", "name", "languages", "timezone", "area", "units"} <= set(item)
        assert len(item["area"]["bbox"]) == 4
        assert item["units"]


def test_categories_are_localised_by_accept_language(http: requests.Session, base_url: str) -> None:
    polish = http.get(f"{base_url}/v1/tenants/pilot-pl/categories", headers={"Accept-Language": "pl"}, timeout=10)
    english = http.get(f"{base_url}/v1/tenants/pilot-pl/categories", headers={"Accept-Language": "en"}, timeout=10)
    assert polish.json()["language"] == "pl"
    names_pl = {item["code"]: item["name"] for item in polish.json()["items"]}
    names_en = {item["code"]: item["name"] for item in english.json()["items"]}
    assert names_pl["noise_night"] != names_en["noise_night"]
    assert {"code", "name", "group", "questions", "sensitive"} <= set(polish.json()["items"][0])


@pytest.mark.parametrize("tenant", TENANTS)
def test_a_report_for_each_pilot_is_read_back_with_its_tracking_token(
    http: requests.Session, base_url: str, tenant: str
) -> None:
    location = tenant_centres(http, base_url)[tenant]
    created = http.post(f"{base_url}/v1/tenants/{tenant}/reports", json=report(location), timeout=10)
    assert created.status_code == 201, created.text
    receipt = created.json()
    view = http.get(
        f"{base_url}/v1/tenants/{tenant}/reports/{receipt['id']}",
        headers={"X-Tracking-Token": receipt["tracking_token"]},
        timeout=10,
    )
    assert view.status_code == 200
    assert view.json()["status"] == "new"
    assert view.json()["expected_response_at"] == receipt["expected_response_at"]


def test_the_same_idempotency_key_twice_gives_one_report(http: requests.Session, base_url: str) -> None:
    location = tenant_centres(http, base_url)["pilot-nl"]
    key = str(uuid.uuid4())
    first = http.post(
        f"{base_url}/v1/tenants/pilot-nl/reports",
        json=report(location),
        headers={"Idempotency-Key": key},
        timeout=10,
    )
    second = http.post(
        f"{base_url}/v1/tenants/pilot-nl/reports",
        json=report(location),
        headers={"Idempotency-Key": key},
        timeout=10,
    )
    assert first.json()["id"] == second.json()["id"]
    queue = http.get(
        f"{base_url}/v1/tenants/pilot-nl/reports",
        params={"limit": 100},
        headers=bearer("pilot-nl"),
        timeout=10,
    ).json()
    assert [item["id"] for item in queue["items"]].count(first.json()["id"]) == 1


def test_a_staff_token_of_one_tenant_cannot_list_read_or_change_another(http: requests.Session, base_url: str) -> None:
    location = tenant_centres(http, base_url)["pilot-be"]
    report_id = http.post(f"{base_url}/v1/tenants/pilot-be/reports", json=report(location), timeout=10).json()["id"]
    dutch = bearer("pilot-nl", "admin")
    assert http.get(f"{base_url}/v1/tenants/pilot-be/reports", headers=dutch, timeout=10).status_code == 403
    assert http.get(f"{base_url}/v1/tenants/pilot-be/reports/{report_id}", headers=dutch, timeout=10).status_code == 403
    change = http.patch(
        f"{base_url}/v1/tenants/pilot-be/reports/{report_id}",
        headers=dutch,
        json={"status": "verifying", "note": "x"},
        timeout=10,
    )
    assert change.status_code == 403
    own = http.get(f"{base_url}/v1/tenants/pilot-be/reports/{report_id}", headers=bearer("pilot-be"), timeout=10)
    assert own.json()["status"] == "new"


def test_staff_routes_without_a_token_are_refused_by_the_gateway(http: requests.Session, base_url: str) -> None:
    reply = http.get(f"{base_url}/v1/tenants/pilot-nl/reports", timeout=10)
    assert reply.status_code == 401
    assert reply.headers["Content-Type"].startswith("application/problem+json")
    forged = http.get(
        f"{base_url}/v1/tenants/pilot-nl/reports", headers={"Authorization": "Bearer abc.def.ghi"}, timeout=10
    )
    assert forged.status_code == 401


MALFORMED: list[tuple[str, Any, dict[str, str]]] = [
    ("wrong types", {"category": 5, "description": ["x"], "location": "here"}, {}),
    ("missing fields", {}, {}),
    (
        "1 MB description",
        {"category": "noise_night", "description": "x" * 1_000_000, "location": {"lat": 52.37, "lon": 4.89}},
        {},
    ),
    (
        "coordinates out of range",
        {"category": "noise_night", "description": "x", "location": {"lat": 200, "lon": -500}},
        {},
    ),
    (
        "outside the area",
        {"category": "noise_night", "description": "x", "location": {"lat": 60.17, "lon": 24.94}},
        {},
    ),
    (
        "unknown category",
        {"category": "ufo_sighting", "description": "x", "location": {"lat": 52.37, "lon": 4.89}},
        {},
    ),
    ("deep JSON", "[" * 100_000 + "]" * 100_000, {}),
    (
        "odd unicode",
        '{"category": "noise_night", "description": "\\udfff\\ud800", "location": {"lat": 52.37, "lon": 4.89}}',
        {},
    ),
    (
        "injection strings",
        {
            "category": "noise_night'; DROP TABLE reports;--",
            "description": "<script>x</script>",
            "location": {"lat": 52.37, "lon": 4.89},
        },
        {},
    ),
    ("not JSON", "category=noise_night", {}),
    ("form content type", "category=noise_night", {"Content-Type": "application/x-www-form-urlencoded"}),
]


@pytest.mark.parametrize(("case", "body", "headers"), MALFORMED, ids=[case for case, _, _ in MALFORMED])
def test_malformed_requests_get_a_4xx_problem_and_store_nothing(
    http: requests.Session, base_url: str, case: str, body: Any, headers: dict[str, str]
) -> None:
    before = http.get(
        f"{base_url}/v1/tenants/pilot-nl/reports",
        params={"limit": 100},
        headers=bearer("pilot-nl"),
        timeout=10,
    ).json()["items"]
    data = body if isinstance(body, str) else json.dumps(body)
    sent_headers = {"Content-Type": "application/json", **headers}
    reply = http.post(
        f"{base_url}/v1/tenants/pilot-nl/reports", data=data.encode("utf-8"), headers=sent_headers, timeout=30
    )
    assert 400 <= reply.status_code < 500, (case, reply.status_code, reply.text[:300])
    assert reply.headers["Content-Type"].startswith("application/problem+json"), reply.headers
    problem = reply.json()
    assert problem["status"] == reply.status_code
    assert problem["detail"]
    assert "Traceback" not in reply.text
    after = http.get(
        f"{base_url}/v1/tenants/pilot-nl/reports",
        params={"limit": 100},
        headers=bearer("pilot-nl"),
        timeout=10,
    ).json()["items"]
    assert after == before


def test_unknown_tenant_and_unknown_route_are_problem_404s(http: requests.Session, base_url: str) -> None:
    tenant = http.get(f"{base_url}/v1/tenants/pilot-xx/categories", timeout=10)
    route = http.get(f"{base_url}/v1/nothing/here", timeout=10)
    for reply in (tenant, route):
        assert reply.status_code == 404
        assert reply.headers["Content-Type"].startswith("application/problem+json")


def test_openapi_and_swagger_ui_are_served_offline(http: requests.Session, base_url: str) -> None:
    spec = http.get(f"{base_url}/v1/openapi.json", timeout=10)
    assert spec.status_code == 200
    assert "/v1/tenants/{tenant}/reports" in spec.json()["paths"]
    docs = http.get(f"{base_url}/v1/docs", timeout=10)
    assert docs.status_code == 200
    assert "swagger" in docs.text.lower()
    assert "https://" not in docs.text.split("<body")[0] or "cdn" not in docs.text.lower()


def test_cors_preflight_is_answered(http: requests.Session, base_url: str) -> None:
    reply = http.options(
        f"{base_url}/v1/tenants/pilot-nl/reports",
        headers={"Origin": "https://app.example", "Access-Control-Request-Method": "POST"},
        timeout=10,
    )
    assert reply.status_code in (200, 204)
    assert reply.headers.get("Access-Control-Allow-Origin")
