"""Anchors: the heads of the audit log copied, every 15 minutes, into a bucket nobody can change (S3 Object Lock in
compliance mode), so that a chain rewritten consistently inside AuditTable no longer matches them.

The chain alone proves that no entry was changed *relative to the head*; someone who can write the table can
recompute every hash from an entry onwards and move the head to match. An anchor fixes (seq, hash) of a head at a
moment: since an entry's hash covers the hash before it, the stored entry at an anchored seq still has the
anchored hash only if no entry up to it was changed. `check` compares every anchor of the tenant with the chain
that `koban.audit.chain.verify` walked: the stored hash at each anchored seq must be the anchor's, and the head
must not lie before an anchored seq (a cut-back chain).

An anchor is one object `anchors/<tenant>/<seq, 12 digits>-<hash>.json` holding {tenant, seq, hash, at}: the key
alone carries what verification compares, so one ListObjectVersions call reads a thousand anchors (a year of
15-minute anchors of a busy tenant is ~35,000 objects, 36 calls) and no object is read. The same head gives the
same key and is written once (If-None-Match); a version of an anchor can be neither deleted nor overwritten
before its retention ends, and listing versions (not objects) also sees anchors hidden behind a delete marker.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping, MutableMapping, Sequence
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict

from koban.audit.models import Anchor, Breakage, ChainHead, VerifyResult

_ANCHORS = "anchors"


class Outcome(StrEnum):
    ANCHORED = "anchored"  # the head moved since its last anchor: a new anchor was stored
    UNCHANGED = "unchanged"  # the head is anchored already
    EMPTY = "empty"  # the tenant's log has no entry yet
    UNREADABLE = "unreadable"  # the head item was tampered with: nothing to anchor (`verify` names it)


class AnchoredHead(BaseModel):
    model_config = ConfigDict(frozen=True)

    tenant: str
    outcome: Outcome
    head: ChainHead | None


class HeadSource(Protocol):
    def head(self, tenant: str) -> ChainHead | None: ...


class AnchorStore(Protocol):
    def put(self, key: str, document: bytes) -> bool: ...


def prefix(tenant: str) -> str:
    return f"{_ANCHORS}/{tenant}/"


def anchor_key(tenant: str, head: ChainHead) -> str:
    return f"{prefix(tenant)}{head.seq:012d}-{head.hash}.json"


def parse_key(tenant: str, key: str) -> tuple[int, str] | None:
    """(seq, hash) of an anchor's key, or None for a key that is not one of the tenant's anchors."""
    match = re.fullmatch(rf"{re.escape(prefix(tenant))}([0-9]{{12}})-([0-9a-f]{{64}})\.json", key)
    return (int(match[1]), match[2]) if match and int(match[1]) >= 1 else None


def anchor_document(tenant: str, head: ChainHead, at: datetime) -> bytes:
    fields = {"tenant": tenant, "seq": head.seq, "hash": head.hash, "at": at.astimezone(UTC).isoformat()}
    return json.dumps(fields, sort_keys=True).encode()


def anchor_head(tenant: str, heads: HeadSource, store: AnchorStore, at: datetime) -> AnchoredHead:
    """Store an anchor of the tenant's head unless it is anchored already (one GetItem, at most one PutObject)."""
    head = heads.head(tenant)
    if head is None:
        return AnchoredHead(tenant=tenant, outcome=Outcome.UNREADABLE, head=None)
    if head.seq == 0:
        return AnchoredHead(tenant=tenant, outcome=Outcome.EMPTY, head=head)
    stored = store.put(anchor_key(tenant, head), anchor_document(tenant, head, at))
    return AnchoredHead(tenant=tenant, outcome=Outcome.ANCHORED if stored else Outcome.UNCHANGED, head=head)


def noting_hashes(
    items: Iterable[Mapping[str, Any]], anchored: frozenset[int], hashes: MutableMapping[int, Any]
) -> Iterator[Mapping[str, Any]]:
    """`items` as they are, noting the stored hash of each entry at an anchored seq into `hashes` (so the walk
    of the chain reads each entry once, and only the anchored hashes are kept)."""
    for item in items:
        seq = item.get("seq")
        if isinstance(seq, int) and seq in anchored:
            hashes[seq] = item.get("hash")
        yield item


def _moment(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def check(result: VerifyResult, anchors: Sequence[Anchor], hashes: Mapping[int, Any]) -> VerifyResult:
    """`result` of the chain's walk, compared with the tenant's anchors (oldest seq first): the first anchor the
    stored chain differs from, or the head lying before an anchored seq.

    `hashes` holds the stored hash at each anchored seq the walk passed. A broken chain is reported as it is
    (its first breakage comes first; anchors are compared with an intact chain only)."""
    if not result.ok or result.head is None:
        return result.model_copy(update={"anchors_checked": 0})
    head = result.head
    matched: Anchor | None = None
    for checked, anchor in enumerate(sorted(anchors, key=lambda anchor: (anchor.seq, anchor.at)), start=1):
        if anchor.seq > head.seq:
            reason = (
                f"entry {anchor.seq} was anchored on {_moment(anchor.at)} but the head is entry {head.seq}:"
                " the chain was cut back"
            )
            return _mismatch(result, head.seq + 1, reason, checked)
        if hashes.get(anchor.seq) != anchor.hash:
            reason = f"entry {anchor.seq} differs from its anchor of {_moment(anchor.at)}: the chain was rewritten"
            if matched is not None:
                reason += f" after entry {matched.seq} (anchored on {_moment(matched.at)}, still matching)"
            return _mismatch(result, anchor.seq, reason, checked)
        matched = anchor
    return result.model_copy(update={"anchors_checked": len(anchors)})


def _mismatch(result: VerifyResult, seq: int, reason: str, checked: int) -> VerifyResult:
    return result.model_copy(
        update={
            "ok": False,
            "first_broken_seq": seq,
            "breakage": Breakage.ANCHOR_MISMATCH,
            "reason": reason,
            "anchors_checked": checked,
        }
    )
