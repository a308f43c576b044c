"""AuditTable: one append-only, hash-chained log per tenant (see the README's access-pattern table).

  entry  pk=AUDIT#<tenant>  sk=SEQ#<seq, 12 digits>  seq, id, at, actor, role, action, target, detail,
                                                     prev_hash, hash
  head   pk=AUDIT#<tenant>  sk=HEAD                  seq, hash of the last entry

An append is one TransactWriteItems: Put the entry (attribute_not_exists) and move the head on (condition: it is
still at the seq the entry follows). A writer that lost the race re-reads the head and tries again. A change that
must be audited (a status change, a thread message) puts its own items into that same transaction, so the change
and its entry are stored together or not at all. Functions may Put, Update, ConditionCheck, Query and Get here,
never Delete (template.yaml).
"""

from __future__ import annotations

import base64
import binascii
import json
import random
import re
import time
from collections.abc import Iterator, Sequence
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from pydantic import ValidationError

from koban import aws
from koban.audit import chain
from koban.audit.models import AuditEntry, AuditRecord, ChainHead
from koban.dynamo import deserialize, serialize, storage_error
from koban.errors import Conflict, FieldError, StorageError, ValidationFailed
from koban.ids import new_id
from koban.observability import logger

HEAD_SK = "HEAD"
ENTRY_PREFIX = "SEQ#"
_ENTRY_SK = re.compile(r"^SEQ#[0-9]{12}$")
# Attempts of an append that keeps losing the race for the head to other writers of the same tenant.
MAX_ATTEMPTS = 16
_RACE_LOST = frozenset({"ConditionalCheckFailed", "TransactionConflict"})
_VERIFY_PAGE = 500


def partition(tenant: str) -> str:
    return f"AUDIT#{tenant}"


def entry_sk(seq: int) -> str:
    return f"{ENTRY_PREFIX}{seq:012d}"


def _cancellation_codes(error: ClientError) -> list[str]:
    return [str(reason.get("Code") or "None") for reason in error.response.get("CancellationReasons") or []]


def _encode_cursor(seq: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"before": seq}).encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> int:
    invalid = ValidationFailed([FieldError("query.cursor", "this is not a cursor of this list")])
    try:
        payload = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise invalid from exc
    before = payload.get("before") if isinstance(payload, dict) else None
    if not isinstance(before, int) or isinstance(before, bool) or not 1 <= before < 10**12:
        raise invalid
    return before


