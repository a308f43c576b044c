"""Staff side of reports: the queue from indexes, lifecycle transitions, roles and tenant isolation."""

from __future__ import annotations

import pytest

from tests.api import ApiClient, staff_claims
from tests.integration.test_reports_intake import noise_report, queue_ids


def submit(api: ApiClient, tenant: str = "pilot-nl", **overrides: object) -> dict[str, str]:
    reply = api.post(f"/v1/tenants/{tenant}/reports", body=noise_report(tenant, **overrides))
    assert reply.status == 201, reply.body
    receipt: dict[str, str] = reply.json()
    return receipt


def move(
    api: ApiClient, report_id: str, status: str, tenant: str = "pilot-nl", role: str = "officer", **extra: str
) -> tuple[int, dict[str, object]]:
    reply = api.patch(
        f"/v1/tenants/{tenant}/reports/{report_id}",
        body={"status": status, "note": f"Moved to {status}.", **extra},
        claims=staff_claims(tenant, role),
    )
    return reply.status, reply.json()


def test_queue_is_newest_first_and_pages_with_a_cursor(api: ApiClient) -> None:
    ids = [submit(api, "pilot-be")["id"] for _ in range(5)]
    first = api.get("/v1/tenants/pilot-be/reports", claims=staff_claims("pilot-be"), query={"limit": "3"}).json()
    second = api.get(
        "/v1/tenants/pilot-be/reports",
        claims=staff_claims("pilot-be"),
        query={"limit": "3", "cursor": first["next_cursor"]},
    ).json()
    listed = [item["id"] for item in first["items"] + second["items"]]
    assert listed[:5] == list(reversed(ids))
    assert len(set(listed)) == len(listed)


def test_queue_filters_by_status_category_priority_and_unit(api: ApiClient) -> None:
    report_id = submit(api, "pilot-es")["id"]
    staff = api.get(f"/v1/tenants/pilot-es/reports/{report_id}", claims=staff_claims("pilot-es")).json()
    assert report_id in queue_ids(api, "pilot-es", status="new")
    assert report_id in queue_ids(api, "pilot-es", category="noise_night", priority=staff["priority"])
    assert report_id in queue_ids(api, "pilot-es", unit=staff["unit"], status="new")
    assert report_id not in queue_ids(api, "pilot-es", status="resolved")


def test_full_lifecycle_with_notes_for_the_reporter(api: ApiClient) -> None:
    receipt = submit(api)
    for status in ("verifying", "confirmed", "in_progress", "resolved"):
        code, body = move(api, receipt["id"], status)
        assert code == 200, body
        assert body["status"] == status
    view = api.get(
        f"/v1/tenants/pilot-nl/reports/{receipt['id']}",
        headers={"X-Tracking-Token": receipt["tracking_token"]},
    ).json()
    assert view["status"] == "resolved"
    assert [note["status"] for note in view["notes"]] == [
        "new",
        "verifying",
        "confirmed",
        "in_progress",
        "resolved",
    ]
    staff = api.get(f"/v1/tenants/pilot-nl/reports/{receipt['id']}", claims=staff_claims("pilot-nl")).json()
    assert staff["first_response_at"] is not None
    assert [event["to_status"] for event in staff["events"]][-1] == "resolved"
    assert all(event["actor"] for event in staff["events"])


def test_a_transition_that_the_lifecycle_forbids_is_refused_and_changes_nothing(api: ApiClient) -> None:
    report_id = submit(api)["id"]
    code, problem = move(api, report_id, "resolved")
    assert code == 422
    assert "cannot go from 'new' to 'resolved'" in str(problem["detail"])
    staff = api.get(f"/v1/tenants/pilot-nl/reports/{report_id}", claims=staff_claims("pilot-nl")).json()
    assert staff["status"] == "new"
    assert len(staff["events"]) == 1


def test_duplicate_links_to_its_original(api: ApiClient) -> None:
    original = submit(api)["id"]
    copy = submit(api)["id"]
    assert move(api, copy, "duplicate")[0] == 422  # no original named
    assert move(api, copy, "duplicate", duplicate_of=copy)[0] == 422
    code, body = move(api, copy, "duplicate", duplicate_of=original)
    assert code == 200
    assert body["duplicate_of"] == original


def test_reopening_a_closed_report_needs_a_supervisor(api: ApiClient) -> None:
    report_id = submit(api)["id"]
    assert move(api, report_id, "rejected")[0] == 200
    assert move(api, report_id, "verifying")[0] == 403
    assert move(api, report_id, "verifying", role="supervisor")[0] == 200


@pytest.mark.parametrize("role", ["officer", "supervisor", "admin", "partner"])
def test_staff_of_one_tenant_cannot_list_read_or_change_another_tenants_reports(api: ApiClient, role: str) -> None:
    report_id = submit(api, "pilot-fi")["id"]
    intruder = staff_claims("pilot-nl", role)
    assert api.get("/v1/tenants/pilot-fi/reports", claims=intruder).status == 403
    assert api.get(f"/v1/tenants/pilot-fi/reports/{report_id}", claims=intruder).status == 403
    change = {"status": "verifying", "note": "x"}
    assert api.patch(f"/v1/tenants/pilot-fi/reports/{report_id}", body=change, claims=intruder).status == 403
    # And asking its own tenant for the other tenant's id finds nothing
    if role != "partner":
        assert api.get(f"/v1/tenants/pilot-nl/reports/{report_id}", claims=intruder).status == 404
    staff = api.get(f"/v1/tenants/pilot-fi/reports/{report_id}", claims=staff_claims("pilot-fi")).json()
    assert staff["status"] == "new"


def test_partner_role_cannot_read_the_queue(api: ApiClient) -> None:
    assert api.get("/v1/tenants/pilot-nl/reports", claims=staff_claims("pilot-nl", "partner")).status == 403


def test_without_a_token_the_staff_views_answer_401(api: ApiClient) -> None:
    report_id = submit(api)["id"]
    assert api.get("/v1/tenants/pilot-nl/reports").status == 401
    assert api.get(f"/v1/tenants/pilot-nl/reports/{report_id}").status == 401
