"""The audit log's hash chain without I/O: canonical form, and what `verify` makes of every kind of tampering."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from koban.audit import chain
from koban.audit.models import GENESIS, AuditAction, AuditRecord, Breakage, ChainHead

TENANT = "pilot-nl"
START = datetime(2026, 11, 2, 9, 15, tzinfo=UTC)


def _record(number: int) -> AuditRecord:
    return AuditRecord(
        tenant=TENANT,
        at=START + timedelta(seconds=number, microseconds=number),
        actor=f"officer-{number}",
        role="officer",
        action=AuditAction.CONTACT_VIEWED,
        target=f"report/{number:020d}",
        detail={"status": "new"},
    )


def _stored_chain(length: int) -> list[dict[str, Any]]:
    head, items = ChainHead(), []
    for number in range(1, length + 1):
        entry = chain.link(_record(number), head, f"id{number:018d}")
        items.append(chain.stored_fields(entry))
        head = ChainHead(seq=entry.seq, hash=entry.hash)
    return items


def _head(items: list[dict[str, Any]]) -> ChainHead:
    return ChainHead(seq=items[-1]["seq"], hash=items[-1]["hash"]) if items else ChainHead()


def _verify(items: list[dict[str, Any]], head: ChainHead | None) -> Any:
    return chain.verify(TENANT, items, lambda: head)


def test_canonical_json_sorts_keys_without_spaces_in_utf8() -> None:
    # Given fields in any order, with non-ASCII text
    # When made canonical
    text = chain.canonical({"b": 1, "a": {"z": "ł", "y": [1, 2]}})
    # Then keys are sorted at every level, no spaces, UTF-8 (not \\u escapes)
    assert text == '{"a":{"y":[1,2],"z":"ł"},"b":1}'.encode()


def test_an_entry_hash_covers_its_fields_the_previous_hash_the_tenant_and_the_format() -> None:
    # Given the first entry of a chain
    entry = chain.link(_record(1), ChainHead(), "id000000000000000001")
    fields = chain.stored_fields(entry)
    # Then its hash is SHA-256 over the canonical JSON of the hashed fields, the version and the tenant
    expected = {name: fields[name] for name in chain.HASHED} | {"v": 1, "tenant": TENANT}
    assert entry.hash == hashlib.sha256(chain.canonical(expected)).hexdigest()
    assert entry.prev_hash == GENESIS
    assert entry.seq == 1
    assert fields["at"] == "2026-11-02T09:15:01.000001Z"
    # And any other tenant, previous hash or time gives another hash
    assert chain.digest("pilot-pl", fields) != entry.hash
    assert chain.digest(TENANT, {**fields, "prev_hash": "1" * 64}) != entry.hash
    assert chain.digest(TENANT, {**fields, "at": "2026-11-02T09:15:01.000002Z"}) != entry.hash


def test_an_intact_chain_verifies_and_an_empty_log_too() -> None:
    items = _stored_chain(5)
    result = _verify(items, _head(items))
    assert (result.ok, result.entries_checked, result.first_broken_seq) == (True, 5, None)
    assert _verify([], ChainHead()).ok


@pytest.mark.parametrize(
    ("field", "value"),
    [("actor", "someone-else"), ("target", "report/00000000000000000099"), ("detail", {}), ("at", "2026-01-01")],
)
def test_an_edited_field_is_found_at_its_entry(field: str, value: Any) -> None:
    # Given entry 3 of 5 edited in place
    items = _stored_chain(5)
    items[2][field] = value
    # When verified
    result = _verify(items, _head(items))
    # Then entry 3 is reported as edited
    assert not result.ok
    assert (result.first_broken_seq, result.breakage) == (3, Breakage.EDITED)
    assert result.entries_checked == 2


def test_an_edited_entry_whose_hash_was_recomputed_breaks_the_next_link() -> None:
    # Given entry 2 rewritten with a hash that matches its new fields (a careful forger)
    items = _stored_chain(4)
    items[1]["actor"] = "forger"
    items[1]["hash"] = chain.digest(TENANT, items[1])
    # Then entry 3 no longer follows it
    result = _verify(items, _head(items))
    assert (result.first_broken_seq, result.breakage) == (3, Breakage.BROKEN_LINK)


def test_a_deleted_middle_entry_is_named() -> None:
    items = _stored_chain(5)
    del items[2]
    result = _verify(items, _head(items))
    assert (result.first_broken_seq, result.breakage) == (3, Breakage.DELETED)


def test_a_deleted_last_entry_is_a_head_mismatch() -> None:
    # Given the last entry deleted and the head left as it was
    items = _stored_chain(5)
    head = _head(items)
    del items[-1]
    # Then the head names an entry that is not there
    result = _verify(items, head)
    assert (result.first_broken_seq, result.breakage) == (5, Breakage.HEAD_MISMATCH)
    assert result.entries_checked == 4


def test_a_forged_entry_appended_without_moving_the_head_is_a_head_mismatch() -> None:
    items = _stored_chain(3)
    head = _head(items)
    forged = chain.link(_record(9), head, "forged00000000000001")
    items.append(chain.stored_fields(forged))
    result = _verify(items, head)
    assert (result.first_broken_seq, result.breakage) == (4, Breakage.HEAD_MISMATCH)


def test_reordered_entries_are_found() -> None:
    # Given entries 2 and 3 swapped in their places (each keeps its own fields)
    items = _stored_chain(4)
    items[1], items[2] = items[2], items[1]
    result = _verify(items, _head(items))
    assert (result.ok, result.first_broken_seq) == (False, 2)


def test_entries_swapped_with_their_sequence_numbers_break_their_hashes() -> None:
    # Given two entries' contents swapped but each given the other's place number
    items = _stored_chain(4)
    items[1], items[2] = {**items[2], "seq": 2}, {**items[1], "seq": 3}
    result = _verify(items, _head(items))
    assert (result.first_broken_seq, result.breakage) == (2, Breakage.EDITED)


def test_a_forged_entry_put_in_the_place_of_another_is_found() -> None:
    # Given entry 2 replaced by a well-formed entry linked to entry 1, made by someone without the real entry 2
    items = _stored_chain(3)
    forged = chain.link(_record(7), ChainHead(seq=1, hash=items[0]["hash"]), "forged00000000000002")
    items[1] = chain.stored_fields(forged)
    result = _verify(items, _head(items))
    assert (result.first_broken_seq, result.breakage) == (3, Breakage.BROKEN_LINK)


def test_an_unreadable_head_or_entry_is_reported_not_raised() -> None:
    items = _stored_chain(2)
    assert _verify(items, None).breakage is Breakage.HEAD_MISMATCH
    head = _head(items)
    items[1] = {"seq": "two", "hash": None}
    result = _verify(items, head)
    assert (result.first_broken_seq, result.breakage) == (2, Breakage.EDITED)


def test_entries_appended_while_verifying_are_read_on_before_the_head_is_compared() -> None:
    # Given a walk that saw 3 entries while 2 more were appended before the head was read
    items = _stored_chain(5)
    result = chain.verify(TENANT, items[:3], lambda: _head(items), lambda seq: items[seq:])
    # Then the late entries are checked too and the chain is intact
    assert (result.ok, result.entries_checked) == (True, 5)
