"""Community priorities: staff propose, residents vote once per device, staff answer, everyone reads the answer."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.api import ApiClient, staff_claims

TENANT = "pilot-fi"


def propose(api: ApiClient, title: str = "Safer walk to school on Mannerheimintie") -> dict[str, Any]:
    body = {
        "title": title,
        "description": "Speeding at the school crossing in the morning; more checks and a new crossing light.",
        "area_name": "Töölö",
    }
    reply = api.post(f"/v1/tenants/{TENANT}/priorities", body=body, claims=staff_claims(TENANT))
    assert reply.status == 201, reply.body
    created: dict[str, Any] = reply.json()
    return created


def vote(api: ApiClient, priority_id: str, voter: str) -> tuple[int, dict[str, Any]]:
    reply = api.post(f"/v1/tenants/{TENANT}/public/priorities/{priority_id}/votes", body={"voter": voter})
    return reply.status, reply.json()


def test_residents_vote_once_per_device(api: ApiClient) -> None:
    priority = propose(api)
    first, second = uuid.uuid4().hex, uuid.uuid4().hex
    assert vote(api, priority["id"], first) == (201, {"priority_id": priority["id"], "votes": 1, "counted": True})
    assert vote(api, priority["id"], first)[1] == {"priority_id": priority["id"], "votes": 1, "counted": False}
    assert vote(api, priority["id"], second)[1]["votes"] == 2
    listed = api.get(f"/v1/tenants/{TENANT}/public/priorities").json()["items"]
    assert next(item for item in listed if item["id"] == priority["id"])["votes"] == 2


def test_you_said_we_did(api: ApiClient) -> None:
    priority = propose(api, "Stop the dumping behind the sports hall")
    vote(api, priority["id"], uuid.uuid4().hex)
    officer = staff_claims(TENANT)
    path = f"/v1/tenants/{TENANT}/priorities/{priority['id']}"
    adopted = api.patch(
        path, body={"version": 1, "status": "adopted", "text": "Weekly patrols and a camera."}, claims=officer
    )
    assert adopted.status == 200, adopted.body
    assert adopted.json()["votes"] == 1  # the vote count survives the change
    # Votes close once the police have answered
    status, problem = vote(api, priority["id"], uuid.uuid4().hex)
    assert status == 422
    assert problem["errors"][0]["field"] == "priority"
    done = api.patch(
        path, body={"version": 2, "status": "done", "text": "Camera installed; dumping fell by half."}, claims=officer
    )
    assert done.status == 200
    public = next(
        item
        for item in api.get(f"/v1/tenants/{TENANT}/public/priorities").json()["items"]
        if item["id"] == priority["id"]
    )
    assert (public["status"], public["commitment"], public["outcome"]) == (
        "done",
        "Weekly patrols and a camera.",
        "Camera installed; dumping fell by half.",
    )
    assert "created_by" not in public


def test_answers_follow_the_order_and_the_version(api: ApiClient) -> None:
    priority = propose(api, "Lighting on the park path")
    path = f"/v1/tenants/{TENANT}/priorities/{priority['id']}"
    officer = staff_claims(TENANT)
    skipped = api.patch(path, body={"version": 1, "status": "done", "text": "x"}, claims=officer)
    assert skipped.status == 422
    assert skipped.json()["errors"][0]["field"] == "status"
    stale = api.patch(path, body={"version": 7, "status": "declined", "text": "x"}, claims=officer)
    assert stale.status == 409


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"voter": "short"}, "voter"),
        ({"voter": "x" * 200}, "voter"),
        ({"voter": "<script>alert(1)</script>xxxxxxxx"}, "voter"),
        ({}, "voter"),
    ],
)
def test_bad_votes_are_refused(api: ApiClient, body: dict[str, str], field: str) -> None:
    priority = propose(api, "Bad votes")
    reply = api.post(f"/v1/tenants/{TENANT}/public/priorities/{priority['id']}/votes", body=body)
    assert reply.status == 422
    assert field in [error["field"] for error in reply.json()["errors"]]


def test_only_the_tenants_staff_propose_and_answer(api: ApiClient) -> None:
    body = {"title": "x", "description": "y", "area_name": "z"}
    assert api.post(f"/v1/tenants/{TENANT}/priorities", body=body).status == 401
    assert api.post(f"/v1/tenants/{TENANT}/priorities", body=body, claims=staff_claims("pilot-nl")).status == 403
    missing = api.post(f"/v1/tenants/{TENANT}/public/priorities/00000000000000000000/votes", body={"voter": "a" * 20})
    assert missing.status == 404
