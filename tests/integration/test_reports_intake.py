"""Report intake through the reports handler over moto: citizen, staff on behalf, tracking, idempotency."""

from __future__ import annotations

from typing import Any

import pytest

from koban.tenants.service import get_tenant, list_categories, list_tenants
from tests.api import ApiClient, staff_claims


def centre(tenant_id: str) -> dict[str, float]:
    tenant = get_tenant(tenant_id)
    assert tenant.area.centre is not None
    lat, lon = tenant.area.centre
    return {"lat": lat, "lon": lon}


def noise_report(tenant_id: str, **overrides: Any) -> dict[str, Any]:
    report: dict[str, Any] = {
        "category": "noise_night",
        "description": "Loud music from the bar on the corner every night after midnight.",
        "location": centre(tenant_id),
        "answers": {"ongoing": True, "noise_source": "music"},
    }
    report.update(overrides)
    return report


def queue_ids(api: ApiClient, tenant_id: str, **query: str) -> list[str]:
    reply = api.get(f"/v1/tenants/{tenant_id}/reports", claims=staff_claims(tenant_id), query=query or None)
    assert reply.status == 200, reply.body
    return [item["id"] for item in reply.json()["items"]]


@pytest.mark.parametrize("tenant_id", [tenant.id for tenant in list_tenants()])
def test_citizen_report_is_stored_and_followed_with_its_tracking_token(api: ApiClient, tenant_id: str) -> None:
    # Given a resident of each pilot tenant, When they report night noise anonymously
    reply = api.post(f"/v1/tenants/{tenant_id}/reports", body=noise_report(tenant_id))

    # Then they get an id, a tracking token shown once, status new and an expected response date
    assert reply.status == 201, reply.body
    receipt = reply.json()
    assert receipt["status"] == "new"
    assert len(receipt["tracking_token"]) >= 40
    assert receipt["expected_response_at"] > receipt["received_at"]
    assert reply.headers["Location"] == f"/v1/tenants/{tenant_id}/reports/{receipt['id']}"

    # And with the token they see status and the public note, but not the staff view
    view = api.get(
        f"/v1/tenants/{tenant_id}/reports/{receipt['id']}",
        headers={"X-Tracking-Token": receipt["tracking_token"]},
    )
    assert view.status == 200, view.body
    body = view.json()
    assert body["status"] == "new"
    assert body["notes"]
    assert body["notes"][0]["status"] == "new"
    assert "description" not in body
    assert "tracking_hash" not in body
    assert "unit" not in body
    # In one language, the tenant's first, as no Accept-Language was sent
    tenant = get_tenant(tenant_id)
    category = next(c for c in list_categories(tenant) if c.code == "noise_night")
    assert body["category"]["name"] == category.name[tenant.default_language]


def test_wrong_tracking_token_reads_nothing(api: ApiClient) -> None:
    receipt = api.post("/v1/tenants/pilot-nl/reports", body=noise_report("pilot-nl")).json()
    reply = api.get(f"/v1/tenants/pilot-nl/reports/{receipt['id']}", headers={"X-Tracking-Token": "x" * 43})
    assert reply.status == 404
    assert reply.headers["Content-Type"] == "application/problem+json"


def test_token_of_one_tenant_does_not_open_a_report_of_another(api: ApiClient) -> None:
    # Given a report in pilot-pl
    receipt = api.post("/v1/tenants/pilot-pl/reports", body=noise_report("pilot-pl")).json()
    # When its tracking token is tried against pilot-nl with the same id
    reply = api.get(
        f"/v1/tenants/pilot-nl/reports/{receipt['id']}",
        headers={"X-Tracking-Token": receipt["tracking_token"]},
    )
    # Then nothing is found
    assert reply.status == 404


def test_same_idempotency_key_twice_stores_one_report(api: ApiClient) -> None:
    # Given a report sent with an Idempotency-Key
    headers = {"Idempotency-Key": "retry-test-0001-abcdef"}
    before = set(queue_ids(api, "pilot-fi", limit="100"))
    first = api.post("/v1/tenants/pilot-fi/reports", body=noise_report("pilot-fi"), headers=headers)
    # When the client retries it
    second = api.post("/v1/tenants/pilot-fi/reports", body=noise_report("pilot-fi"), headers=headers)
    # Then both answers are the same report, and the queue holds exactly one new report
    assert first.status == 201
    assert second.status == 201
    assert first.json()["id"] == second.json()["id"]
    after = set(queue_ids(api, "pilot-fi", limit="100"))
    assert after - before == {first.json()["id"]}


def test_idempotency_key_reused_for_another_body_is_refused(api: ApiClient) -> None:
    headers = {"Idempotency-Key": "retry-test-0002-abcdef"}
    assert api.post("/v1/tenants/pilot-es/reports", body=noise_report("pilot-es"), headers=headers).status == 201
    other = noise_report("pilot-es", description="Something else entirely")
    reply = api.post("/v1/tenants/pilot-es/reports", body=other, headers=headers)
    assert reply.status == 422
    assert reply.json()["errors"][0]["field"] == "header.Idempotency-Key"


def test_staff_takes_a_phone_report_on_behalf_of_a_resident(api: ApiClient) -> None:
    # Given an officer of pilot-pt taking a phone call from a resident without a smartphone
    body = noise_report(
        "pilot-pt",
        channel="phone",
        contact={"name": "Maria Silva", "phone": "+351 912 345 678", "consent": True},
    )
    reply = api.post("/v1/tenants/pilot-pt/reports", body=body, claims=staff_claims("pilot-pt"))
    assert reply.status == 201, reply.body
    report_id = reply.json()["id"]
    # Then the staff view shows the channel and who took it, and the contact only when asked (audited)
    staff = api.get(f"/v1/tenants/pilot-pt/reports/{report_id}", claims=staff_claims("pilot-pt")).json()
    assert staff["channel"] == "phone"
    assert staff["taken_by"] == "test-officer-pilot-pt"
    assert staff["has_contact"] is True
    assert staff["contact"] is None
    with_contact = api.get(
        f"/v1/tenants/pilot-pt/reports/{report_id}",
        claims=staff_claims("pilot-pt"),
        query={"include": "contact"},
    ).json()
    assert with_contact["contact"]["phone"] == "+351 912 345 678"
    again = api.get(f"/v1/tenants/pilot-pt/reports/{report_id}", claims=staff_claims("pilot-pt")).json()
    assert [event["kind"] for event in again["events"]].count("contact_viewed") == 1


def test_a_citizen_cannot_claim_a_staff_channel(api: ApiClient) -> None:
    reply = api.post("/v1/tenants/pilot-be/reports", body=noise_report("pilot-be", channel="phone"))
    assert reply.status == 422
    assert reply.json()["errors"][0]["field"] == "channel"


def test_contact_without_consent_is_refused(api: ApiClient) -> None:
    body = noise_report("pilot-nl", contact={"email": "a@example.org", "consent": False})
    reply = api.post("/v1/tenants/pilot-nl/reports", body=body)
    assert reply.status == 422
    assert reply.json()["errors"][0]["field"].startswith("contact")


def test_address_instead_of_location_is_accepted(api: ApiClient) -> None:
    body = noise_report("pilot-nl", address="Damstraat 1, Amsterdam")
    del body["location"]
    assert api.post("/v1/tenants/pilot-nl/reports", body=body).status == 201
