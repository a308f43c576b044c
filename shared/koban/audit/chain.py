"""The hash chain: each entry's SHA-256 covers its canonical JSON, which includes the hash of the entry before it.

Canonical JSON: the fields of `HASHED` plus the format version `v` and the tenant, keys sorted, no spaces, UTF-8,
times as UTC with microseconds and a `Z` (`2026-11-02T09:15:00.000001Z`). Changing a field, the order or the
tenant of an entry changes its hash; removing an entry breaks the next one's `prev_hash` (or, for the last one,
the head). `verify` works on the stored items as they are, so an entry edited into any shape is reported, not
choked on.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from koban.audit.models import GENESIS, AuditEntry, AuditRecord, Breakage, ChainHead, VerifyResult

FORMAT_VERSION = 1
# The stored fields an entry's hash covers (with `v` and the tenant of the log it is in).
HASHED = ("seq", "id", "at", "actor", "role", "action", "target", "detail", "prev_hash")


def utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(fields: Mapping[str, Any]) -> bytes:
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def digest(tenant: str, stored: Mapping[str, Any]) -> str:
    """The hash of an entry of `tenant`'s log from its stored fields (a missing field counts as null)."""
    fields = {name: stored.get(name) for name in HASHED}
    return hashlib.sha256(canonical({**fields, "v": FORMAT_VERSION, "tenant": tenant})).hexdigest()


def stored_fields(entry: AuditEntry) -> dict[str, Any]:
    """An entry's fields as they are stored and hashed (the time as fixed-format text)."""
    return {
        "seq": entry.seq,
        "id": entry.id,
        "at": utc_text(entry.at),
        "actor": entry.actor,
        "role": entry.role,
        "action": str(entry.action),
        "target": entry.target,
        "detail": dict(entry.detail),
        "prev_hash": entry.prev_hash,
        "hash": entry.hash,
    }


def link(record: AuditRecord, head: ChainHead, entry_id: str) -> AuditEntry:
    """`record` as the entry after `head`."""
    unhashed = AuditEntry(**record.model_dump(), seq=head.seq + 1, id=entry_id, prev_hash=head.hash, hash=GENESIS)
    return unhashed.model_copy(update={"hash": digest(record.tenant, stored_fields(unhashed))})


def verify(
    tenant: str,
    entries: Iterable[Mapping[str, Any]],
    read_head: Callable[[], ChainHead | None],
    entries_after: Callable[[int], Iterable[Mapping[str, Any]]] = lambda seq: (),
) -> VerifyResult:
    """Walk `entries` (stored items in sequence order), then the head: the first place the chain is broken.

    Each entry must follow the one before it (seq + 1), give its own hash from its fields, and name the previous
    entry's hash; the head (None: its item is unreadable), read after the walk, must name the last entry. Where
    it lies beyond it, entries appended during the walk are read on (`entries_after(seq)`) a few times before
    the missing tail counts as deleted."""
    walk = _Walk(tenant)
    broken = walk.through(entries)
    head = read_head()
    for _ in range(3):
        if broken is not None or head is None or head.seq <= walk.last.seq:
            break
        seen = walk.checked
        broken = walk.through(entries_after(walk.last.seq))
        if walk.checked == seen:
            break
        head = read_head()
    if broken is not None:
        return broken.model_copy(update={"head": head})
    if head is None:
        reason = f"the head item is unreadable; the last entry is {walk.last.seq}"
        return walk.broken(walk.last.seq + 1, Breakage.HEAD_MISMATCH, reason, head)
    if head != walk.last:
        reason = (
            f"the head names entry {head.seq} ({head.hash[:12]}…) but the last entry is {walk.last.seq}"
            f" ({walk.last.hash[:12]}…)"
        )
        return walk.broken(min(head.seq, walk.last.seq) + 1, Breakage.HEAD_MISMATCH, reason, head)
    return VerifyResult(tenant=tenant, ok=True, entries_checked=walk.checked, head=head)


class _Walk:
    def __init__(self, tenant: str) -> None:
        self.tenant = tenant
        self.checked = 0
        self.last = ChainHead()

    def through(self, entries: Iterable[Mapping[str, Any]]) -> VerifyResult | None:
        """Check `entries` on from the last one checked; the first breakage, or None."""
        for item in entries:
            seq = item.get("seq")
            expected = self.last.seq + 1
            if not isinstance(seq, int) or isinstance(seq, bool) or seq < expected:
                return self.broken(expected, Breakage.EDITED, "its sequence number was changed")
            if seq > expected:
                missing = f"entries {expected}-{seq - 1} are missing" if seq > expected + 1 else "it is missing"
                return self.broken(expected, Breakage.DELETED, missing)
            if item.get("hash") != digest(self.tenant, item):
                return self.broken(seq, Breakage.EDITED, "its fields do not give its hash")
            if item.get("prev_hash") != self.last.hash:
                return self.broken(seq, Breakage.BROKEN_LINK, "it does not follow the entry before it")
            self.checked += 1
            self.last = ChainHead(seq=seq, hash=str(item["hash"]))
        return None

    def broken(self, seq: int, breakage: Breakage, reason: str, head: ChainHead | None = None) -> VerifyResult:
        return VerifyResult(
            tenant=self.tenant,
            ok=False,
            entries_checked=self.checked,
            head=head,
            first_broken_seq=seq,
            breakage=breakage,
            reason=f"entry {seq}: {reason}",
        )
