"""Faults in DynamoDB, S3, SQS and KMS, injected through botocore's event hooks into every route's AWS calls: the
client gets 503 with Retry-After (never a traceback), nothing is left half-written, a retried throttle is
absorbed, and the stream consumer reports partial batch failures and keeps the counters exact under replays."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from koban.aggregation.service import rebuild_aggregates, tenant_counters
from koban.notifications import tokens
from koban_local.functions import LocalLambdaContext, load_handler
from koban_local.streams import StreamPoller
from koban_local.template import Route, Template
from tests.api import ApiClient, Reply, staff_claims
from tests.security import figures
from tests.security.faults import (
    KINDS,
    WRITES,
    FaultInjector,
    StoreSnapshot,
    failing_attempts,
    holds_request_data,
)
from tests.security.policy import ALLOW, Caller, access_class, expected
from tests.security.world import KNOWN_CODE, World, recipe_for

TENANT = "pilot-nl"
PREFERENCE = (Caller.ADMIN, Caller.SUPERVISOR, Caller.OFFICER, Caller.RESIDENT, Caller.ANONYMOUS)
ROUTES = [
    route
    for route in Template.load(Path(__file__).resolve().parents[2] / "template.yaml").routes
    if route.method != "OPTIONS"
]


@pytest.fixture(scope="module")
def world(api: ApiClient) -> Iterator[World]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(tokens, "new_code", lambda: KNOWN_CODE)
        yield World(api, TENANT)


def _caller(route: Route, template: Template) -> Caller:
    """The most privileged caller the policy lets through (the one who reaches every store the route uses)."""
    access = access_class(route.method, route.path)
    assert access is not None
    kind = template.authorizers[route.authorizer] if route.authorizer else None
    return next(caller for caller in PREFERENCE if expected(access, caller, kind) == ALLOW)


class Prepared:
    """A route's request as its most privileged allowed caller sends it, made (with any fresh resource) up front."""

    def __init__(self, route: Route, template: Template, world: World) -> None:
        recipe = recipe_for(route.method, route.path)
        assert recipe is not None
        caller = _caller(route, template)
        self.request = recipe(world, TENANT)
        staff = caller in (Caller.ADMIN, Caller.SUPERVISOR, Caller.OFFICER)
        self.claims = staff_claims(TENANT, caller.value) if staff and route.authorizer else None
        token = self.request.tracking_token or world.report["tracking_token"]
        self.headers = {"X-Tracking-Token": token} if caller is Caller.RESIDENT else {}

    def send(self, api: ApiClient) -> Reply:
        return self.request.send(api, self.claims, self.headers)


def _calls_to_fail(calls: list[tuple[str, str]]) -> list[int]:
    """Each distinct operation's first call, and every write (1-based call numbers)."""
    chosen, seen = [], set()
    for number, call in enumerate(calls, start=1):
        if call not in seen or call[1] in WRITES:
            chosen.append(number)
        seen.add(call)
    return chosen


def _is_unavailable(reply: Reply) -> bool:
    return reply.status == 503 and reply.headers.get("Retry-After", "").isdigit() and "Traceback" not in reply.body


# Objects written before the commit that nothing reads until the commit names them: a failure in between leaves
# an unreferenced object, never a half-visible change (bucket logical id → key prefix, with a {tenant} field).
UNCOMMITTED_OBJECTS = {
    "AppConfigBucket": "tenants/{tenant}/versions/",  # content-addressed version file, then the DynamoDB commit
    "KnowledgeBucket": "knowledge/{tenant}/items/",  # the item's record, then the index (what is served)
}
# Half-written states found by this test in code that another session is changing; reported there, kept here as
# strict expected failures so that the fix turns them red and they are removed.
KNOWN_HALF_WRITES: dict[tuple[str, str], str] = {}


# Changes committed in DynamoDB before work outside the transaction (S3 deletes, a subject's several reports): a
# failure after the commit answers 503 with the commit kept, and the same request sent again finishes the work
# (koban.privacy.erasure explains the order: no report ever names a deleted photo). Checked: the retry succeeds.
RESUMED_BY_RETRY = {
    ("DELETE", "/v1/tenants/{tenant}/reports/{report_id}/personal-data"): "erasure committed, photos deleted after",
    ("POST", "/v1/tenants/{tenant}/privacy/subject-requests"): "one erasure per report, then the audit entry",
}


def _route_param(route: Route) -> Any:
    marks = []
    reason = KNOWN_HALF_WRITES.get((route.method, route.path))
    if reason is not None:
        marks.append(pytest.mark.xfail(reason=f"known half-write: {reason}", strict=True))
    return pytest.param(route, id=f"{route.method} {route.path}", marks=marks)


def _unexplained(changes: list[str], names: dict[str, str]) -> list[str]:
    allowed = [f"{names[bucket]}: " for bucket in UNCOMMITTED_OBJECTS]
    prefixes = [prefix.format(tenant=TENANT) for prefix in UNCOMMITTED_OBJECTS.values()]
    return [
        change
        for change in changes
        if not any(
            change.startswith(bucket) and f"'{prefix}" in change
            for bucket, prefix in zip(allowed, prefixes, strict=True)
        )
    ]


