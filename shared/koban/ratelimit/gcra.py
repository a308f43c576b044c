"""The token bucket as GCRA (generic cell rate algorithm): the same answers as a bucket of `burst` tokens refilled
at `per_minute`, kept as one number, the theoretical arrival time (TAT) of the client's next request.

A request at `now` is allowed when TAT - now <= (burst - 1) x interval; it then moves TAT to max(TAT, now) +
interval. One number per client means one conditional write per request (koban.ratelimit.service).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from koban.settings import RateLimit


@dataclass(frozen=True)
class Decision:
    allowed: bool
    # The TAT to store when allowed (ms since the epoch); when refused, how long until a request is allowed.
    arrival_ms: int
    retry_after_seconds: int


def interval_ms(limit: RateLimit) -> int:
    """Milliseconds for one token to come back."""
    return max(1, round(60_000 / limit.per_minute))


def tolerance_ms(limit: RateLimit) -> int:
    """How far ahead of now the TAT may run: what `burst - 1` requests at once push it."""
    return interval_ms(limit) * (limit.burst - 1)


def decide(arrival_ms: int | None, now_ms: int, limit: RateLimit) -> Decision:
    """Admit or refuse a request at `now_ms` given the stored TAT (None: no bucket, i.e. a full one)."""
    if arrival_ms is None or arrival_ms <= now_ms:
        return Decision(allowed=True, arrival_ms=now_ms + interval_ms(limit), retry_after_seconds=0)
    wait_ms = arrival_ms - tolerance_ms(limit) - now_ms
    if wait_ms <= 0:
        return Decision(allowed=True, arrival_ms=arrival_ms + interval_ms(limit), retry_after_seconds=0)
    # Retry-After is whole seconds (RFC 9110 §10.2.3): rounded up, so a client that waits it is admitted.
    return Decision(allowed=False, arrival_ms=arrival_ms, retry_after_seconds=max(1, math.ceil(wait_ms / 1000)))
