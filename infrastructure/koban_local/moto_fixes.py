"""Fixes for moto in the local home: transactions without whole-table copies, and scans beside writes.

moto's `transact_write_items` deep-copies every table a transaction touches, so that it can roll back; with
the seeded history (~100,000 items) one report submission took over 20 s. Here a transaction instead
remembers only the items it touches (and how long each table's stream was) and restores exactly those when
it fails. Success and failure behave as before: same writes, same TransactionCanceledException, no stream
record left behind by a cancelled transaction.

moto's `Table.all_items` (every Scan) iterates the table's dicts while other requests of the threaded server may
add items to them: "dictionary changed size during iteration", a 500 to the scanner (the local TTL sweeper, which
scans as DynamoDB's own TTL process does, while seeding or requests write). Here it iterates copies of them.

Applied by `LocalAws`; tests over `mock_aws` run moto as is.
"""

from __future__ import annotations

import copy
import threading
from dataclasses import dataclass
from typing import Any

from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import Table

_applied = threading.Lock()
_original_transact_write_items = DynamoDBBackend.transact_write_items


@dataclass
class _Touched:
    table: Table
    hash_key: DynamoType
    range_key: DynamoType | None
    before: Any  # the moto Item as it was, or None


def _key_of(table: Table, op_type: str, op: dict[str, Any]) -> tuple[DynamoType, DynamoType | None] | None:
    key = op.get("Item") if op_type == "Put" else op.get("Key")
    if not isinstance(key, dict) or table.hash_key_attr not in key:
        return None
    range_attr = table.range_key_attr
    if range_attr is not None and range_attr not in key:
        return None
    return DynamoType(key[table.hash_key_attr]), DynamoType(key[range_attr]) if range_attr else None


def _remember(backend: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> list[_Touched]:
    touched = []
    for entry in transact_items:
        if len(entry) != 1:
            continue
        op_type, op = next(iter(entry.items()))
        table = backend.tables.get(str(op.get("TableName"))) if isinstance(op, dict) else None
        if table is None:
            continue
        key = _key_of(table, op_type, op)
        if key is not None:
            touched.append(_Touched(table, key[0], key[1], copy.deepcopy(table.get_item(*key))))
    return touched


def _restore(touched: list[_Touched], stream_lengths: dict[int, int]) -> None:
    for entry in reversed(touched):
        items = entry.table.items
        if entry.range_key is not None:
            if entry.before is None:
                items.get(entry.hash_key, {}).pop(entry.range_key, None)
            else:
                items[entry.hash_key][entry.range_key] = entry.before
        elif entry.before is None:
            items.pop(entry.hash_key, None)
        else:
            items[entry.hash_key] = entry.before
    for entry in touched:
        shard = entry.table.stream_shard
        if shard is not None and id(shard) in stream_lengths:
            del shard.items[stream_lengths[id(shard)] :]


def _transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
    touched = _remember(self, transact_items)
    tables = {id(entry.table): entry.table for entry in touched}
    stream_lengths = {
        id(table.stream_shard): len(table.stream_shard.items)
        for table in tables.values()
        if table.stream_shard is not None
    }
    try:
        _original_transact_write_items(self, transact_items)
    except Exception:
        # moto has put back its "copies", which are the tables themselves; undo what this transaction wrote.
        _restore(touched, stream_lengths)
        raise


def _table_is_its_own_snapshot(self: Table, memo: dict[int, Any]) -> Table:
    return self


def _all_items_of_a_copy(self: Table) -> list[Any]:
    """moto's `all_items` over copies of the partition dicts (`list()` of a dict is atomic under the GIL)."""
    items: list[Any] = []
    for partition in list(self.items.values()):
        items.extend(list(partition.values()) if self.range_key_attr else [partition])
    return sorted(items, key=lambda item: (item.hash_key, item.range_key) if item.range_key else item.hash_key)


def apply() -> None:
    """Install the fix (idempotent). moto's only whole-table deep copy is the transaction backup."""
    with _applied:
        Table.__deepcopy__ = _table_is_its_own_snapshot  # type: ignore[attr-defined]
        DynamoDBBackend.transact_write_items = _transact_write_items  # type: ignore[method-assign]
        Table.all_items = _all_items_of_a_copy  # type: ignore[method-assign]
