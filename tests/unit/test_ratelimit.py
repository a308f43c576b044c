"""Unit tests of the rate limiter without I/O: the bucket's maths (GCRA) on an injected clock, who a client is,
the limits read from settings, and the 429 the one error mapping makes of a refusal."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from pydantic import ValidationError

from koban.errors import RateLimited
from koban.http.problems import from_domain_error
from koban.ratelimit.clients import client_address, client_hash
from koban.ratelimit.gcra import decide, interval_ms
from koban.settings import RateLimit, RateLimits, Settings

INTAKE = RateLimit(per_minute=10, burst=5)  # a token every 6 s, five at once
EDGE_KEY = "edge-secret-of-the-distribution"


def _burst(limit: RateLimit, now_ms: int, count: int, arrival_ms: int | None = None) -> tuple[int | None, list[bool]]:
    """`count` requests at the same instant; the stored arrival time after them and which were allowed."""
    allowed = []
    for _ in range(count):
        decision = decide(arrival_ms, now_ms, limit)
        allowed.append(decision.allowed)
        if decision.allowed:
            arrival_ms = decision.arrival_ms
    return arrival_ms, allowed


def test_given_an_idle_client_when_it_sends_a_burst_then_exactly_burst_requests_pass() -> None:
    _, allowed = _burst(INTAKE, now_ms=1_000_000, count=7)

    assert allowed == [True] * 5 + [False] * 2


def test_given_a_spent_bucket_then_retry_after_is_the_wait_for_one_token_rounded_up_to_seconds() -> None:
    now = 1_000_000
    arrival, _ = _burst(INTAKE, now, 5)

    refused = decide(arrival, now, INTAKE)
    later = decide(arrival, now + 2_500, INTAKE)

    assert not refused.allowed
    assert refused.retry_after_seconds == 6  # one token comes back every 60 s / 10
    assert later.retry_after_seconds == 4  # 3.5 s left, rounded up
    assert decide(arrival, now + 5_999, INTAKE).retry_after_seconds == 1  # never 0 while refused


def test_given_a_refused_client_when_it_waits_retry_after_then_one_request_passes_and_the_next_is_refused() -> None:
    now = 1_000_000
    arrival, _ = _burst(INTAKE, now, 5)
    wait_ms = decide(arrival, now, INTAKE).retry_after_seconds * 1000

    arrival_after, allowed = _burst(INTAKE, now + wait_ms, 2, arrival)

    assert allowed == [True, False]
    assert arrival is not None
    assert arrival_after == arrival + interval_ms(INTAKE)


def test_given_a_client_idle_for_a_long_time_then_its_bucket_is_full_again_but_never_fuller() -> None:
    now = 1_000_000
    arrival, _ = _burst(INTAKE, now, 5)

    _, allowed = _burst(INTAKE, now + 3_600_000, 7, arrival)

    assert allowed == [True] * 5 + [False] * 2


def test_given_a_steady_client_at_the_rate_then_it_is_never_refused() -> None:
    arrival: int | None = None
    for step in range(50):
        decision = decide(arrival, 1_000_000 + step * interval_ms(INTAKE), INTAKE)
        assert decision.allowed
        arrival = decision.arrival_ms


def _event(source_ip: str | None = "192.0.2.10", **headers: str) -> dict[str, Any]:
    return {"headers": headers, "requestContext": {"identity": {"sourceIp": source_ip}}}


def test_given_the_edge_key_then_the_viewer_address_from_cloudfront_is_the_client() -> None:
    event = _event("130.176.0.1", **{"X-Koban-Edge-Key": EDGE_KEY, "X-Koban-Viewer-Address": "198.51.100.7"})

    assert client_address(event, EDGE_KEY) == "198.51.100.7"


def test_given_no_or_a_wrong_edge_key_then_a_viewer_address_header_is_not_believed() -> None:
    forged = {"X-Koban-Viewer-Address": "198.51.100.7"}

    assert client_address(_event("203.0.113.5", **forged), EDGE_KEY) == "203.0.113.5"
    assert client_address(_event("203.0.113.5", **forged, **{"X-Koban-Edge-Key": "guess"}), EDGE_KEY) == "203.0.113.5"
    # A deployment without an edge key (the local home) never believes it either.
    assert client_address(_event("203.0.113.5", **forged, **{"X-Koban-Edge-Key": ""}), "") == "203.0.113.5"


def test_given_x_forwarded_for_then_it_is_ignored() -> None:
    assert client_address(_event("203.0.113.5", **{"X-Forwarded-For": "10.0.0.1"}), EDGE_KEY) == "203.0.113.5"


def test_given_ipv6_clients_then_one_64_prefix_is_one_client() -> None:
    first = client_address(_event("2001:db8:1:2:aaaa::1"), "")
    second = client_address(_event("2001:db8:1:2:bbbb::9"), "")
    other = client_address(_event("2001:db8:1:3::1"), "")

    assert first == second == "2001:db8:1:2::/64"
    assert other != first
    assert client_address(_event("::ffff:192.0.2.1"), "") == "192.0.2.1"


def test_given_no_usable_address_then_the_clients_share_one_unknown_bucket() -> None:
    assert client_address(_event(None), "") == "unknown"
    assert client_address(_event("not-an-address"), "") == "unknown"


def test_given_an_address_then_its_key_is_a_keyed_hash_that_does_not_contain_it() -> None:
    hashed = client_hash("198.51.100.7", "key-one")

    assert re.fullmatch(r"[0-9a-f]{32}", hashed)  # 128 bits of hex, nothing of the address
    assert hashed == client_hash("198.51.100.7", "key-one")
    assert hashed != client_hash("198.51.100.7", "key-two")
    assert hashed != client_hash("198.51.100.8", "key-one")


def test_given_no_setting_then_the_production_limits_apply_and_a_json_setting_overrides_named_scopes() -> None:
    default = Settings.model_validate({}).rate_limits
    custom = Settings.model_validate({"KOBAN_RATE_LIMITS": json.dumps({"intake": {"per_minute": 60, "burst": 30}})})

    assert default == RateLimits()
    assert (default.intake.per_minute, default.intake.burst) == (10, 5)
    assert (default.assistant.per_minute, default.assistant.burst) == (20, 10)
    assert custom.rate_limits.intake == RateLimit(per_minute=60, burst=30)
    assert custom.rate_limits.assistant == default.assistant


@pytest.mark.parametrize(
    "value",
    ['{"intake": {"per_minute": 0, "burst": 5}}', '{"intake": {"per_minute": 10}}', '{"nosuch": {}}', "not json"],
)
def test_given_a_bad_limits_setting_then_the_settings_refuse_it(value: str) -> None:
    with pytest.raises(ValidationError):
        Settings.model_validate({"KOBAN_RATE_LIMITS": value})


def test_given_a_refusal_then_it_is_a_429_problem_with_retry_after_in_whole_seconds() -> None:
    response = from_domain_error(RateLimited("Too many reports; try again in 7 seconds.", retry_after_seconds=7))
    body = json.loads(response.body or "{}")

    assert response.status_code == 429
    assert response.headers["Retry-After"] == "7"
    assert response.content_type == "application/problem+json"
    assert body == {
        "type": "https://koban.eu/problems/rate_limited",
        "title": "Too Many Requests",
        "status": 429,
        "detail": "Too many reports; try again in 7 seconds.",
    }
