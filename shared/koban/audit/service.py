"""The audit log's use cases: other modules append (alone, or in one transaction with the change they audit);
admins page through it and verify it; `koban audit verify` verifies it from the command line."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from koban.audit import chain
from koban.audit.models import AuditAction, AuditEntry, AuditRecord, VerifyResult, role_of
from koban.audit.schemas import AuditEntryOut, AuditPageOut, AuditVerificationOut
from koban.audit.storage import AuditRepository, seq_of
from koban.auth import Principal, Role, require_staff
from koban.observability import logger
from koban.settings import get_settings
from koban.tenants.service import get_tenant

READ_AUDIT = frozenset({Role.ADMIN})


@lru_cache(maxsize=1)
def audit_log() -> AuditRepository:
    return AuditRepository(get_settings().audit_table)


def staff_record(
    principal: Principal,
    action: AuditAction,
    target: str,
    *,
    at: datetime | None = None,
    detail: Mapping[str, str] | None = None,
) -> AuditRecord:
    """What a staff member did (their subject and roles, never their name)."""
    return AuditRecord(
        tenant=principal.tenant,
        at=at or datetime.now(UTC),
        actor=principal.subject,
        role=role_of(principal.roles),
        action=action,
        target=target,
        detail=dict(detail or {}),
    )


def append(
    tenant: str,
    actor: str,
    action: AuditAction,
    target: str,
    *,
    role: str = "",
    detail: Mapping[str, str] | None = None,
    at: datetime | None = None,
) -> AuditEntry:
    """Append one entry on its own (a read, an erasure); `detail` holds ids and statuses, never personal data."""
    record = AuditRecord(
        tenant=tenant,
        at=at or datetime.now(UTC),
        actor=actor,
        role=role,
        action=action,
        target=target,
        detail=dict(detail or {}),
    )
    return audit_log().commit(record)


def commit_with(
    record: AuditRecord,
    items: Sequence[dict[str, Any]],
    *,
    operation: str,
    conflict: str = "The record was changed by someone else meanwhile; reload it and try again.",
) -> AuditEntry:
    """Store `items` (TransactWriteItems items of the change) and the entry for `record`: both or neither.

    A failed condition of `items` is a Conflict with `conflict` as its detail."""
    return audit_log().commit(record, items, operation=operation, conflict=conflict)


def verify(tenant: str) -> VerifyResult:
    """Walk the tenant's whole chain (Query pages in sequence order), then its head."""
    repository = audit_log()
    result = chain.verify(
        tenant,
        repository.stored_entries(tenant),
        lambda: repository.head(tenant),
        lambda seq: repository.stored_entries(tenant, after=seq),
    )
    head = result.head.model_dump() if result.head else None
    logger.info(
        "audit verified",
        extra={"tenant": tenant, "ok": result.ok, "entries_checked": result.entries_checked, "audit_head": head},
    )
    return result


def list_entries(tenant_id: str, principal: Principal | None, limit: int, cursor: str | None) -> AuditPageOut:
    require_staff(principal, tenant_id, READ_AUDIT)
    tenant = get_tenant(tenant_id)
    items, next_cursor = audit_log().page(tenant.id, limit, cursor)
    return AuditPageOut(
        tenant=tenant.id,
        items=[
            AuditEntryOut.model_validate(
                {**{name: item.get(name) for name in AuditEntryOut.model_fields}, "seq": seq_of(item)}
            )
            for item in items
        ],
        next_cursor=next_cursor,
    )


def verification(tenant_id: str, principal: Principal | None) -> AuditVerificationOut:
    require_staff(principal, tenant_id, READ_AUDIT)
    return AuditVerificationOut.of(verify(get_tenant(tenant_id).id))
