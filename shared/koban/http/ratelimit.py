"""Rate limits on routes: `@router.post(..., middlewares=[rate_limited(Scope.INTAKE)],
responses={429: RATE_LIMITED_RESPONSE})`. The middleware runs after the request is validated (a malformed
request costs no token and writes nothing) and before the handler, so a refused request writes nothing either."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse

from koban.ratelimit.service import Scope, admit_request

Middleware = Callable[[Any, NextMiddleware], Response[Any]]

RATE_LIMITED_RESPONSE: OpenAPIResponse = {
    "description": "Too many requests from this client; `Retry-After` says when to try again",
    "headers": {
        "Retry-After": {"description": "Seconds to wait (at least 1)", "schema": {"type": "integer", "minimum": 1}}
    },
    "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
}


def rate_limited(scope: Scope) -> Middleware:
    """A route middleware: the tenant is the route's `{tenant}` path parameter."""

    def middleware(app: Any, next_middleware: NextMiddleware) -> Response[Any]:
        event = app.current_event
        admit_request(scope, (event.path_parameters or {}).get("tenant", ""), event.raw_event)
        return next_middleware(app)

    middleware.__name__ = f"rate_limited_{scope.value}"
    return middleware
