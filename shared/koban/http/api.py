"""The resolver every API function uses, and the Lambda entry point that wraps it.

A function module does: `app = create_app()`, `app.include_router(...)`, `lambda_handler = lambda_entry(app)`.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from typing import Any, TypeVar, cast

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel

from koban.errors import KobanError
from koban.http.problems import PROBLEM_CONTENT_TYPE, from_domain_error, from_validation_errors, problem
from koban.observability import logger, metrics, traced

# A report is at most a few KiB of JSON; 256 KiB leaves room for answers and still stops floods early.
MAX_JSON_BODY_BYTES = 256 * 1024
# Deeper JSON than this is never a legitimate request, and deep nesting is how parsers get crashed.
MAX_JSON_DEPTH = 32
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKETS = re.compile(r"[^\[\]{}]+")

CORS = CORSConfig(
    allow_origin="*",
    allow_headers=[
        "Authorization",
        "Content-Type",
        "Idempotency-Key",
        "X-Tracking-Token",
        "Accept-Language",
        "If-Match",
        "If-None-Match",
    ],
    expose_headers=["Location", "Content-Language", "ETag", "Retry-After"],
    max_age=600,
)

Handler = Callable[[dict[str, Any], LambdaContext], dict[str, Any]]


def create_app() -> APIGatewayRestResolver:
    app = APIGatewayRestResolver(enable_validation=True, cors=CORS)

    @app.exception_handler(RequestValidationError)
    def _invalid_request(error: RequestValidationError) -> Response[str]:
        return from_validation_errors(error.errors())

    @app.exception_handler(RequestUnsupportedContentType)
    def _not_json(_: RequestUnsupportedContentType) -> Response[str]:
        return problem(415, "Send the request body as application/json.", code="unsupported_media_type")

    @app.exception_handler(UnicodeDecodeError)
    def _not_text(_: UnicodeDecodeError) -> Response[str]:
        # A body that is not UTF-8 reaches a handler base64-encoded; powertools fails decoding it for the model.
        return problem(400, "The request body is not UTF-8 encoded JSON.", code="malformed_json")

    @app.exception_handler(KobanError)
    def _domain_error(error: KobanError) -> Response[str]:
        if error.code == "storage_error":
            logger.exception("storage failure")
        return from_domain_error(error)

    @app.not_found
    def _no_route(_: NotFoundError) -> Response[str]:
        event = app.current_event
        return problem(404, f"No route for {event.http_method} {event.path}.", code="route_not_found")

    @app.exception_handler(Exception)
    def _unexpected(_: Exception) -> Response[str]:
        logger.exception("unhandled error")
        return problem(500, "An internal error occurred; it has been logged.", code="internal_error")

    return app


ModelT = TypeVar("ModelT", bound=BaseModel)


def created(body: ModelT, location: str | None = None) -> Response[ModelT]:
    """A 201 answer with the new resource, and where it lives when it has its own URL."""
    headers = {"Location": location} if location else {}
    return Response(status_code=201, body=body, content_type="application/json", headers=headers)


def json_depth(text: str) -> int:
    """Nesting depth of JSON text, computed without parsing it (strings are removed first)."""
    brackets = _NOT_BRACKETS.sub("", _JSON_STRING.sub("", text))
    depth = deepest = 0
    for char in brackets:
        if char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def _raw_problem(status: int, detail: str, code: str) -> dict[str, Any]:
    """A proxy response built before the resolver runs (the resolver is not involved yet)."""
    body = json.loads(problem(status, detail, code=code).body or "{}")
    return {
        "statusCode": status,
        "multiValueHeaders": {
            "Content-Type": [PROBLEM_CONTENT_TYPE],
            "Access-Control-Allow-Origin": [CORS.allowed_origin],
        },
        "body": json.dumps(body),
        "isBase64Encoded": False,
    }


def guard_body(event: dict[str, Any]) -> dict[str, Any] | None:
    """Reject oversized or over-deep JSON bodies before anything parses them."""
    body = event.get("body")
    if not body or event.get("isBase64Encoded"):
        return None
    size = len(body.encode("utf-8", "surrogatepass"))
    if size > MAX_JSON_BODY_BYTES:
        return _raw_problem(
            413,
            f"The request body is {size} bytes; at most {MAX_JSON_BODY_BYTES} are accepted.",
            "body_too_large",
        )
    if json_depth(body) > MAX_JSON_DEPTH:
        return _raw_problem(400, f"The JSON body is nested deeper than {MAX_JSON_DEPTH} levels.", "json_too_deep")
    return None


def binary_body(event: dict[str, Any]) -> bytes:
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        return base64.b64decode(body)
    return str(body).encode("utf-8", "surrogatepass")


def lambda_entry(app: APIGatewayRestResolver) -> Handler:
    """The Lambda handler for a resolver: correlation ids, metrics, tracing, then the body guard."""

    @logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
    @traced
    @metrics.log_metrics
    def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        rejected = guard_body(event)
        if rejected is not None:
            return rejected
        return app.resolve(event, context)

    # The OpenAPI build (`koban openapi`) reads the routes from the handler it loads from the template.
    lambda_handler.resolver = app  # type: ignore[attr-defined]
    return cast(Handler, lambda_handler)
