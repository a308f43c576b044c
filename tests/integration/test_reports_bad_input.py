"""Malformed and malicious input to report intake: a 4xx problem+json naming it, nothing stored."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.api import ApiClient, staff_claims
from tests.integration.test_reports_intake import noise_report, queue_ids


def deep_json(depth: int) -> str:
    return "[" * depth + "]" * depth


BAD_BODIES: list[tuple[str, dict[str, Any] | None, str | None, int, str]] = [
    # (case, body, raw body, expected status, a field or phrase the problem must name)
    (
        "missing category",
        {"description": "x", "location": {"lat": 52.37, "lon": 4.89}},
        None,
        422,
        "category",
    ),
    (
        "missing description",
        {"category": "noise_night", "location": {"lat": 52.37, "lon": 4.89}},
        None,
        422,
        "description",
    ),
    ("description is a number", {**noise_report("pilot-nl"), "description": 42}, None, 422, "description"),
    ("blank description", {**noise_report("pilot-nl"), "description": "   "}, None, 422, "description"),
    (
        "description of 4,001 characters",
        {**noise_report("pilot-nl"), "description": "a" * 4001},
        None,
        422,
        "description",
    ),
    ("description of 1 MB", {**noise_report("pilot-nl"), "description": "a" * 1_000_000}, None, 413, "bytes"),
    (
        "latitude out of range",
        {**noise_report("pilot-nl"), "location": {"lat": 91, "lon": 4.89}},
        None,
        422,
        "location.lat",
    ),
    (
        "longitude is a string",
        {**noise_report("pilot-nl"), "location": {"lat": 52.3, "lon": "east"}},
        None,
        422,
        "location.lon",
    ),
    (
        "location in another country",
        {**noise_report("pilot-nl"), "location": {"lat": 40.41, "lon": -3.70}},
        None,
        422,
        "location",
    ),
    (
        "no location nor address",
        {k: v for k, v in noise_report("pilot-nl").items() if k != "location"},
        None,
        422,
        "location",
    ),
    ("unknown category", {**noise_report("pilot-nl"), "category": "alien_landing"}, None, 422, "category"),
    (
        "injection in category",
        {**noise_report("pilot-nl"), "category": "x' OR '1'='1"},
        None,
        422,
        "category",
    ),
    ("unknown field", {**noise_report("pilot-nl"), "priority": "urgent"}, None, 422, "priority"),
    (
        "answer of the wrong type",
        {**noise_report("pilot-nl"), "answers": {"ongoing": "yes"}},
        None,
        422,
        "answers.ongoing",
    ),
    (
        "answer to no question",
        {**noise_report("pilot-nl"), "answers": {"ongoing": True, "shoe_size": 3}},
        None,
        422,
        "answers.shoe_size",
    ),
    (
        "occurred in the future",
        {**noise_report("pilot-nl"), "occurred_at": "2099-01-01T00:00:00+00:00"},
        None,
        422,
        "occurred_at",
    ),
    (
        "occurred_at without offset",
        {**noise_report("pilot-nl"), "occurred_at": "2026-01-01T00:00:00"},
        None,
        422,
        "occurred_at",
    ),
    (
        "null bytes in text",
        {**noise_report("pilot-nl"), "description": "bad\u0000byte"},
        None,
        422,
        "description",
    ),
    (
        "bidi override in text",
        {**noise_report("pilot-nl"), "description": "abc\u202edcba"},
        None,
        422,
        "description",
    ),
    (
        "lone surrogate",
        None,
        json.dumps(noise_report("pilot-nl")).replace("Loud", "\\ud800Loud"),
        422,
        "description",
    ),
    (
        "too many attachments",
        {**noise_report("pilot-nl"), "attachments": ["0" * 20] * 6},
        None,
        422,
        "attachments",
    ),
    (
        "attachment that does not exist",
        {**noise_report("pilot-nl"), "attachments": ["0" * 20]},
        None,
        422,
        "attachments.0",
    ),
    ("deep JSON", None, deep_json(5000), 400, "deeper"),
    ("not JSON", None, "{'category': 'noise_night'", 400, "JSON"),
    ("JSON array instead of object", None, "[1, 2, 3]", 422, "body"),
    ("empty body", None, "", 422, "body"),
]


@pytest.mark.parametrize(
    ("case", "body", "raw_body", "status", "named"), BAD_BODIES, ids=[case[0] for case in BAD_BODIES]
)
def test_bad_report_gets_a_problem_naming_it_and_stores_nothing(
    api: ApiClient, case: str, body: dict[str, Any] | None, raw_body: str | None, status: int, named: str
) -> None:
    # Given the queue as it is
    before = queue_ids(api, "pilot-nl", limit="100")
    # When a malformed report is sent
    reply = api.post("/v1/tenants/pilot-nl/reports", body=body, raw_body=raw_body)
    # Then it is refused with a problem+json that names the problem
    assert reply.status == status, reply.body
    assert reply.headers["Content-Type"] == "application/problem+json"
    problem = reply.json()
    assert {"type", "title", "status", "detail"} <= set(problem)
    assert problem["status"] == status
    fields = [error["field"] for error in problem.get("errors", [])]
    assert any(named in field for field in fields) or named in problem["detail"], problem
    assert "Traceback" not in reply.body
    # And nothing was stored
    assert queue_ids(api, "pilot-nl", limit="100") == before


def test_unknown_tenant_is_a_404_problem(api: ApiClient) -> None:
    reply = api.post("/v1/tenants/pilot-xx/reports", body=noise_report("pilot-nl"))
    assert reply.status == 404
    assert "pilot-xx" in reply.json()["detail"]


def test_malformed_tenant_id_is_refused_before_any_lookup(api: ApiClient) -> None:
    reply = api.get("/v1/tenants/..%2F..%2Fetc/categories")
    assert reply.status == 422


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"limit": "0"}, "query.limit"),
        ({"limit": "1000"}, "query.limit"),
        ({"status": "lost"}, "query.status"),
        ({"received_from": "yesterday"}, "query.received_from"),
        ({"cursor": "not-a-cursor"}, "query.cursor"),
        ({"category": "no_such_thing"}, "query.category"),
        ({"unit": "no_such_unit"}, "query.unit"),
    ],
)
def test_bad_queue_query_names_the_parameter(api: ApiClient, query: dict[str, str], field: str) -> None:
    reply = api.get("/v1/tenants/pilot-nl/reports", claims=staff_claims("pilot-nl"), query=query)
    assert reply.status == 422, reply.body
    assert field in [error["field"] for error in reply.json()["errors"]]


def test_cursor_of_another_tenant_is_refused(api: ApiClient) -> None:
    for _ in range(3):
        api.post("/v1/tenants/pilot-pl/reports", body=noise_report("pilot-pl"))
    page = api.get("/v1/tenants/pilot-pl/reports", claims=staff_claims("pilot-pl"), query={"limit": "1"}).json()
    assert page["next_cursor"]
    reply = api.get(
        "/v1/tenants/pilot-nl/reports", claims=staff_claims("pilot-nl"), query={"cursor": page["next_cursor"]}
    )
    assert reply.status == 422
