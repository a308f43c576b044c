"""`Idempotency-Key` support for report intake (powertools idempotency over IdempotencyTable).

A retry with the same key and body returns the first answer; the same key with another body is refused.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyValidationError,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

from koban import aws
from koban.auth import Principal, Role
from koban.errors import Conflict, FieldError, ValidationFailed
from koban.reports.schemas import ReceiptOut, ReportIn
from koban.reports.service import submit_report
from koban.settings import get_settings


def _principal_to_json(principal: Principal | None) -> dict[str, Any] | None:
    if principal is None:
        return None
    return {"subject": principal.subject, "tenant": principal.tenant, "roles": sorted(principal.roles)}


def _principal_from_json(data: dict[str, Any] | None) -> Principal | None:
    if data is None:
        return None
    return Principal(subject=data["subject"], tenant=data["tenant"], roles=frozenset(Role(r) for r in data["roles"]))


def _submit(command: dict[str, Any]) -> dict[str, Any]:
    receipt = submit_report(
        command["tenant"],
        ReportIn.model_validate(command["body"]),
        _principal_from_json(command["principal"]),
    )
    return receipt.model_dump(mode="json")


@lru_cache(maxsize=1)
def _config() -> IdempotencyConfig:
    settings = get_settings()
    return IdempotencyConfig(
        event_key_jmespath="[tenant, key]",
        payload_validation_jmespath="[body, principal]",
        expires_after_seconds=settings.idempotency_ttl_seconds,
    )


@lru_cache(maxsize=1)
def _idempotent_submit() -> Callable[..., dict[str, Any]]:
    persistence = DynamoDBPersistenceLayer(
        table_name=get_settings().idempotency_table, boto3_client=aws.client("dynamodb")
    )
    decorated: Callable[..., dict[str, Any]] = idempotent_function(
        data_keyword_argument="command", persistence_store=persistence, config=_config()
    )(_submit)
    return decorated


def submit_report_once(
    tenant_id: str,
    request: ReportIn,
    principal: Principal | None,
    idempotency_key: str | None,
    context: LambdaContext | None = None,
) -> ReceiptOut:
    if idempotency_key is None:
        return submit_report(tenant_id, request, principal)
    if context is not None:
        _config().register_lambda_context(context)
    command = {
        "tenant": tenant_id,
        "key": idempotency_key,
        "body": request.model_dump(mode="json"),
        "principal": _principal_to_json(principal),
    }
    try:
        return ReceiptOut.model_validate(_idempotent_submit()(command=command))
    except IdempotencyValidationError as exc:
        raise ValidationFailed(
            [FieldError("header.Idempotency-Key", "this key was already used for a different request", "reused")]
        ) from exc
    except IdempotencyAlreadyInProgressError as exc:
        raise Conflict("A request with this Idempotency-Key is still being processed; retry shortly.") from exc


def reset() -> None:
    _config.cache_clear()
    _idempotent_submit.cache_clear()
