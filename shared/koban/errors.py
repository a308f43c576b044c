"""Domain errors. Logic raises these; `koban.http.problems` is the one place that maps them to HTTP."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class FieldError:
    """One invalid input field: where it is (a JSON-pointer-like path) and why it is wrong."""

    field: str
    message: str
    code: str = "invalid"

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message, "code": self.code}


class KobanError(Exception):
    """Base of every error the domain raises on purpose."""

    code: str = "koban_error"

    def __init__(self, detail: str, *, code: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        if code is not None:
            self.code = code


class ValidationFailed(KobanError):
    """The input is well-formed JSON but breaks a rule of the domain; `errors` names each bad field.

    `extra` holds more members for the problem document (RFC 9457 extension members, e.g. `findings`)."""

    code = "validation_failed"

    def __init__(
        self,
        errors: list[FieldError],
        detail: str | None = None,
        *,
        code: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail or "; ".join(f"{e.field}: {e.message}" for e in errors), code=code)
        self.errors = errors
        self.extra = extra or {}


class NotFound(KobanError):
    code = "not_found"


class Unauthenticated(KobanError):
    code = "unauthenticated"


class Forbidden(KobanError):
    code = "forbidden"


class Conflict(KobanError):
    code = "conflict"


class PreconditionFailed(KobanError):
    """An `If-Match` names a version that is no longer the current one (someone changed it meanwhile)."""

    code = "precondition_failed"


class PreconditionRequired(KobanError):
    """A change that could overwrite someone else's work came without `If-Match` (RFC 6585)."""

    code = "precondition_required"


class PayloadTooLarge(KobanError):
    code = "payload_too_large"


class UnsupportedMediaType(KobanError):
    code = "unsupported_media_type"


class StorageError(KobanError):
    """A data store failed for a reason that is not the caller's fault (wraps a botocore `ClientError`)."""

    code = "storage_error"


class Unavailable(KobanError):
    """A feature this deployment has not configured (e.g. web push without a VAPID key): try another way."""

    code = "unavailable"


class RateLimited(KobanError):
    """A client used up its share of an open route (koban.ratelimit); it may try again after a while."""

    code = "rate_limited"

    def __init__(self, detail: str, *, retry_after_seconds: int) -> None:
        super().__init__(detail)
        self.retry_after_seconds = retry_after_seconds
