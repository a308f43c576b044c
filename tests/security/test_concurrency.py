"""Concurrency: fifty simultaneous submissions with one Idempotency-Key make exactly one report, and simultaneous
status changes of one report cannot fork or skip its lifecycle (conditional writes).

Each thread is its own Lambda execution environment: a handler loaded on its own (powertools keeps the current
event on the app, so one environment handles one event at a time, as in Lambda), all of them released together.
moto handles one request at a time here, as DynamoDB applies each conditional write atomically; without that lock
moto's own check-then-write could interleave and the test would measure moto, not KOBAN.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from moto.core.botocore_stubber import BotocoreStubber

from koban.reports.lifecycle import is_allowed
from koban_local.functions import LocalLambdaContext, load_handler
from koban_local.template import Template
from tests.api import ApiClient, staff_claims
from tests.security import figures
from tests.security.world import World

TENANT = "pilot-be"
THREADS = 50


@pytest.fixture(scope="module")
def atomic_moto() -> Iterator[None]:
    lock = threading.Lock()
    original = BotocoreStubber.process_request

    def one_at_a_time(self: BotocoreStubber, request: Any) -> Any:
        with lock:
            return original(self, request)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(BotocoreStubber, "process_request", one_at_a_time)
        yield


@pytest.fixture(scope="module")
def environments(api: ApiClient, template: Template, atomic_moto: None) -> list[Callable[..., dict[str, Any]]]:
    """Fifty execution environments of the reports function."""
    function = template.functions["ReportsFunction"]
    return [load_handler(function.code_uri, function.handler, {}) for _ in range(THREADS)]


def _all_at_once(handlers: list[Callable[..., dict[str, Any]]], events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Invoke handler i with event i, every thread released at the same moment."""
    start = threading.Barrier(len(events))

    def invoke(index: int) -> dict[str, Any]:
        start.wait()
        return handlers[index](events[index], LocalLambdaContext("ReportsFunction", timeout_seconds=30))

    with ThreadPoolExecutor(max_workers=len(events)) as pool:
        replies = list(pool.map(invoke, range(len(events))))
    figures.record("concurrent_requests", len(events))
    figures.record("server_errors", sum(reply["statusCode"] >= 500 for reply in replies))
    return replies


def _queue(api: ApiClient) -> set[str]:
    reply = api.get(f"/v1/tenants/{TENANT}/reports", claims=staff_claims(TENANT), query={"limit": "100"})
    assert reply.status == 200, reply.body
    return {item["id"] for item in reply.json()["items"]}


def test_fifty_simultaneous_submissions_with_one_key_make_one_report(
    api: ApiClient, environments: list[Callable[..., dict[str, Any]]]
) -> None:
    # Given a resident's app that sends the same report fifty times at once (a flaky network, a double tap)
    world = World(api, TENANT)
    before = _queue(api)
    headers = {"Idempotency-Key": "concurrent-0001-abcdef"}
    events = [api.event("POST", f"/v1/tenants/{TENANT}/reports", body=world.report_body(), headers=headers)[1]]
    events = [json.loads(json.dumps(events[0])) for _ in range(THREADS)]
    # When all fifty arrive together
    replies = _all_at_once(environments, events)
    # Then each gets the report or is told the first is still being stored (409, retry); none fails
    statuses = sorted({reply["statusCode"] for reply in replies})
    assert set(statuses) <= {201, 409}, statuses
    ids = {json.loads(reply["body"])["id"] for reply in replies if reply["statusCode"] == 201}
    # And exactly one report exists, which a retry of any of them returns
    added = _queue(api) - before
    figures.record("duplicates", max(0, len(added) - 1))
    assert len(added) == 1, added
    retried = api.post(f"/v1/tenants/{TENANT}/reports", body=world.report_body(), headers=headers)
    assert retried.status == 201, retried.body
    assert ids <= added
    assert {retried.json()["id"]} == added


def test_simultaneous_status_changes_cannot_fork_or_skip_the_lifecycle(
    api: ApiClient, environments: list[Callable[..., dict[str, Any]]]
) -> None:
    # Given a new report, and fifty officers each moving it on to a step of their choice at the same moment
    world = World(api, TENANT)
    report = world.fresh_report()
    path = f"/v1/tenants/{TENANT}/reports/{report['id']}"
    targets = ["verifying", "confirmed", "in_progress", "resolved", "rejected"]
    events = [
        api.event(
            "PATCH",
            path,
            body={"status": targets[index % len(targets)], "note": f"Step by officer {index}."},
            claims=staff_claims(TENANT, "officer", f"officer-{index}"),
        )[1]
        for index in range(THREADS)
    ]
    # When they all send it
    replies = _all_at_once(environments, events)
    # Then each change was applied or refused (409 someone changed it meanwhile, 422 not allowed from there,
    # 403 a reopening after someone closed it, which is a supervisor's decision)
    assert {reply["statusCode"] for reply in replies} <= {200, 403, 409, 422}
    applied = sum(reply["statusCode"] == 200 for reply in replies)
    assert applied >= 1
    # And the history is one chain of allowed steps, one step per change that was answered 200
    staff = api.get(path, claims=staff_claims(TENANT, "supervisor")).json()
    steps = [(event["from_status"], event["to_status"]) for event in staff["events"] if event["from_status"]]
    assert len(steps) == applied, steps
    current = "new"
    for from_status, to_status in steps:
        assert from_status == current, f"a change made on a stale status: {steps}"
        assert is_allowed(from_status, to_status), steps
        current = to_status
    assert staff["status"] == current
