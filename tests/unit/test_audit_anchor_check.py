"""Anchors of the audit log without I/O: the anchor's key, when the job stores one, and what comparing a walked
chain with its anchors finds (a match, a rewritten entry, a head cut back behind an anchor, no anchors at all)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from koban.audit import anchors, chain
from koban.audit.models import Anchor, Breakage, ChainHead, VerifyResult
from tests.unit.test_audit_chain import TENANT, _head, _stored_chain

AT = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)


def _anchor(items: list[dict[str, Any]], seq: int, minutes: int = 0) -> Anchor:
    return Anchor(seq=seq, hash=items[seq - 1]["hash"], at=AT + timedelta(minutes=minutes))


def _walked(items: list[dict[str, Any]], anchored: list[Anchor]) -> tuple[VerifyResult, dict[int, Any]]:
    """The chain verified as the service does it: the hashes at anchored seqs noted during the walk."""
    hashes: dict[int, Any] = {}
    seqs = frozenset(anchor.seq for anchor in anchored)
    result = chain.verify(TENANT, anchors.noting_hashes(items, seqs, hashes), lambda: _head(items))
    return result, hashes


def _rewritten_from(items: list[dict[str, Any]], seq: int) -> list[dict[str, Any]]:
    """The chain rewritten consistently from entry `seq` on: its actor changed, every hash after it recomputed."""
    rewritten = [dict(item) for item in items]
    for index in range(seq - 1, len(rewritten)):
        if index == seq - 1:
            rewritten[index]["actor"] = "someone-else"
        if index > 0:
            rewritten[index]["prev_hash"] = rewritten[index - 1]["hash"]
        rewritten[index]["hash"] = chain.digest(TENANT, rewritten[index])
    return rewritten


def test_an_anchor_key_names_the_tenant_seq_and_hash_and_reads_back() -> None:
    head = ChainHead(seq=42, hash="a" * 64)
    key = anchors.anchor_key(TENANT, head)
    assert key == f"anchors/{TENANT}/000000000042-{'a' * 64}.json"
    assert anchors.parse_key(TENANT, key) == (42, "a" * 64)
    # Another tenant's anchor, a stray object and seq 0 are not anchors of this tenant
    assert anchors.parse_key("pilot-pl", key) is None
    assert anchors.parse_key(TENANT, f"anchors/{TENANT}/notes.txt") is None
    assert anchors.parse_key(TENANT, f"anchors/{TENANT}/000000000000-{'a' * 64}.json") is None


class _Heads:
    def __init__(self, head: ChainHead | None) -> None:
        self.value = head

    def head(self, tenant: str) -> ChainHead | None:
        return self.value


class _Bucket:
    """Keys are written once, as If-None-Match does."""

    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}

    def put(self, key: str, document: bytes) -> bool:
        if key in self.objects:
            return False
        self.objects[key] = document
        return True


def test_the_job_anchors_a_head_that_moved_once_and_nothing_for_an_empty_or_unreadable_log() -> None:
    # Given a log whose head is entry 3
    bucket, heads = _Bucket(), _Heads(ChainHead(seq=3, hash="b" * 64))
    # When the job runs twice without an append between
    first = anchors.anchor_head(TENANT, heads, bucket, AT)
    second = anchors.anchor_head(TENANT, heads, bucket, AT + timedelta(minutes=15))
    # Then one anchor is stored, holding tenant, seq, hash and time; the second run finds it
    assert (first.outcome, second.outcome) == (anchors.Outcome.ANCHORED, anchors.Outcome.UNCHANGED)
    [(key, document)] = bucket.objects.items()
    assert key == anchors.anchor_key(TENANT, ChainHead(seq=3, hash="b" * 64))
    assert json.loads(document) == {"tenant": TENANT, "seq": 3, "hash": "b" * 64, "at": "2026-11-02T09:30:00+00:00"}
    # And once the head moves on, the next run anchors it
    heads.value = ChainHead(seq=4, hash="c" * 64)
    assert anchors.anchor_head(TENANT, heads, bucket, AT).outcome is anchors.Outcome.ANCHORED
    assert len(bucket.objects) == 2
    # And an empty log or an unreadable head stores nothing
    assert anchors.anchor_head(TENANT, _Heads(ChainHead()), bucket, AT).outcome is anchors.Outcome.EMPTY
    assert anchors.anchor_head(TENANT, _Heads(None), bucket, AT).outcome is anchors.Outcome.UNREADABLE
    assert len(bucket.objects) == 2


def test_a_chain_matching_its_anchors_is_ok_and_counts_them() -> None:
    items = _stored_chain(6)
    anchored = [_anchor(items, 2), _anchor(items, 5, minutes=15), _anchor(items, 6, minutes=30)]
    result, hashes = _walked(items, anchored)
    checked = anchors.check(result, anchored, hashes)
    assert (checked.ok, checked.anchors_checked, checked.entries_checked, checked.breakage) == (True, 3, 6, None)
    # Only the anchored hashes were kept from the walk
    assert set(hashes) == {2, 5, 6}


def test_no_anchors_yet_is_ok_with_none_checked() -> None:
    items = _stored_chain(3)
    result, hashes = _walked(items, [])
    checked = anchors.check(result, [], hashes)
    assert (checked.ok, checked.anchors_checked) == (True, 0)


@pytest.mark.parametrize(("rewritten_from", "first_differing"), [(1, 2), (2, 2), (3, 5), (5, 5)])
def test_a_consistent_rewrite_passes_the_chain_but_not_the_first_anchor_at_or_after_it(
    rewritten_from: int, first_differing: int
) -> None:
    # Given anchors of entries 2 and 5, and the chain rewritten from an entry on with every hash recomputed
    items = _stored_chain(6)
    anchored = [_anchor(items, 5, minutes=15), _anchor(items, 2)]
    forged = _rewritten_from(items, rewritten_from)
    # When it is walked: the chain itself is whole
    result, hashes = _walked(forged, anchored)
    assert result.ok
    # Then the first anchor at or after the rewrite differs, and says so
    checked = anchors.check(result, anchored, hashes)
    assert (checked.ok, checked.breakage, checked.first_broken_seq) == (
        False,
        Breakage.ANCHOR_MISMATCH,
        first_differing,
    )
    moment = "2026-11-02T09:45:00Z" if first_differing == 5 else "2026-11-02T09:30:00Z"
    assert checked.reason is not None
    assert checked.reason.startswith(
        f"entry {first_differing} differs from its anchor of {moment}: the chain was rewritten"
    )
    assert checked.anchors_checked == (2 if first_differing == 5 else 1)
    # And where an earlier anchor still matches, the rewrite is placed after it
    assert ("after entry 2" in checked.reason) is (first_differing == 5)


def test_a_head_cut_back_behind_an_anchor_is_found() -> None:
    # Given an anchor of entry 5, and the chain cut back to entry 3 (the last two entries deleted, the head moved)
    items = _stored_chain(5)
    anchored = [_anchor(items, 2), _anchor(items, 5, minutes=15)]
    result, hashes = _walked(items[:3], anchored)
    assert result.ok
    # Then the anchor of entry 5 lies beyond the head: entry 4 is the first one missing
    checked = anchors.check(result, anchored, hashes)
    assert (checked.ok, checked.first_broken_seq, checked.anchors_checked) == (False, 4, 2)
    assert checked.reason == (
        "entry 5 was anchored on 2026-11-02T09:45:00Z but the head is entry 3: the chain was cut back"
    )


def test_a_second_anchor_of_one_seq_with_another_hash_is_a_mismatch() -> None:
    # Given the true anchor of entry 3 and a forged one of the same seq (written by someone with bucket access)
    items = _stored_chain(3)
    forged = Anchor(seq=3, hash="f" * 64, at=AT + timedelta(minutes=1))
    anchored = [_anchor(items, 3), forged]
    result, hashes = _walked(items, anchored)
    checked = anchors.check(result, anchored, hashes)
    assert (checked.ok, checked.first_broken_seq, checked.anchors_checked) == (False, 3, 2)


def test_a_broken_chain_keeps_its_own_breakage_and_compares_no_anchor() -> None:
    items = _stored_chain(4)
    items[1] = {**items[1], "actor": "nobody"}  # edited without recomputing its hash
    anchored = [_anchor(_stored_chain(4), 3)]
    result, hashes = _walked(items, anchored)
    checked = anchors.check(result, anchored, hashes)
    assert (checked.ok, checked.breakage, checked.first_broken_seq, checked.anchors_checked) == (
        False,
        Breakage.EDITED,
        2,
        0,
    )
