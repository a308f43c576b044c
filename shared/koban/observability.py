"""Logging, metrics and tracing the powertools way, one set per function process.

Tracing is a switch: with `POWERTOOLS_TRACE_DISABLED=true` (the local home, tests) the X-Ray SDK is never
imported, which saves ~190 ms of cold start; in the cloud the template turns tracing on for every function.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, TypeVar, cast

from aws_lambda_powertools import Logger, Metrics

logger = Logger()
metrics = Metrics(namespace="Koban")

HandlerT = TypeVar("HandlerT", bound=Callable[..., Any])


def tracing_enabled() -> bool:
    return os.environ.get("POWERTOOLS_TRACE_DISABLED", "false").lower() not in ("1", "true")


def traced(handler: HandlerT) -> HandlerT:
    """`Tracer.capture_lambda_handler` when tracing is on; else the handler as it is, and no X-Ray import."""
    if not tracing_enabled():
        return handler
    from aws_lambda_powertools import Tracer

    return cast(HandlerT, Tracer().capture_lambda_handler(handler, capture_response=False))
