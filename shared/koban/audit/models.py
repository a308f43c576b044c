"""What the audit log records. An entry names who did what to which record, never the personal data itself."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

# The hash an empty chain starts from: the first entry's `prev_hash`.
GENESIS = "0" * 64
Hash = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


class AuditAction(StrEnum):
    CONTACT_VIEWED = "contact_viewed"
    THREAD_VIEWED = "thread_viewed"
    CONVERSATION_VIEWED = "conversation_viewed"
    STATUS_CHANGED = "status_changed"
    MESSAGE_POSTED = "message_posted"
    ERASURE = "erasure"
    SUBJECT_REQUEST = "subject_request"
    EXPORT = "export"


# Actors that are not a staff member (the reporter writing in their thread, a scheduled job).
REPORTER = "reporter"
SYSTEM = "system"


def role_of(roles: Iterable[str]) -> str:
    """The roles a staff member acted with, as one stable string ("admin,supervisor")."""
    return ",".join(sorted(str(role) for role in roles))


class AuditRecord(BaseModel):
    """What happened: the part of an entry its author supplies. `detail` holds ids and statuses, no personal data."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    tenant: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{1,39}$")]
    at: AwareDatetime
    actor: Annotated[str, Field(min_length=1, max_length=200)]
    role: Annotated[str, Field(max_length=100)] = ""
    action: AuditAction
    target: Annotated[str, Field(min_length=1, max_length=200, description="What was read or changed: 'report/<id>'")]
    detail: dict[Annotated[str, Field(max_length=50)], Annotated[str, Field(max_length=200)]] = Field(
        default_factory=dict, max_length=10
    )


class AuditEntry(AuditRecord):
    """A record linked into its tenant's chain: its place (`seq`), a random id, and the two hashes."""

    seq: Annotated[int, Field(ge=1)]
    id: Annotated[str, Field(min_length=1, max_length=40)]
    prev_hash: Hash
    hash: Hash


class ChainHead(BaseModel):
    """The tenant's last entry, as the head item holds it (seq 0 and GENESIS for an empty log)."""

    model_config = ConfigDict(frozen=True)

    seq: Annotated[int, Field(ge=0)] = 0
    hash: Hash = GENESIS


class Breakage(StrEnum):
    EDITED = "edited"  # an entry's fields no longer give its hash
    BROKEN_LINK = "broken_link"  # an entry does not follow the one before it (replaced, reordered, forged)
    DELETED = "deleted"  # a sequence number is missing
    HEAD_MISMATCH = "head_mismatch"  # the head names another last entry (the last entries deleted, or a forged tail)
    # The chain is whole but differs from an anchor kept outside the table: rewritten consistently, or cut back.
    ANCHOR_MISMATCH = "anchor_mismatch"


class Anchor(BaseModel):
    """A head as the anchor job copied it into the object-locked anchors bucket, and when S3 stored that copy."""

    model_config = ConfigDict(frozen=True)

    seq: Annotated[int, Field(ge=1)]
    hash: Hash
    at: AwareDatetime


class VerifyResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    tenant: str
    ok: bool
    entries_checked: int
    head: ChainHead | None  # None: the head item is unreadable
    first_broken_seq: int | None = None
    breakage: Breakage | None = None
    reason: str | None = None
    # Anchors the chain was compared with; None: no anchors bucket is configured (only the chain was checked).
    anchors_checked: int | None = None