@pytest.mark.parametrize("route", [_route_param(route) for route in ROUTES])
def test_a_failing_store_gives_503_with_retry_after_and_leaves_nothing_half_written(
    route: Route, template: Template, api: ApiClient, world: World, aws_home: dict[str, str]
) -> None:
    # Given the AWS calls the route makes when all is well
    prepared = Prepared(route, template, world)
    with FaultInjector() as tracer:
        reply = prepared.send(api)
    assert 200 <= reply.status < 300, reply.body
    writes = any(operation in WRITES for _, operation in tracer.calls)
    problems = []
    for index, number in enumerate(_calls_to_fail(tracer.calls)):
        kind = KINDS[index % len(KINDS)]
        service, operation = tracer.calls[number - 1]
        # When that call fails (throttled, a 5xx, a timeout or a refused connection, in turn)
        prepared = Prepared(route, template, world)
        before = StoreSnapshot.take() if writes else None  # a route that only reads cannot half-write
        with FaultInjector() as faults:
            faults.arm(number, kind)
            reply = prepared.send(api)
        changes = _unexplained(StoreSnapshot.take().changes_since(before), aws_home) if before else []
        if not faults.injected:
            continue  # the route took another path this time (a cache); nothing was injected
        # The call that failed is this run's call `number`: a cache or a busy rate-limit bucket can shift the calls
        # from the traced run's order.
        service, operation = faults.calls[number - 1]
        failed = f"call {number} {service}.{operation} {kind}"
        # Then the client is told to come back later (or the call was a read it could do without, or the rate
        # limiter's own update, which admits the request when its table fails)
        if 200 <= reply.status < 300:
            if operation in WRITES and holds_request_data(faults.tables[number - 1] or ""):
                figures.record("records_lost")
                problems.append(f"{failed}: {reply.status}, yet the write failed")
            continue
        if reply.status >= 500 and reply.status != 503:
            figures.record("server_errors")
        if not _is_unavailable(reply):
            problems.append(
                f"{failed}: {reply.status} Retry-After={reply.headers.get('Retry-After')} {reply.body[:200]}"
            )
        # And no store holds half of the change (or, where the change is resumable, sending it again finishes it)
        elif changes and (route.method, route.path) in RESUMED_BY_RETRY:
            retried = prepared.send(api)
            if not 200 <= retried.status < 300:
                problems.append(f"{failed}: the retry of a resumable change answered {retried.status}")
        elif changes:
            problems.append(f"{failed}: 503 but the stores changed: {changes}")
    assert not problems, "\n".join(problems)


def _queue_ids(api: ApiClient, tenant: str) -> set[str]:
    reply = api.get(f"/v1/tenants/{tenant}/reports", claims=staff_claims(tenant), query={"limit": "100"})
    assert reply.status == 200, reply.body
    return {item["id"] for item in reply.json()["items"]}


@pytest.mark.parametrize("applied", [False, True], ids=["attempts-time-out", "answers-lost-after-the-write"])
def test_attempts_the_sdk_retries_are_absorbed_and_store_one_report(
    api: ApiClient, world: World, applied: bool
) -> None:
    # Given the first two attempts of the report's write fail: timed out before reaching the table, or applied
    # by the table with the answer lost on the way back
    before = _queue_ids(api, TENANT)
    with failing_attempts("dynamodb", "TransactWriteItems", failures=2, applied=applied) as attempts:
        # When a resident submits a report
        reply = api.post(f"/v1/tenants/{TENANT}/reports", body=world.report_body())
    # Then the SDK's retries absorb it: one answer, one report
    assert reply.status == 201, reply.body
    assert len(attempts) == 3
    added = _queue_ids(api, TENANT) - before
    figures.record("duplicates", len(added) - 1)
    assert added == {reply.json()["id"]}
    # And the reporter follows it with the token they were given
    view = api.get(
        f"/v1/tenants/{TENANT}/reports/{reply.json()['id']}",
        headers={"X-Tracking-Token": reply.json()["tracking_token"]},
    )
    assert view.status == 200, view.body


def test_a_status_change_applied_with_its_answer_lost_is_answered_200_and_made_once(
    api: ApiClient, world: World
) -> None:
    # Given a report, and a status change whose transaction the table applies while the answer is lost twice
    report = world.fresh_report()
    path = f"/v1/tenants/{TENANT}/reports/{report['id']}"
    officer = staff_claims(TENANT)
    change = {"status": "verifying", "note": "We are looking into it."}
    with failing_attempts("dynamodb", "TransactWriteItems", failures=2, applied=True) as attempts:
        # When the officer makes the change (the SDK sends it again; the last attempt fails its version condition)
        reply = api.patch(path, body=change, claims=officer)
    # Then the change that was made is answered as made, not as a conflict
    assert len(attempts) == 3
    assert reply.status == 200, reply.body
    assert reply.json()["status"] == "verifying"
    # And it was made once: one lifecycle event, one audit entry
    history = api.get(path, claims=officer).json()["events"]
    changes = [event for event in history if event["kind"] == "status_changed"]
    figures.record("duplicates", len(changes) - 1)
    assert len(changes) == 1
    entries = api.get(f"/v1/tenants/{TENANT}/audit", claims=staff_claims(TENANT, "admin")).json()["items"]
    assert [entry["target"] for entry in entries].count(f"report/{report['id']}") == 1


