"""Admit or refuse a request to an open route: one GCRA bucket per scope, tenant and client, shared by every
function instance through RateLimitsTable.

Staff of the tenant are not limited: they are signed in (each one known, audited and revocable), and an officer
typing in a night's phone reports must never be refused; API Gateway's per-method throttles still bound them.
If the limiter's own table fails, the request is admitted (a warning and the `RateLimiterUnavailable` metric):
a resident's report must never be lost because of the limiter.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Mapping
from enum import StrEnum
from functools import cache
from typing import Any

from koban.auth import principal_from_event
from koban.errors import RateLimited, StorageError
from koban.observability import logger, metrics
from koban.ratelimit.clients import client_address, client_hash
from koban.ratelimit.gcra import decide, interval_ms, tolerance_ms
from koban.ratelimit.storage import RateLimitRepository
from koban.settings import RateLimit, get_settings


class Scope(StrEnum):
    """Each scope is a field of `koban.settings.RateLimits` and a bucket of its own."""

    INTAKE = "intake"
    ATTACHMENTS = "attachments"
    OPEN311 = "open311"
    ASSISTANT = "assistant"
    PUBLIC_WRITES = "public_writes"


_WHAT = {
    Scope.INTAKE: "reports",
    Scope.ATTACHMENTS: "photo uploads",
    Scope.OPEN311: "Open311 service requests",
    Scope.ASSISTANT: "assistant messages",
    Scope.PUBLIC_WRITES: "votes and subscriptions",
}
# Conditional writes before the request is refused: an idle bucket that another request of the client started
# meanwhile takes a second, a bucket that vanished in between a third.
MAX_ATTEMPTS = 3
_TENANT = re.compile(r"^[a-z0-9][a-z0-9-]{1,39}$")


@cache
def rate_limit_repository() -> RateLimitRepository:
    return RateLimitRepository(get_settings().rate_limits_table)


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


def _refuse(scope: Scope, retry_after_seconds: int) -> RateLimited:
    metrics.add_metric(name="RateLimited", unit="Count", value=1)
    return RateLimited(
        f"Too many {_WHAT[scope]} from this client; try again in {retry_after_seconds} seconds.",
        retry_after_seconds=retry_after_seconds,
    )


def _expiry(arrival_ms: int) -> int:
    """The bucket's TTL (epoch seconds): once its TAT has passed it is full, the same as no bucket."""
    return math.ceil(arrival_ms / 1000) + 1


def take_token(scope: Scope, key: str, limit: RateLimit) -> None:
    """Take a token from the bucket `key`, or raise RateLimited with the seconds until one is back."""
    now_ms = _now_ms()
    interval, latest = interval_ms(limit), now_ms + tolerance_ms(limit)
    # A resident's bucket is usually idle, so the first write assumes so: one call. A refused client costs one
    # call too (the failed write returns the bucket); a client within its burst, two.
    seen_ms: int | None = None
    try:
        for _ in range(MAX_ATTEMPTS):
            decision = decide(seen_ms, now_ms, limit)
            if not decision.allowed:
                raise _refuse(scope, decision.retry_after_seconds)
            repository = rate_limit_repository()
            if seen_ms is None or seen_ms <= now_ms:
                written, seen_ms = repository.start(key, decision.arrival_ms, now_ms, _expiry(decision.arrival_ms))
            else:
                written, seen_ms = repository.advance(key, interval, latest, _expiry(latest + interval))
            if written:
                return
    except StorageError as exc:
        logger.warning("rate limiter unavailable; request admitted", extra={"scope": scope.value, "error": exc.detail})
        metrics.add_metric(name="RateLimiterUnavailable", unit="Count", value=1)
        return
    # Only a bucket that keeps vanishing (TTL) between the calls gets here.
    raise _refuse(scope, 1)


def admit(scope: Scope, tenant: str, client: str) -> None:
    """Take a token from the bucket of `client` (a keyed hash) for `scope` in `tenant`, or raise RateLimited."""
    take_token(scope, f"{scope.value}#{tenant}#{client}", getattr(get_settings().rate_limits, scope.value))


def admit_request(scope: Scope, tenant: str, event: Mapping[str, Any]) -> None:
    """Admit a request (an API Gateway proxy event) to an open route of `tenant`, or raise RateLimited."""
    principal = principal_from_event(event)
    if principal is not None and principal.tenant == tenant:
        return
    if not _TENANT.fullmatch(tenant):
        return  # no such tenant: refused before anything is written, so it costs no token
    settings = get_settings()
    address = client_address(event, settings.rate_limit_edge_key)
    admit(scope, tenant, client_hash(address, settings.rate_limit_client_key))
