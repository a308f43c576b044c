"""The audit log's use cases: other modules append (alone, or in one transaction with the change they audit);
admins page through it and verify it (the chain, and the chain against its anchors); a scheduled job anchors the
heads outside the table; `koban audit verify` and `koban audit anchor` do both from the command line."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from koban.audit import anchors, chain
from koban.audit.anchor_storage import AnchorRepository
from koban.audit.models import AuditAction, AuditEntry, AuditRecord, VerifyResult, role_of
from koban.audit.schemas import AuditEntryOut, AuditPageOut, AuditVerificationOut
from koban.audit.storage import AuditRepository, seq_of
from koban.auth import Principal, Role, require_staff
from koban.errors import StorageError
from koban.observability import logger
from koban.settings import get_settings
from koban.tenants.service import get_tenant, list_tenants

READ_AUDIT = frozenset({Role.ADMIN})


@lru_cache(maxsize=1)
def audit_log() -> AuditRepository:
    return AuditRepository(get_settings().audit_table)


@lru_cache(maxsize=1)
def anchor_store() -> AnchorRepository | None:
    """The anchors bucket, or None where none is configured (verification then checks the chain alone)."""
    bucket = get_settings().audit_anchors_bucket
    return AnchorRepository(bucket) if bucket else None


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
    """Walk the tenant's whole chain (Query pages in sequence order), then its head; then compare it with every
    anchor of the tenant (listed before the walk, so none lies beyond the head the walk ends at)."""
    repository, store = audit_log(), anchor_store()
    anchored = store.anchors(tenant) if store else None
    seqs = frozenset(anchor.seq for anchor in anchored or ())
    hashes: dict[int, object] = {}
    result = chain.verify(
        tenant,
        anchors.noting_hashes(repository.stored_entries(tenant), seqs, hashes),
        lambda: repository.head(tenant),
        lambda seq: anchors.noting_hashes(repository.stored_entries(tenant, after=seq), seqs, hashes),
    )
    if anchored is not None:
        result = anchors.check(result, anchored, hashes)
    head = result.head.model_dump() if result.head else None
    logger.info(
        "audit verified",
        extra={
            "tenant": tenant,
            "ok": result.ok,
            "entries_checked": result.entries_checked,
            "anchors_checked": result.anchors_checked,
            "audit_head": head,
        },
    )
    return result


def anchor_heads(at: datetime | None = None) -> list[anchors.AnchoredHead]:
    """Anchor the head of every tenant whose head moved since its last anchor (the scheduled job).

    Every tenant is tried; a tenant whose store failed is logged and the job fails after the others, so that
    Lambda's retry and the error metric report it."""
    store = anchor_store()
    if store is None:
        raise StorageError("No audit anchors bucket is configured (AUDIT_ANCHORS_BUCKET).")
    moment = at or datetime.now(UTC)
    done: list[anchors.AnchoredHead] = []
    failed: list[str] = []
    for tenant in list_tenants():
        try:
            outcome = anchors.anchor_head(tenant.id, audit_log(), store, moment)
        except StorageError:
            logger.exception("audit head not anchored", extra={"tenant": tenant.id})
            failed.append(tenant.id)
            continue
        head = outcome.head.model_dump() if outcome.head else None
        logger.info("audit head anchor", extra={"tenant": tenant.id, "outcome": outcome.outcome, "audit_head": head})
        done.append(outcome)
    if failed:
        raise StorageError(f"The audit heads of {', '.join(failed)} could not be anchored; the next run tries again.")
    return done


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
