"""The one module that maps domain errors to HTTP: RFC 9457 `application/problem+json` on every /v1 error."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import Response

from koban.errors import (
    Conflict,
    FieldError,
    Forbidden,
    KobanError,
    NotFound,
    PayloadTooLarge,
    PreconditionFailed,
    PreconditionRequired,
    RateLimited,
    StorageError,
    Unauthenticated,
    Unavailable,
    UnsupportedMediaType,
    ValidationFailed,
)
from koban.rules import RuleError

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "https://koban.eu/problems/"
# When a client may try a 503 again: the SDK has already retried with backoff (koban.aws), so what is left is a
# throttled table or a store that needs a few seconds.
RETRY_AFTER_SECONDS = 2

_STATUS_BY_ERROR: tuple[tuple[type[KobanError], int], ...] = (
    (ValidationFailed, 422),
    (RuleError, 422),
    (NotFound, 404),
    (Unauthenticated, 401),
    (Forbidden, 403),
    (Conflict, 409),
    (PreconditionFailed, 412),
    (PreconditionRequired, 428),
    (PayloadTooLarge, 413),
    (RateLimited, 429),
    (UnsupportedMediaType, 415),
    (StorageError, 503),
    (Unavailable, 503),
)


def status_for(error: KobanError) -> int:
    for error_type, status in _STATUS_BY_ERROR:
        if isinstance(error, error_type):
            return status
    return 400


def retry_headers(status: int) -> dict[str, str]:
    """`Retry-After` for a 503 (RFC 9110 §10.2.3), so clients back off instead of hammering; nothing otherwise."""
    return {"Retry-After": str(RETRY_AFTER_SECONDS)} if status == HTTPStatus.SERVICE_UNAVAILABLE else {}


def error_headers(error: KobanError) -> dict[str, str]:
    """`Retry-After` for an error: the client's own wait when its rate was refused (RFC 6585 §4), else a 503's."""
    if isinstance(error, RateLimited):
        return {"Retry-After": str(error.retry_after_seconds)}
    return retry_headers(status_for(error))


def problem(
    status: int,
    detail: str,
    *,
    code: str | None = None,
    errors: Iterable[FieldError] = (),
    headers: Mapping[str, str] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> Response[str]:
    """A problem+json response; `code` becomes the `type` URI so clients can branch on it. `extra` adds
    extension members (RFC 9457 §3.2); it never replaces a standard one."""
    title = HTTPStatus(status).phrase
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + (code or title.lower().replace(" ", "_")),
        "title": title,
        "status": status,
        "detail": detail,
    }
    error_list = [error.as_dict() for error in errors]
    if error_list:
        body["errors"] = error_list
    for name, value in (extra or {}).items():
        body.setdefault(name, value)
    return Response(
        status_code=status,
        content_type=PROBLEM_CONTENT_TYPE,
        body=json.dumps(body, ensure_ascii=False),
        headers={**retry_headers(status), **(headers or {})},
    )


def from_domain_error(error: KobanError) -> Response[str]:
    if isinstance(error, ValidationFailed):
        return problem(status_for(error), error.detail, code=error.code, errors=error.errors, extra=error.extra)
    return problem(status_for(error), error.detail, code=error.code, headers=error_headers(error))


def field_path(location: Sequence[Any]) -> str:
    """('body', 'location', 'lat') -> 'location.lat'; ('query', 'limit') -> 'query.limit'."""
    parts = [str(part) for part in location]
    if parts and parts[0] == "body":
        parts = parts[1:]
    return ".".join(parts) or "body"


def from_validation_errors(errors: Sequence[Mapping[str, Any]]) -> Response[str]:
    """powertools' 422 (pydantic errors) as problem+json naming each field; the bad input is never echoed."""
    field_errors = [
        FieldError(
            field=field_path(error.get("loc", ())),
            message=str(error.get("msg") or error.get("type") or "invalid value"),
            code=str(error.get("type", "invalid")),
        )
        for error in errors
    ]
    if any(error.code == "json_invalid" for error in field_errors):
        return problem(400, "The request body is not valid JSON.", code="malformed_json")
    summary = "; ".join(f"{error.field}: {error.message}" for error in field_errors[:5])
    return problem(422, f"The request has invalid fields: {summary}", code="validation_failed", errors=field_errors)
