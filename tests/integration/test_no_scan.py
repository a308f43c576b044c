"""No request path issues a DynamoDB Scan: every route is exercised while every AWS call is recorded."""

from __future__ import annotations

from koban_local.metering import metered
from tests.api import ApiClient, staff_claims
from tests.integration.test_reports_intake import noise_report

# What request paths may do to DynamoDB; a Scan (or anything unlisted) fails the test.
ALLOWED = {
    "dynamodb.Query",
    "dynamodb.GetItem",
    "dynamodb.BatchGetItem",
    "dynamodb.PutItem",
    "dynamodb.UpdateItem",
    "dynamodb.DeleteItem",
    "dynamodb.TransactWriteItems",
}


def test_every_route_reads_by_key_or_index_never_by_scan(api: ApiClient) -> None:
    officer = staff_claims("pilot-nl")
    with metered() as meter:
        # Given every route of every function, exercised with and without filters
        api.get("/v1/tenants")
        api.get("/v1/tenants/pilot-nl")
        api.get("/v1/tenants/pilot-nl/categories")
        receipt = api.post(
            "/v1/tenants/pilot-nl/reports",
            body=noise_report("pilot-nl"),
            headers={"Idempotency-Key": "scan-test-1"},
        ).json()
        api.post("/v1/tenants/pilot-nl/reports", body=noise_report("pilot-nl"))
        path = f"/v1/tenants/pilot-nl/reports/{receipt['id']}"
        api.get(path, headers={"X-Tracking-Token": receipt["tracking_token"]})
        api.get(path, claims=officer, query={"include": "contact"})
        api.patch(path, body={"status": "verifying", "note": "Looking into it."}, claims=officer)
        for query in (
            {},
            {"status": "new"},
            {"category": "noise_night"},
            {"unit": "neighbourhood_team"},
            {"priority": "high"},
            {"status": "new", "category": "noise_night"},
            {"received_from": "2026-01-01T00:00:00Z"},
        ):
            assert api.get("/v1/tenants/pilot-nl/reports", claims=officer, query=query or None).status == 200
        api.get("/v1/tenants/pilot-nl/attachments/00000000000000000000", claims=officer)
        for view in ("hotspots", "trends", "summary", "emerging"):
            assert api.get(f"/v1/tenants/pilot-nl/dashboard/{view}", claims=officer).status == 200
        assert api.get("/v1/tenants/pilot-nl/public/hotspots").status == 200
        problem = api.post(
            "/v1/tenants/pilot-nl/problems",
            body={
                "title": "Night noise around the square",
                "description": "Repeated complaints about bars closing late.",
                "category": "noise_night",
                "cells": ["891969c9b67ffff"],
            },
            claims=officer,
        )
        assert problem.status == 201, problem.body
        problem_id = problem.json()["id"]
        assert api.get("/v1/tenants/pilot-nl/problems", claims=officer).status == 200
        assert api.get(f"/v1/tenants/pilot-nl/problems/{problem_id}/evaluation", claims=officer).status == 200
        priority = api.post(
            "/v1/tenants/pilot-nl/priorities",
            body={"title": "Quiet nights", "description": "Fewer late bars.", "area_name": "Centrum"},
            claims=officer,
        ).json()
        assert api.get("/v1/tenants/pilot-nl/public/priorities").status == 200
        vote = {"voter": "device-token-0123456789"}
        assert api.post(f"/v1/tenants/pilot-nl/public/priorities/{priority['id']}/votes", body=vote).status == 201
        open311 = {"jurisdiction_id": "pilot-nl"}
        assert api.get("/open311/v2/requests.json", query=open311).status == 200
        assert api.get("/open311/v2/servicerequestupdates.json", query=open311).status == 200
        message = api.post("/v1/tenants/pilot-nl/assistant/messages", body={"text": "Wie is mijn wijkagent?"})
        assert message.status == 200, message.body
        conversation = f"/v1/tenants/pilot-nl/assistant/conversations/{message.json()['conversation_id']}"
        assert api.get(conversation, claims=officer).status == 200
        assert api.get("/v1/tenants/pilot-nl/assistant/handoffs", claims=officer).status == 200
    # Then DynamoDB was only ever addressed by key or index
    dynamodb_calls = {name for name in meter.calls if name.startswith("dynamodb.")}
    assert "dynamodb.Query" in dynamodb_calls  # the recorder saw the traffic
    assert "dynamodb.Scan" not in dynamodb_calls
    assert dynamodb_calls <= ALLOWED, dynamodb_calls - ALLOWED
