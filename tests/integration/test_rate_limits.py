"""Per-client rate limits on the open write routes, through the handlers over moto with the production limits and
an injected clock: the request after the burst is a 429 with Retry-After that writes nothing, other clients and
other tenants keep their own buckets, the bucket refills, staff are not limited, and a failing limiter table lets
the request through."""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlencode

import boto3
import pytest
from botocore.exceptions import ClientError
from moto.dynamodb.models import DynamoDBBackend

from koban import aws
from koban.errors import RateLimited
from koban.ratelimit import service as ratelimit
from koban.settings import RateLimit, RateLimits, get_settings
from koban_local.home import register_demo_api_keys
from koban_local.tokens import issue_open311_key
from tests.api import ApiClient, Reply, staff_claims
from tests.integration.test_reports_intake import centre, noise_report
from tests.security.faults import StoreSnapshot

LIMITS = RateLimits()  # production: intake 10 a minute, burst 5; assistant 20 a minute, burst 10
RESIDENT = "198.51.100.7"
NEIGHBOUR = "198.51.100.8"
DAYS = itertools.count()


class Clock:
    def __init__(self, now_ms: int) -> None:
        self.now_ms = now_ms

    def advance(self, seconds: float) -> None:
        self.now_ms += int(seconds * 1000)


@pytest.fixture(scope="module", autouse=True)
def production_limits(moto_home: dict[str, str]) -> Iterator[None]:
    """Given the production limits (the tier's own refuse nothing)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("KOBAN_RATE_LIMITS", LIMITS.model_dump_json())
        get_settings.cache_clear()
        yield
    get_settings.cache_clear()


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """A clock of the test's own, a day after the last test's, so that no bucket of another test is in the way."""
    frozen = Clock(1_800_000_000_000 + next(DAYS) * 86_400_000)
    monkeypatch.setattr(ratelimit, "_now_ms", lambda: frozen.now_ms)
    return frozen


def report(api: ApiClient, tenant: str, source_ip: str, **kwargs: Any) -> Reply:
    return api.post(f"/v1/tenants/{tenant}/reports", body=noise_report(tenant), source_ip=source_ip, **kwargs)


def spend_burst(api: ApiClient, tenant: str, source_ip: str) -> None:
    statuses = [report(api, tenant, source_ip).status for _ in range(LIMITS.intake.burst)]
    assert statuses == [201] * LIMITS.intake.burst


def test_given_a_burst_from_one_client_then_the_next_report_is_a_429_with_retry_after_and_nothing_written(
    api: ApiClient, clock: Clock
) -> None:
    # Given a resident who sent the burst of reports the limit allows
    spend_burst(api, "pilot-nl", RESIDENT)
    before = StoreSnapshot.take()
    # When the resident sends one more at once
    refused = report(api, "pilot-nl", RESIDENT)
    # Then it is refused as problem+json, saying when to come back, and no store changed
    body = refused.json()
    assert refused.status == 429
    assert refused.headers["Content-Type"] == "application/problem+json"
    assert refused.headers["Retry-After"] == "6"  # a token comes back every 60 s / 10
    assert body["type"] == "https://koban.eu/problems/rate_limited"
    assert body["status"] == 429
    assert "try again in 6 seconds" in body["detail"]
    assert StoreSnapshot.take().changes_since(before) == []


def test_given_a_refused_client_then_other_clients_and_other_tenants_are_unaffected(
    api: ApiClient, clock: Clock
) -> None:
    # Given a resident refused in pilot-nl
    spend_burst(api, "pilot-nl", RESIDENT)
    assert report(api, "pilot-nl", RESIDENT).status == 429
    # Then a neighbour in pilot-nl and the same resident in pilot-es are still served
    assert report(api, "pilot-nl", NEIGHBOUR).status == 201
    assert report(api, "pilot-es", RESIDENT).status == 201


def test_given_a_refused_client_when_it_waits_retry_after_then_it_is_served_again_one_token_at_a_time(
    api: ApiClient, clock: Clock
) -> None:
    spend_burst(api, "pilot-nl", RESIDENT)
    wait = int(report(api, "pilot-nl", RESIDENT).headers["Retry-After"])
    # When the resident waits as told
    clock.advance(wait)
    # Then one report passes, and the next is refused again (one token came back, not the burst)
    assert report(api, "pilot-nl", RESIDENT).status == 201
    assert report(api, "pilot-nl", RESIDENT).status == 429
    # And after a quiet minute the whole burst is back
    clock.advance(60)
    spend_burst(api, "pilot-nl", RESIDENT)


def test_given_an_officer_taking_phone_reports_then_staff_of_the_tenant_are_not_limited(
    api: ApiClient, clock: Clock
) -> None:
    claims = staff_claims("pilot-nl")
    statuses = [
        api.post(
            "/v1/tenants/pilot-nl/reports",
            body=noise_report("pilot-nl", channel="phone"),
            claims=claims,
            source_ip=RESIDENT,
        ).status
        for _ in range(LIMITS.intake.burst + 3)
    ]

    assert statuses == [201] * (LIMITS.intake.burst + 3)


def test_given_a_failing_limiter_table_then_the_report_is_accepted_all_the_same(
    api: ApiClient, clock: Clock, moto_home: dict[str, str]
) -> None:
    # Given a resident refused, and then the limiter's table throttled (every update refused by DynamoDB)
    spend_burst(api, "pilot-nl", RESIDENT)
    limits_table = moto_home["RateLimitsTable"]

    def throttled(params: dict[str, Any], **_: Any) -> None:
        if params["body"] and limits_table in json.dumps(json.loads(params["body"]).get("TableName", "")):
            error = {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "injected"}}
            raise ClientError(error, "UpdateItem")

    events = aws.client("dynamodb").meta.events
    events.register_first("before-call.dynamodb.UpdateItem", throttled, unique_id="rate-limit-outage")
    try:
        # When the resident sends another report
        reply = report(api, "pilot-nl", RESIDENT)
    finally:
        events.unregister("before-call.dynamodb.UpdateItem", unique_id="rate-limit-outage")
    # Then it is accepted and stored: the limiter fails open
    assert reply.status == 201, reply.body
    stored = api.get(f"/v1/tenants/pilot-nl/reports/{reply.json()['id']}", claims=staff_claims("pilot-nl"))
    assert stored.status == 200


def test_given_an_open311_client_over_its_burst_then_it_gets_open311s_429_with_retry_after(
    api: ApiClient, clock: Clock
) -> None:
    register_demo_api_keys()
    location = centre("pilot-nl")
    form = urlencode(
        {
            "jurisdiction_id": "pilot-nl",
            "api_key": issue_open311_key("pilot-nl"),
            "service_code": "noise_night",
            "lat": location["lat"],
            "long": location["lon"],
            "description": "Loud party in the courtyard every weekend.",
            "attribute[noise_source]": "party",
            "attribute[ongoing]": "true",
        }
    )

    def post() -> Reply:
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        return api.post("/open311/v2/requests.json", raw_body=form, headers=headers, source_ip=RESIDENT)

    statuses = [post().status for _ in range(LIMITS.open311.burst)]
    refused = post()

    assert statuses == [201] * LIMITS.open311.burst
    assert refused.status == 429
    assert int(refused.headers["Retry-After"]) >= 1
    assert refused.headers["Content-Type"].startswith("application/json")
    [error] = refused.json()
    assert error["code"] == 429
    assert "try again in" in error["description"]


def test_given_a_chatty_client_then_the_assistant_answers_its_burst_and_refuses_the_next_message(
    api: ApiClient, clock: Clock
) -> None:
    def ask() -> Reply:
        body = {"text": "Hoe meld ik overlast?"}
        return api.post("/v1/tenants/pilot-nl/assistant/messages", body=body, source_ip=RESIDENT)

    statuses = [ask().status for _ in range(LIMITS.assistant.burst)]
    refused = ask()

    assert statuses == [200] * LIMITS.assistant.burst
    assert refused.status == 429
    assert refused.headers["Retry-After"] == "3"  # a token every 60 s / 20
    # Report intake is a bucket of its own: the same resident can still report.
    assert report(api, "pilot-nl", RESIDENT).status == 201


def test_given_the_buckets_then_no_address_is_stored_only_keyed_hashes_with_a_ttl(
    api: ApiClient, clock: Clock, moto_home: dict[str, str]
) -> None:
    report(api, "pilot-pt", RESIDENT)
    items = boto3.client("dynamodb").scan(TableName=moto_home["RateLimitsTable"])["Items"]

    assert items
    assert not any(RESIDENT in json.dumps(item) for item in items)
    mine = [item for item in items if item["pk"]["S"].startswith("intake#pilot-pt#")]
    assert mine
    assert all(int(item["expires_at"]["N"]) * 1000 >= int(item["arrival_ms"]["N"]) for item in mine)


def test_given_simultaneous_requests_of_one_client_then_exactly_its_burst_is_admitted(
    clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a bucket of 5 and twenty requests of one client arriving at the same instant on many instances, and a
    # store that applies one conditional update of an item at a time, as DynamoDB does (in-process moto does not)
    limit = RateLimit(per_minute=10, burst=5)
    one_at_a_time = threading.Lock()
    update_item = DynamoDBBackend.update_item

    def atomic_update_item(*args: Any, **kwargs: Any) -> Any:
        with one_at_a_time:
            return update_item(*args, **kwargs)

    monkeypatch.setattr(DynamoDBBackend, "update_item", atomic_update_item)

    def take() -> bool:
        try:
            ratelimit.take_token(ratelimit.Scope.INTAKE, "intake#pilot-nl#simultaneous", limit)
        except RateLimited:
            return False
        return True

    with ThreadPoolExecutor(max_workers=8) as pool:
        admitted = list(pool.map(lambda _: take(), range(20)))
    # Then no race gives away a token or loses one: exactly five pass
    assert admitted.count(True) == 5
