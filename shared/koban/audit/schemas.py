"""API models of the audit routes (admins only)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from koban.audit.models import Breakage, VerifyResult


class AuditEntryOut(BaseModel):
    """An entry as stored: shown even when it was tampered with (the verification says whether it is intact)."""

    model_config = ConfigDict(frozen=True)

    seq: Annotated[int | None, Field(description="Place in the tenant's chain (from the entry's key)")]
    id: str | None = None
    at: str | None = None
    actor: str | None = None
    role: str | None = None
    action: str | None = None
    target: str | None = None
    detail: dict[str, Any] | None = None
    prev_hash: str | None = None
    hash: str | None = None


class AuditPageOut(BaseModel):
    model_config = ConfigDict(frozen=True)

    tenant: str
    items: list[AuditEntryOut]
    next_cursor: str | None


class AuditVerificationOut(BaseModel):
    model_config = ConfigDict(frozen=True)

    tenant: str
    ok: bool
    entries_checked: Annotated[int, Field(ge=0)]
    head_seq: Annotated[int | None, Field(description="The head's last entry (its seq and hash are anchored)")]
    head_hash: str | None
    first_broken_seq: int | None = None
    breakage: Breakage | None = None
    reason: str | None = None
    anchors_checked: Annotated[
        int | None,
        Field(
            ge=0,
            description="Anchors of the head (copies kept in an object-locked bucket) the chain was compared with; "
            "null: no anchors bucket is configured, only the chain itself was checked",
        ),
    ] = None

    @classmethod
    def of(cls, result: VerifyResult) -> AuditVerificationOut:
        return cls(
            tenant=result.tenant,
            ok=result.ok,
            entries_checked=result.entries_checked,
            head_seq=result.head.seq if result.head else None,
            head_hash=result.head.hash if result.head else None,
            first_broken_seq=result.first_broken_seq,
            breakage=result.breakage,
            reason=result.reason,
            anchors_checked=result.anchors_checked,
        )