def test_a_submission_refused_by_a_failing_store_can_be_retried_with_its_key(api: ApiClient, world: World) -> None:
    # Given a submission with an Idempotency-Key whose write keeps failing
    key = {"Idempotency-Key": "fault-retry-0001-abcdef"}
    before = _queue_ids(api, TENANT)
    with FaultInjector() as faults:
        faults.fail_operation("TransactWriteItems", "timeout")
        refused = api.post(f"/v1/tenants/{TENANT}/reports", body=world.report_body(), headers=key)
    assert _is_unavailable(refused), refused.body
    assert _queue_ids(api, TENANT) == before
    # When the resident's app retries it as told, with the same key
    retried = api.post(f"/v1/tenants/{TENANT}/reports", body=world.report_body(), headers=key)
    again = api.post(f"/v1/tenants/{TENANT}/reports", body=world.report_body(), headers=key)
    # Then it is stored once: the failed attempt left no lock on the key and no report behind
    assert retried.status == again.status == 201, retried.body
    assert retried.json()["id"] == again.json()["id"]
    assert _queue_ids(api, TENANT) - before == {retried.json()["id"]}
    figures.record("duplicates", len(_queue_ids(api, TENANT) - before) - 1)


@pytest.fixture(scope="module")
def stream_events(aws_home: dict[str, str], template: Template, api: ApiClient) -> list[dict[str, Any]]:
    """Given the table stream's events for a burst of reports and status changes in pilot-fi, as Lambda would
    deliver them to the aggregation consumer (recorded, not yet applied)."""
    tenant = "pilot-fi"
    fi = World(api, tenant)
    ids = [fi.fresh_report()["id"] for _ in range(6)]
    for report_id in ids[:3]:
        for status in ("verifying", "confirmed"):
            change = {"status": status, "note": "Working on it."}
            reply = api.patch(f"/v1/tenants/{tenant}/reports/{report_id}", body=change, claims=fi.officer)
            assert reply.status == 200, reply.body
    events: list[dict[str, Any]] = []

    def record(event: dict[str, Any], _: Any) -> dict[str, Any]:
        events.append(copy.deepcopy(event))
        return {"batchItemFailures": []}

    poller = StreamPoller(
        template,
        {"AggregationFunction": record},
        aws_home,
        dynamodb_client=boto3.client("dynamodb"),
        streams_client=boto3.client("dynamodbstreams"),
        poll_interval=0.05,
    )
    with poller:
        poller.drain(timeout=60)
    assert events
    return events


def _retry_from_first_failure(event: dict[str, Any], failures: list[dict[str, str]]) -> dict[str, Any]:
    """What Lambda redelivers after a partial batch failure: the batch from the first failed record on."""
    failed = {failure["itemIdentifier"] for failure in failures}
    records = event["Records"]
    first = next(index for index, record in enumerate(records) if record["dynamodb"]["SequenceNumber"] in failed)
    return {**event, "Records": records[first:]}


def test_the_stream_consumer_reports_failed_records_and_counters_stay_exact_after_retries_and_replays(
    template: Template, stream_events: list[dict[str, Any]]
) -> None:
    function = template.functions["AggregationFunction"]
    handler = load_handler(function.code_uri, function.handler, {})
    context = LocalLambdaContext("AggregationFunction")
    reported = 0
    for event in stream_events:
        # When every other counter write fails (each kind of fault in turn)
        with FaultInjector() as faults:
            for number in range(1, 4 * len(event["Records"]), 2):
                faults.arm(number, KINDS[number % len(KINDS)])
            response = handler(copy.deepcopy(event), context)
        failures = response["batchItemFailures"]
        sequence_numbers = {record["dynamodb"]["SequenceNumber"] for record in event["Records"]}
        # Then the consumer names exactly the records it could not apply, never the whole batch blindly
        assert {failure["itemIdentifier"] for failure in failures} <= sequence_numbers
        if faults.injected:
            assert failures, "records failed but none was reported"
        reported += len(failures)
        # And Lambda's retry from the first failed record applies the rest
        while failures:
            event = _retry_from_first_failure(event, failures)
            failures = handler(copy.deepcopy(event), context)["batchItemFailures"]
    assert reported, "no fault reached the consumer"
    # When every record is delivered again (a replay), Then nothing changes
    before = tenant_counters("pilot-fi")
    for event in stream_events:
        assert handler(copy.deepcopy(event), context)["batchItemFailures"] == []
    assert tenant_counters("pilot-fi") == before
    # And the counters equal a rebuild from the reports: nothing lost, nothing counted twice
    rebuilt = rebuild_aggregates("pilot-fi")
    figures.record("records_lost", rebuilt.corrected)
    assert rebuilt.reports == 6
    assert rebuilt.corrected == 0