class AuditRepository:
    def __init__(self, table_name: str) -> None:
        self.table_name = table_name

    @property
    def _client(self) -> Any:
        return aws.client("dynamodb")

    def _get(self, tenant: str, sort_key: str, operation: str) -> dict[str, Any] | None:
        try:
            response = self._client.get_item(
                TableName=self.table_name,
                Key=serialize({"pk": partition(tenant), "sk": sort_key}),
                ConsistentRead=True,
            )
        except (ClientError, BotoCoreError) as exc:
            raise storage_error(operation, exc) from exc
        return deserialize(response["Item"]) if "Item" in response else None

    def head(self, tenant: str) -> ChainHead | None:
        """The tenant's head (seq 0 for an empty log), or None when its item is unreadable (tampered with)."""
        item = self._get(tenant, HEAD_SK, "read audit head")
        if item is None:
            return ChainHead()
        try:
            return ChainHead.model_validate({"seq": item.get("seq"), "hash": item.get("hash")})
        except ValidationError:
            return None

    def _append_items(self, entry: AuditEntry, after: ChainHead) -> list[dict[str, Any]]:
        """Put the entry, and move the head from `after` on to it (unless another writer moved it first)."""
        key = {"pk": partition(entry.tenant)}
        values = {":seq": entry.seq, ":hash": entry.hash, ":at": chain.utc_text(entry.at)}
        if after.seq == 0:
            head_condition = "attribute_not_exists(pk)"
        else:
            head_condition, values[":expected"] = "seq = :expected", after.seq
        return [
            {
                "Put": {
                    "TableName": self.table_name,
                    "Item": serialize({**key, "sk": entry_sk(entry.seq), **chain.stored_fields(entry)}),
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            },
            {
                "Update": {
                    "TableName": self.table_name,
                    "Key": serialize({**key, "sk": HEAD_SK}),
                    "UpdateExpression": "SET seq = :seq, #hash = :hash, #at = :at",
                    "ConditionExpression": head_condition,
                    "ExpressionAttributeNames": {"#hash": "hash", "#at": "at"},
                    "ExpressionAttributeValues": serialize(values),
                }
            },
        ]

    def commit(
        self,
        record: AuditRecord,
        items: Sequence[dict[str, Any]] = (),
        *,
        operation: str = "audit",
        conflict: str = "The record was changed by someone else meanwhile; reload it and try again.",
    ) -> AuditEntry:
        """Append `record` to its tenant's chain, in one transaction with `items` (the change it audits).

        A condition of `items` that fails is a Conflict (`conflict`); losing the head to another writer is
        retried with the new head. A transaction that was applied although its answer was lost (the SDK sent it
        again and that attempt failed its conditions) is recognised by its entry and is a success."""
        entry_id = new_id()
        for attempt in range(MAX_ATTEMPTS):
            head = self.head(record.tenant)
            if head is None:
                raise StorageError("The audit log's head is unreadable; run `koban audit verify`.")
            entry = chain.link(record, head, entry_id)
            transaction = [*items, *self._append_items(entry, head)]
            try:
                # The token lets DynamoDB apply a transaction the SDK sends again (its answer was lost) only once.
                self._client.transact_write_items(
                    TransactItems=transaction, ClientRequestToken=f"{entry_id}-{entry.seq}"
                )
            except ClientError as exc:
                codes = _cancellation_codes(exc)
                if not codes:
                    raise storage_error(operation, exc) from exc
                change, audit = codes[: len(items)], codes[len(items) :]
                if audit[0] == "ConditionalCheckFailed" and self._stored(entry):
                    break  # this very transaction, applied by an attempt whose answer was lost
                if "ConditionalCheckFailed" in change:
                    raise Conflict(conflict) from exc
                if not _RACE_LOST & set(codes):
                    raise storage_error(operation, exc) from exc
                time.sleep(random.uniform(0, 0.01 * 2 ** min(attempt, 4)))  # noqa: S311 (jitter, not a secret)
                continue
            except BotoCoreError as exc:
                raise storage_error(operation, exc) from exc
            break
        else:
            raise StorageError(f"The audit log of {record.tenant} is busy ({operation}); try again shortly.")
        # The head hash in the structured logs: a copy outside the table to anchor the chain to (README).
        logger.info(
            "audit appended",
            extra={"tenant": entry.tenant, "audit_seq": entry.seq, "audit_hash": entry.hash, "action": entry.action},
        )
        return entry

    def _stored(self, entry: AuditEntry) -> bool:
        stored = self._get(entry.tenant, entry_sk(entry.seq), "read audit entry")
        return stored is not None and stored.get("id") == entry.id and stored.get("hash") == entry.hash

    def page(self, tenant: str, limit: int, cursor: str | None) -> tuple[list[dict[str, Any]], str | None]:
        """Entry items as stored, newest first; the cursor names the last seq shown."""
        upper = entry_sk(_decode_cursor(cursor) - 1) if cursor else f"{ENTRY_PREFIX}~"
        try:
            page = self._client.query(
                TableName=self.table_name,
                KeyConditionExpression="pk = :pk AND sk BETWEEN :lower AND :upper",
                ExpressionAttributeValues=serialize(
                    {":pk": partition(tenant), ":lower": ENTRY_PREFIX, ":upper": upper}
                ),
                ScanIndexForward=False,
                Limit=limit,
            )
        except (ClientError, BotoCoreError) as exc:
            raise storage_error("read audit log", exc) from exc
        items = [deserialize(item) for item in page.get("Items", [])]
        last = seq_of(items[-1]) if items else None
        more = "LastEvaluatedKey" in page and last is not None and last > 1
        return items, _encode_cursor(last) if more and last is not None else None

    def stored_entries(self, tenant: str, after: int = 0) -> Iterator[dict[str, Any]]:
        """The entry items after seq `after` as stored, in sequence order, page by page (for verification)."""
        kwargs: dict[str, Any] = {
            "TableName": self.table_name,
            "KeyConditionExpression": "pk = :pk AND sk BETWEEN :lower AND :upper",
            "ExpressionAttributeValues": serialize(
                {":pk": partition(tenant), ":lower": entry_sk(after + 1), ":upper": f"{ENTRY_PREFIX}~"}
            ),
            "ConsistentRead": True,
            "Limit": _VERIFY_PAGE,
        }
        try:
            while True:
                page = self._client.query(**kwargs)
                yield from (deserialize(item) for item in page.get("Items", []))
                if "LastEvaluatedKey" not in page:
                    return
                kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        except (ClientError, BotoCoreError) as exc:
            raise storage_error("read audit log", exc) from exc


def seq_of(item: dict[str, Any]) -> int | None:
    """An entry's place, from its key (the one thing an edit of its attributes cannot move)."""
    sort_key = str(item.get("sk", ""))
    return int(sort_key.removeprefix(ENTRY_PREFIX)) if _ENTRY_SK.match(sort_key) else None
