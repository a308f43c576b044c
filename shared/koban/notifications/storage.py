"""DynamoDB storage of two-way communication (see the README's access-pattern table).

SubscriptionsTable (customer-managed key, TTL `expires_at`; the only place contact data lives):
  subscription   pk SUB#<tenant>#<id>                sk #SUB       channel, address or push target, language...
  area index     pk AREA#<tenant>#<H3 r7 cell>       sk <id>       the subscription's cells in that r7 cell,
                                                                  channel, language, audiences (active only)
  report index   pk REPORTSUBS#<tenant>#<report id>  sk <id>       channel, language, status
  subject index  pk SUBJECT#<tenant>#<address HMAC>  sk <id>       (koban.privacy.subjects: subject requests)
NotificationsTable (TTL `expires_at` on ledger and outbox items):
  alert          pk ALERT#<tenant>                   sk <id>       texts, area, status, counters sent/delivered/...
  ledger         pk DELIVERY#<tenant>#<source>       sk <sub id>   status, claim, attempts, receipt digest
  outbox         pk OUTBOX#<tenant>                  sk <utc>#<n>  the rendered message, masked recipient;
                                                                  `report_key` (sparse) feeds ReportOutboxIndex
PersonalDataTable (customer-managed key, TTL = the reporter data retention):
  thread message pk THREAD#<tenant>#<report id>      sk MSG#<utc>#<id>
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from koban import aws
from koban.dynamo import conflict_or_storage_error, deserialize, encode_json, serialize, storage_error
from koban.errors import FieldError, StorageError, ValidationFailed
from koban.notifications.areas import PARTITION_RESOLUTION
from koban.notifications.models import (
    COUNTERS,
    Alert,
    AlertStatus,
    DeliveryCounts,
    DeliveryStatus,
    OutboxEntry,
    SendResult,
    Subscription,
    SubscriptionKind,
    SubscriptionStatus,
    ThreadMessage,
)
from koban.privacy.storage import subject_pk

SUBSCRIPTION_SK = "#SUB"
MAX_TRANSACTION_ITEMS = 100
_BATCH_GET_KEYS = 100


def _utc_key(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def encode_cursor(sort_key: str) -> str:
    return base64.urlsafe_b64encode(encode_json({"after": sort_key}).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, pattern: re.Pattern[str]) -> str:
    """The sort key a page ended with; anything this module did not make is a 422 naming `query.cursor`."""
    invalid = ValidationFailed([FieldError("query.cursor", "this is not a cursor of this list")])
    try:
        payload = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise invalid from exc
    after = payload.get("after") if isinstance(payload, dict) else None
    if not isinstance(after, str) or not pattern.match(after):
        raise invalid
    return after


def _cancellation_codes(error: ClientError) -> list[str]:
    return [str(reason.get("Code") or "None") for reason in error.response.get("CancellationReasons") or []]


class _Repository:
    def __init__(self, table_name: str) -> None:
        self.table_name = table_name

    @property
    def _client(self) -> Any:
        return aws.client("dynamodb")

    def _query(self, operation: str, **kwargs: Any) -> Iterator[dict[str, Any]]:
        """Every item of a Query, page after page."""
        try:
            while True:
                page = self._client.query(TableName=self.table_name, **kwargs)
                yield from (deserialize(item) for item in page.get("Items", []))
                if "LastEvaluatedKey" not in page:
                    return
                kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        except (ClientError, BotoCoreError) as exc:
            raise storage_error(operation, exc) from exc

    def _page(
        self, operation: str, limit: int, after: str | None, **kwargs: Any
    ) -> tuple[list[dict[str, Any]], str | None]:
        """One page of at most `limit` items after the sort key `after`; and the last sort key if more remain."""
        kwargs = {"TableName": self.table_name, "Limit": limit, **kwargs}
        items: list[dict[str, Any]] = []
        last: dict[str, Any] | None = None
        try:
            if after is not None:
                kwargs["ExclusiveStartKey"] = self._start_key(kwargs, after)
            for _ in range(5):  # a filter can thin a page out: read on a bounded number of times
                page = self._client.query(**kwargs)
                items.extend(deserialize(item) for item in page.get("Items", []))
                last = page.get("LastEvaluatedKey")
                if last is None or len(items) >= limit:
                    break
                kwargs["ExclusiveStartKey"] = last
                kwargs["Limit"] = limit - len(items)
        except (ClientError, BotoCoreError) as exc:
            raise storage_error(operation, exc) from exc
        more = last is not None or len(items) > limit
        items = items[:limit]
        return items, (str(items[-1]["sk"]) if more and items else None)

    @staticmethod
    def _start_key(kwargs: Mapping[str, Any], after: str) -> dict[str, Any]:
        raise NotImplementedError

    def _transact(self, operation: str, items: list[dict[str, Any]], conflict: str) -> None:
        """All or nothing; the ClientRequestToken makes the SDK's own retry of it harmless."""
        try:
            self._client.transact_write_items(TransactItems=items, ClientRequestToken=uuid.uuid4().hex)
        except ClientError as exc:
            raise conflict_or_storage_error(operation, exc, conflict) from exc
        except BotoCoreError as exc:
            raise storage_error(operation, exc) from exc


# ------------------------------------------------------------------------------------------------ subscriptions


def _sub_key(tenant: str, subscription_id: str) -> dict[str, str]:
    return {"pk": f"SUB#{tenant}#{subscription_id}", "sk": SUBSCRIPTION_SK}


def area_pk(tenant: str, partition: str) -> str:
    return f"AREA#{tenant}#{partition}"


def report_subscriptions_pk(tenant: str, report_id: str) -> str:
    return f"REPORTSUBS#{tenant}#{report_id}"


@dataclass(frozen=True)
class IndexEntry:
    """What an index item tells about a subscription, without its contact data."""

    subscription_id: str
    channel: str
    language: str
    status: str
    cells: tuple[str, ...]
    audiences: tuple[str, ...]


def _index_entry(item: Mapping[str, Any]) -> IndexEntry:
    return IndexEntry(
        subscription_id=str(item["sk"]),
        channel=str(item["channel"]),
        language=str(item["language"]),
        status=str(item.get("status", SubscriptionStatus.ACTIVE)),
        cells=tuple(item.get("cells") or ()),
        audiences=tuple(item.get("audiences") or ()),
    )


def _subscription(item: Mapping[str, Any]) -> Subscription:
    return Subscription.model_validate({key: value for key, value in item.items() if key in Subscription.model_fields})


class SubscriptionRepository(_Repository):
    """Subscriptions with their contact data, and the two indexes that find them without a Scan."""

    def _index_items(self, subscription: Subscription) -> list[dict[str, Any]]:
        from koban import geo

        common = {
            "sk": subscription.id,
            "channel": subscription.channel.value,
            "language": subscription.language,
            "status": subscription.status.value,
            "expires_at": _epoch(subscription.expires_at),
        }
        if subscription.kind is SubscriptionKind.REPORT and subscription.report_id:
            return [{"pk": report_subscriptions_pk(subscription.tenant, subscription.report_id), **common}]
        if subscription.status is not SubscriptionStatus.ACTIVE:
            return []  # an alert only ever reads confirmed subscriptions
        by_partition: dict[str, list[str]] = {}
        for cell in subscription.cells:
            by_partition.setdefault(geo.parent_cell(cell, PARTITION_RESOLUTION), []).append(cell)
        audiences = [audience.value for audience in subscription.audiences]
        return [
            {"pk": area_pk(subscription.tenant, partition), **common, "cells": cells, "audiences": audiences}
            for partition, cells in sorted(by_partition.items())
        ]

    def _item(self, subscription: Subscription) -> dict[str, Any]:
        data = subscription.model_dump(mode="json", exclude={"expires_at"})
        return {**_sub_key(subscription.tenant, subscription.id), **data, "expires_at": _epoch(subscription.expires_at)}

    def _puts(self, subscription: Subscription, condition: str | None = None, **values: Any) -> list[dict[str, Any]]:
        main: dict[str, Any] = {"TableName": self.table_name, "Item": serialize(self._item(subscription))}
        if condition:
            main["ConditionExpression"] = condition
            if values:
                main["ExpressionAttributeValues"] = serialize({f":{name}": value for name, value in values.items()})
            if "#status" in condition:
                main["ExpressionAttributeNames"] = {"#status": "status"}
        return [
            {"Put": main},
            *(
                {"Put": {"TableName": self.table_name, "Item": serialize(item)}}
                for item in [*self._index_items(subscription), *self._subject_items(subscription)]
            ),
        ]

    @staticmethod
    def _subject_items(subscription: Subscription) -> list[dict[str, Any]]:
        """The blind-index item that lets a subject request find the subscription by its address."""
        if subscription.subject_digest is None:
            return []
        return [
            {
                "pk": subject_pk(subscription.tenant, subscription.subject_digest),
                "sk": subscription.id,
                "expires_at": _epoch(subscription.expires_at),
            }
        ]

    def create(self, subscription: Subscription) -> None:
        """Store a new subscription with its index items, all or nothing."""
        self._transact(
            "store subscription",
            self._puts(subscription, "attribute_not_exists(pk)"),
            "This subscription exists already.",
        )

    def activate(self, before: Subscription, after: Subscription) -> None:
        """The confirmed subscription and its index items, unless it changed since `before` was read."""
        self._transact(
            "confirm subscription",
            self._puts(after, "#status = :pending AND code_hash = :code", pending="pending", code=before.code_hash),
            "The subscription changed meanwhile; ask for a new code.",
        )

    def count_failed_code(self, subscription: Subscription) -> None:
        try:
            self._client.update_item(
                TableName=self.table_name,
                Key=serialize(_sub_key(subscription.tenant, subscription.id)),
                UpdateExpression="ADD code_attempts :one",
                ConditionExpression="#status = :pending",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues=serialize({":one": 1, ":pending": SubscriptionStatus.PENDING.value}),
            )
        except ClientError as exc:
            raise conflict_or_storage_error(
                "count code attempt", exc, "The subscription is confirmed already."
            ) from exc
        except BotoCoreError as exc:
            raise storage_error("count code attempt", exc) from exc

    def delete(self, subscription: Subscription) -> None:
        """The subscription, its contact data and its index items, all at once."""
        self._transact("remove subscription", self.delete_items(subscription), "The subscription changed meanwhile.")

    def delete_items(self, subscription: Subscription) -> list[dict[str, Any]]:
        """The transaction items that remove the subscription, its contact data and its index items."""
        keys = [_sub_key(subscription.tenant, subscription.id)]
        keys += [{"pk": item["pk"], "sk": item["sk"]} for item in self._index_items(subscription)]
        if subscription.kind is SubscriptionKind.AREA and subscription.status is not SubscriptionStatus.ACTIVE:
            keys = keys[:1]
        keys += [{"pk": item["pk"], "sk": item["sk"]} for item in self._subject_items(subscription)]
        return [{"Delete": {"TableName": self.table_name, "Key": serialize(key)}} for key in keys]

    def of_subject(self, tenant: str, digest: str, now: datetime) -> list[str]:
        """The ids of the live subscriptions whose address has this blind-index key (koban.privacy)."""
        return [
            str(item["sk"])
            for item in self._query(
                "read subject subscriptions",
                KeyConditionExpression="pk = :pk",
                FilterExpression="expires_at > :now",
                ExpressionAttributeValues=serialize({":pk": subject_pk(tenant, digest), ":now": _epoch(now)}),
                ConsistentRead=True,
            )
        ]

    def get(self, tenant: str, subscription_id: str, now: datetime) -> Subscription | None:
        try:
            response = self._client.get_item(
                TableName=self.table_name, Key=serialize(_sub_key(tenant, subscription_id)), ConsistentRead=True
            )
        except (ClientError, BotoCoreError) as exc:
            raise storage_error("read subscription", exc) from exc
        if "Item" not in response:
            return None
        subscription = _subscription(deserialize(response["Item"]))
        # DynamoDB removes expired items within days, not at once: an expired one no longer exists.
        return subscription if subscription.expires_at > now else None

    def get_many(self, tenant: str, subscription_ids: Iterable[str], now: datetime) -> dict[str, Subscription]:
        """The live subscriptions among `subscription_ids` (BatchGetItem, 100 keys a call)."""
        unique = list(dict.fromkeys(subscription_ids))
        found: dict[str, Subscription] = {}
        try:
            for start in range(0, len(unique), _BATCH_GET_KEYS):
                keys = [serialize(_sub_key(tenant, sid)) for sid in unique[start : start + _BATCH_GET_KEYS]]
                request: dict[str, Any] = {self.table_name: {"Keys": keys, "ConsistentRead": True}}
                for attempt in range(6):  # unprocessed keys are retried a bounded number of times
                    response = self._client.batch_get_item(RequestItems=request)
                    for raw in response["Responses"].get(self.table_name, []):
                        subscription = _subscription(deserialize(raw))
                        if subscription.expires_at > now:
                            found[subscription.id] = subscription
                    request = response.get("UnprocessedKeys") or {}
                    if not request:
                        break
                    time.sleep(0.05 * 2**attempt)
        except (ClientError, BotoCoreError) as exc:
            raise storage_error("read subscriptions", exc) from exc
        return found

    def of_report(self, tenant: str, report_id: str, now: datetime) -> list[IndexEntry]:
        return [
            _index_entry(item)
            for item in self._query(
                "read report subscriptions",
                KeyConditionExpression="pk = :pk",
                FilterExpression="expires_at > :now",
                ExpressionAttributeValues=serialize(
                    {":pk": report_subscriptions_pk(tenant, report_id), ":now": _epoch(now)}
                ),
                ConsistentRead=True,
            )
        ]

    def report_has_subscriptions(self, tenant: str, report_id: str) -> bool:
        """One key lookup (at most one item read): does anyone follow this report?"""
        try:
            page = self._client.query(
                TableName=self.table_name,
                KeyConditionExpression="pk = :pk",
                ExpressionAttributeValues=serialize({":pk": report_subscriptions_pk(tenant, report_id)}),
                ProjectionExpression="pk",
                Limit=1,
            )
        except (ClientError, BotoCoreError) as exc:
            raise storage_error("read report subscriptions", exc) from exc
        return bool(page.get("Items"))

    def area_page(
        self, tenant: str, partition: str, start_key: dict[str, Any] | None, now: datetime, limit: int
    ) -> tuple[list[IndexEntry], dict[str, Any] | None]:
        """One page of the confirmed, unexpired subscriptions indexed under an r7 cell; and where to go on."""
        kwargs: dict[str, Any] = {
            "TableName": self.table_name,
            "KeyConditionExpression": "pk = :pk",
            "FilterExpression": "expires_at > :now",
            "ExpressionAttributeValues": serialize({":pk": area_pk(tenant, partition), ":now": _epoch(now)}),
            "Limit": limit,
        }
        if start_key:
            kwargs["ExclusiveStartKey"] = start_key
        try:
            page = self._client.query(**kwargs)
        except (ClientError, BotoCoreError) as exc:
            raise storage_error("read area subscriptions", exc) from exc
        entries = [_index_entry(deserialize(item)) for item in page.get("Items", [])]
        return entries, page.get("LastEvaluatedKey")


# ------------------------------------------------------------------------------------------------ notifications


def alert_pk(tenant: str) -> str:
    return f"ALERT#{tenant}"


def ledger_pk(tenant: str, source: str) -> str:
    return f"DELIVERY#{tenant}#{source}"


def outbox_pk(tenant: str) -> str:
    return f"OUTBOX#{tenant}"


def report_key(tenant: str, report_id: str) -> str:
    return f"{tenant}#{report_id}"


_ALERT_FIELDS = tuple(name for name in Alert.model_fields if name not in {"tenant", "id", "counts"})


def _alert(item: Mapping[str, Any]) -> Alert:
    fields = {key: value for key, value in item.items() if key in Alert.model_fields}
    fields["tenant"] = str(item["pk"]).removeprefix("ALERT#")
    fields["id"] = str(item["sk"])
    fields["counts"] = DeliveryCounts(**{name: int(item.get(name, 0)) for name in COUNTERS})
    for optional in ("link", "decided_by", "decided_at", "decision_note", "languages"):
        fields[optional] = fields.get(optional) or None
    return Alert.model_validate(fields)


def _outbox_entry(item: Mapping[str, Any]) -> OutboxEntry:
    return OutboxEntry.model_validate({key: value for key, value in item.items() if key in OutboxEntry.model_fields})


@dataclass(frozen=True)
class Outcome:
    """A delivery attempt to record: the adapter's result, the receipt digest, whether to count it."""

    result: SendResult
    receipt_digest: str | None
    final: bool  # a retry that exhausted the attempts is final (failed); a retry before that is not counted

    @property
    def status(self) -> DeliveryStatus:
        """What the ledger records: a final retry is a failure."""
        if self.result.status is DeliveryStatus.RETRY and self.final:
            return DeliveryStatus.FAILED
        return self.result.status


class NotificationRepository(_Repository):
    """Alerts, the delivery ledger (idempotency per source and subscription) and the local outbox."""

    # -- alerts --------------------------------------------------------------------------------------------

    def _alert_values(self, alert: Alert) -> dict[str, Any]:
        data = alert.model_dump(mode="json", include=set(_ALERT_FIELDS))
        return {name: data.get(name) for name in _ALERT_FIELDS}

    def add_alert(self, alert: Alert) -> None:
        item = {
            "pk": alert_pk(alert.tenant),
            "sk": alert.id,
            **self._alert_values(alert),
            **{name: 0 for name in COUNTERS},
        }
        try:
            self._client.put_item(
                TableName=self.table_name, Item=serialize(item), ConditionExpression="attribute_not_exists(pk)"
            )
        except ClientError as exc:
            raise conflict_or_storage_error("store alert", exc, "This alert exists already.") from exc
        except BotoCoreError as exc:
            raise storage_error("store alert", exc) from exc

    def get_alert(self, tenant: str, alert_id: str) -> Alert | None:
        try:
            response = self._client.get_item(
                TableName=self.table_name, Key=serialize({"pk": alert_pk(tenant), "sk": alert_id}), ConsistentRead=True
            )
        except (ClientError, BotoCoreError) as exc:
            raise storage_error("read alert", exc) from exc
        return _alert(deserialize(response["Item"])) if "Item" in response else None

    def alerts(
        self, tenant: str, status: AlertStatus | None, limit: int, after: str | None
    ) -> tuple[list[Alert], str | None]:
        """A page of the tenant's alerts, newest first (ids sort by time)."""
        kwargs: dict[str, Any] = {
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": alert_pk(tenant)},
            "ScanIndexForward": False,
        }
        if status is not None:
            kwargs["FilterExpression"] = "#status = :status"
            kwargs["ExpressionAttributeNames"] = {"#status": "status"}
            kwargs["ExpressionAttributeValues"][":status"] = status.value
        kwargs["ExpressionAttributeValues"] = serialize(kwargs["ExpressionAttributeValues"])
        items, last = self._page("read alerts", limit, after, **kwargs)
        return [_alert(item) for item in items], last

    @staticmethod
    def _start_key(kwargs: Mapping[str, Any], after: str) -> dict[str, Any]:
        values = deserialize(kwargs["ExpressionAttributeValues"])
        return serialize({"pk": values[":pk"], "sk": after})

    def save_alert(self, before: Alert, after: Alert) -> None:
        """Every field but the counters (workers add to those meanwhile), unless the version moved on."""
        values = self._alert_values(after)
        names = {f"#{name}": name for name in values if values[name] is not None}
        removed = [name for name, value in values.items() if value is None]
        expression = "SET " + ", ".join(f"#{name} = :{name}" for name in values if values[name] is not None)
        if removed:
            expression += " REMOVE " + ", ".join(f"#{name}" for name in removed)
            names.update({f"#{name}": name for name in removed})
        attribute_values = {f":{name}": value for name, value in values.items() if value is not None}
        attribute_values[":before"] = before.version
        try:
            self._client.update_item(
                TableName=self.table_name,
                Key=serialize({"pk": alert_pk(before.tenant), "sk": before.id}),
                UpdateExpression=expression,
                ConditionExpression="#version = :before",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=serialize(attribute_values),
            )
        except ClientError as exc:
            raise conflict_or_storage_error(
                "change alert", exc, "The alert was changed meanwhile; reload it and try again."
            ) from exc
        except BotoCoreError as exc:
            raise storage_error("change alert", exc) from exc

    def move_alert(self, tenant: str, alert_id: str, allowed: Iterable[AlertStatus], to: AlertStatus) -> bool:
        """Set the status if it is one of `allowed`; False when it is not (someone else moved it)."""
        allowed_values = {f":from{index}": status.value for index, status in enumerate(allowed)}
        try:
            self._client.update_item(
                TableName=self.table_name,
                Key=serialize({"pk": alert_pk(tenant), "sk": alert_id}),
                UpdateExpression="SET #status = :to",
                ConditionExpression=f"#status IN ({', '.join(allowed_values)})",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues=serialize({":to": to.value, **allowed_values}),
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False
            raise storage_error("change alert", exc) from exc
        except BotoCoreError as exc:
            raise storage_error("change alert", exc) from exc
        return True

    def _count_update(self, tenant: str, alert_id: str, counts: Mapping[str, int]) -> dict[str, Any] | None:
        added = {name: value for name, value in counts.items() if value}
        if not added:
            return None
        return {
            "Update": {
                "TableName": self.table_name,
                "Key": serialize({"pk": alert_pk(tenant), "sk": alert_id}),
                "UpdateExpression": "ADD " + ", ".join(f"#{name} :{name}" for name in added),
                "ExpressionAttributeNames": {f"#{name}": name for name in added},
                "ExpressionAttributeValues": serialize({f":{name}": value for name, value in added.items()}),
            }
        }

    # -- the delivery ledger -------------------------------------------------------------------------------

    def claim(
        self,
        tenant: str,
        source: str,
        subscription_ids: list[str],
        claim_id: str,
        now: datetime,
        max_attempts: int,
        expires_at: datetime,
    ) -> list[str]:
        """Claim deliveries that never started or failed transiently (attempts left); return those claimed.

        One transaction per 100: where another worker holds or finished a delivery its condition fails, the
        transaction is cancelled, and it is tried again without those. A delivery is thus claimed once. A
        transaction the SDK sent again after a timeout carries the same ClientRequestToken (DynamoDB applies it
        once); should it have been applied all the same, the deliveries holding this claim are found to be ours."""
        claimed: list[str] = []
        for start in range(0, len(subscription_ids), MAX_TRANSACTION_ITEMS):
            pending = subscription_ids[start : start + MAX_TRANSACTION_ITEMS]
            for attempt in range(8):
                if not pending:
                    break
                items = [
                    self._claim_item(tenant, source, sid, claim_id, now, max_attempts, expires_at) for sid in pending
                ]
                try:
                    self._client.transact_write_items(TransactItems=items, ClientRequestToken=uuid.uuid4().hex)
                except ClientError as exc:
                    codes = _cancellation_codes(exc)
                    if exc.response.get("Error", {}).get("Code") != "TransactionCanceledException" or not codes:
                        raise storage_error("claim deliveries", exc) from exc
                    refused = [
                        sid for sid, code in zip(pending, codes, strict=True) if code == "ConditionalCheckFailed"
                    ]
                    held = self.ledger(tenant, source, refused)
                    claimed.extend(sid for sid in refused if held.get(sid, {}).get("claim") == claim_id)
                    # Drop what another worker holds or finished; a conflict or throttle is simply retried.
                    pending = [sid for sid in pending if sid not in refused]
                    time.sleep(0.02 * attempt)
                    continue
                except BotoCoreError as exc:
                    raise storage_error("claim deliveries", exc) from exc
                claimed.extend(pending)
                break
            else:
                raise StorageError("Deliveries could not be claimed (the ledger stayed busy); the job is retried.")
        return claimed

    def _claim_item(
        self,
        tenant: str,
        source: str,
        subscription_id: str,
        claim_id: str,
        now: datetime,
        max_attempts: int,
        expires_at: datetime,
    ) -> dict[str, Any]:
        return {
            "Update": {
                "TableName": self.table_name,
                "Key": serialize({"pk": ledger_pk(tenant, source), "sk": subscription_id}),
                "UpdateExpression": "SET #status = :sending, #claim = :claim, #claimed_at = :now, #expires = :expires "
                "ADD #attempts :one",
                "ConditionExpression": "attribute_not_exists(pk) OR (#status = :retry AND #attempts < :max)",
                "ExpressionAttributeNames": {
                    "#status": "status",
                    "#claim": "claim",
                    "#claimed_at": "claimed_at",
                    "#expires": "expires_at",
                    "#attempts": "attempts",
                },
                "ExpressionAttributeValues": serialize(
                    {
                        ":sending": DeliveryStatus.SENDING.value,
                        ":retry": DeliveryStatus.RETRY.value,
                        ":claim": claim_id,
                        ":now": _epoch(now),
                        ":expires": _epoch(expires_at),
                        ":one": 1,
                        ":max": max_attempts,
                    }
                ),
            }
        }

    def attempts(self, tenant: str, source: str, subscription_ids: list[str]) -> dict[str, int]:
        """How often each claimed delivery has been tried (including this time)."""
        return {
            sid: int(item.get("attempts", 1)) for sid, item in self.ledger(tenant, source, subscription_ids).items()
        }

    def ledger(self, tenant: str, source: str, subscription_ids: list[str]) -> dict[str, dict[str, Any]]:
        """The ledger entries of these deliveries (status, claim, attempts), read consistently."""
        found: dict[str, dict[str, Any]] = {}
        try:
            for start in range(0, len(subscription_ids), _BATCH_GET_KEYS):
                keys = [
                    serialize({"pk": ledger_pk(tenant, source), "sk": sid})
                    for sid in subscription_ids[start : start + _BATCH_GET_KEYS]
                ]
                request: dict[str, Any] = {
                    self.table_name: {
                        "Keys": keys,
                        "ConsistentRead": True,
                        "ProjectionExpression": "sk, #status, #claim, attempts",
                        "ExpressionAttributeNames": {"#status": "status", "#claim": "claim"},
                    }
                }
                for attempt in range(6):
                    response = self._client.batch_get_item(RequestItems=request)
                    for raw in response["Responses"].get(self.table_name, []):
                        item = deserialize(raw)
                        found[str(item["sk"])] = item
                    request = response.get("UnprocessedKeys") or {}
                    if not request:
                        break
                    time.sleep(0.05 * 2**attempt)
        except (ClientError, BotoCoreError) as exc:
            raise storage_error("read deliveries", exc) from exc
        return found

    def commit(
        self,
        tenant: str,
        source: str,
        claim_id: str,
        outcomes: Mapping[str, Outcome],
        alert_id: str | None,
        now: datetime,
    ) -> None:
        """Record what each claimed delivery came to, and add the final ones to the alert's counters, in one
        transaction per 99 deliveries: a delivery is counted exactly when its record leaves `sending`. A
        transaction that was applied although the SDK saw a timeout (and sent it again) is recognised: its
        deliveries hold this claim and are no longer `sending`; nothing is counted twice."""
        ordered = list(outcomes.items())
        step = MAX_TRANSACTION_ITEMS - 1
        for start in range(0, len(ordered), step):
            chunk = ordered[start : start + step]
            items = [self._outcome_item(tenant, source, claim_id, sid, outcome, now) for sid, outcome in chunk]
            counts = _counts(outcome for _, outcome in chunk)
            counter = self._count_update(tenant, alert_id, counts) if alert_id else None
            if counter:
                items.append(counter)
            token = uuid.uuid4().hex
            for attempt in range(5):
                try:
                    self._client.transact_write_items(TransactItems=items, ClientRequestToken=token)
                    break
                except ClientError as exc:
                    if "ConditionalCheckFailed" in _cancellation_codes(exc):
                        if self._recorded(tenant, source, claim_id, [sid for sid, _ in chunk]):
                            break
                        raise storage_error("record deliveries", exc) from exc
                    if attempt == 4:
                        raise storage_error("record deliveries", exc) from exc
                    time.sleep(0.05 * 2**attempt)  # a conflict with a receipt or a throttle: try again
                except BotoCoreError as exc:
                    raise storage_error("record deliveries", exc) from exc

    def _recorded(self, tenant: str, source: str, claim_id: str, subscription_ids: list[str]) -> bool:
        entries = self.ledger(tenant, source, subscription_ids)
        return all(
            entries.get(sid, {}).get("claim") == claim_id
            and entries.get(sid, {}).get("status") != DeliveryStatus.SENDING.value
            for sid in subscription_ids
        )

    def _outcome_item(
        self, tenant: str, source: str, claim_id: str, subscription_id: str, outcome: Outcome, now: datetime
    ) -> dict[str, Any]:
        result = outcome.result
        values: dict[str, Any] = {
            ":status": outcome.status.value,
            ":claim": claim_id,
            ":at": _utc_key(now),
            ":sending": DeliveryStatus.SENDING.value,
        }
        names = {"#status": "status", "#claim": "claim", "#finished_at": "finished_at"}
        sets = ["#status = :status", "#finished_at = :at"]
        for name, value in (
            ("provider_id", result.provider_id),
            ("error", result.error),  # a reserved word: every name goes through ExpressionAttributeNames
            ("receipt_hash", outcome.receipt_digest),
        ):
            if value:
                sets.append(f"#{name} = :{name}")
                names[f"#{name}"] = name
                values[f":{name}"] = value
        return {
            "Update": {
                "TableName": self.table_name,
                "Key": serialize({"pk": ledger_pk(tenant, source), "sk": subscription_id}),
                "UpdateExpression": "SET " + ", ".join(sets),
                "ConditionExpression": "#claim = :claim AND #status = :sending",
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": serialize(values),
            }
        }

    def record_receipt(self, tenant: str, source: str, subscription_id: str, receipt_digest: str, opened: bool) -> bool:
        """Move a delivery on to delivered or opened, counting it on its alert; False if it had got there
        already or the receipt is not this delivery's (nothing is counted twice)."""
        allowed = [DeliveryStatus.SENT] if not opened else [DeliveryStatus.SENT, DeliveryStatus.DELIVERED]
        target = DeliveryStatus.OPENED if opened else DeliveryStatus.DELIVERED
        allowed_values = {f":from{index}": status.value for index, status in enumerate(allowed)}
        items: list[dict[str, Any]] = [
            {
                "Update": {
                    "TableName": self.table_name,
                    "Key": serialize({"pk": ledger_pk(tenant, source), "sk": subscription_id}),
                    "UpdateExpression": "SET #status = :to",
                    "ConditionExpression": f"receipt_hash = :receipt AND #status IN ({', '.join(allowed_values)})",
                    "ExpressionAttributeNames": {"#status": "status"},
                    "ExpressionAttributeValues": serialize(
                        {":to": target.value, ":receipt": receipt_digest, **allowed_values}
                    ),
                }
            }
        ]
        if source.startswith("alert:"):
            counts = {"opened": 1} if opened else {"delivered": 1}
            counter = self._count_update(tenant, source.removeprefix("alert:"), counts)
            if counter:
                items.append(counter)
        try:
            self._client.transact_write_items(TransactItems=items)
        except ClientError as exc:
            if "ConditionalCheckFailed" in _cancellation_codes(exc):
                return False
            raise storage_error("record receipt", exc) from exc
        except BotoCoreError as exc:
            raise storage_error("record receipt", exc) from exc
        return True

    # -- the outbox ----------------------------------------------------------------------------------------

    def add_outbox(self, entry: OutboxEntry, expires_at: datetime) -> None:
        item: dict[str, Any] = {
            "pk": outbox_pk(entry.tenant),
            "sk": f"{_utc_key(entry.at)}#{entry.id}",
            **entry.model_dump(mode="json"),
            "expires_at": _epoch(expires_at),
        }
        if entry.report_id:
            item["report_key"] = report_key(entry.tenant, entry.report_id)
        try:
            self._client.put_item(TableName=self.table_name, Item=serialize(item))
        except (ClientError, BotoCoreError) as exc:
            raise storage_error("store outbox message", exc) from exc

    def outbox(self, tenant: str, limit: int, after: str | None) -> tuple[list[OutboxEntry], str | None]:
        """A page of the tenant's outbox, newest first."""
        items, last = self._page(
            "read outbox",
            limit,
            after,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues=serialize({":pk": outbox_pk(tenant)}),
            ScanIndexForward=False,
        )
        return [_outbox_entry(item) for item in items], last

    def report_outbox(self, tenant: str, report_id: str, limit: int) -> list[OutboxEntry]:
        """What was sent about one report, newest first (ReportOutboxIndex: only entries about a report)."""
        try:
            page = self._client.query(
                TableName=self.table_name,
                IndexName="ReportOutboxIndex",
                KeyConditionExpression="report_key = :key",
                ExpressionAttributeValues=serialize({":key": report_key(tenant, report_id)}),
                ScanIndexForward=False,
                Limit=limit,
            )
        except (ClientError, BotoCoreError) as exc:
            raise storage_error("read outbox", exc) from exc
        return [_outbox_entry(deserialize(item)) for item in page.get("Items", [])]


def _counts(outcomes: Iterable[Outcome]) -> dict[str, int]:
    counts = dict.fromkeys(COUNTERS, 0)
    for outcome in outcomes:
        status = outcome.status
        if status in (DeliveryStatus.SENT, DeliveryStatus.DELIVERED):
            counts["sent"] += 1
        if status is DeliveryStatus.DELIVERED:
            counts["delivered"] += 1
        if status is DeliveryStatus.FAILED:
            counts["failed"] += 1
    return counts


# ------------------------------------------------------------------------------------------------ thread


def thread_pk(tenant: str, report_id: str) -> str:
    return f"THREAD#{tenant}#{report_id}"


class ThreadRepository(_Repository):
    """The private thread of a report, kept with the reporter's personal data (PersonalDataTable)."""

    def put_request(self, message: ThreadMessage, expires_at: datetime) -> dict[str, Any]:
        """The transaction item that stores `message` (the thread's audit carries it: all or nothing)."""
        item = {
            "pk": thread_pk(message.tenant, message.report_id),
            "sk": f"MSG#{_utc_key(message.at)}#{message.id}",
            **message.model_dump(mode="json"),
            "expires_at": _epoch(expires_at),
        }
        return {
            "Put": {
                "TableName": self.table_name,
                "Item": serialize(item),
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        }

    def message_keys(self, tenant: str, report_id: str) -> list[dict[str, str]]:
        """The key of every message, expired ones too (an erasure removes what TTL has not yet)."""
        return [
            {"pk": str(item["pk"]), "sk": str(item["sk"])}
            for item in self._query(
                "read thread",
                KeyConditionExpression="pk = :pk AND begins_with(sk, :msg)",
                ExpressionAttributeValues=serialize({":pk": thread_pk(tenant, report_id), ":msg": "MSG#"}),
                ProjectionExpression="pk, sk",
                ConsistentRead=True,
            )
        ]

    def remove(self, keys: list[dict[str, str]]) -> None:
        """Delete these messages, 25 a call (deleting one that is gone already is harmless)."""
        try:
            for start in range(0, len(keys), 25):
                request: dict[str, Any] = {
                    self.table_name: [{"DeleteRequest": {"Key": serialize(key)}} for key in keys[start : start + 25]]
                }
                for attempt in range(6):  # unprocessed items are retried a bounded number of times
                    request = self._client.batch_write_item(RequestItems=request).get("UnprocessedItems") or {}
                    if not request:
                        break
                    time.sleep(0.05 * 2**attempt)
                if request:
                    raise StorageError("The thread could not be removed completely; try again shortly.")
        except (ClientError, BotoCoreError) as exc:
            raise storage_error("remove thread", exc) from exc

    def messages(self, tenant: str, report_id: str, now: datetime) -> list[ThreadMessage]:
        """The thread, oldest first; messages past their retention are gone even before TTL removes them."""
        return [
            ThreadMessage.model_validate(
                {key: value for key, value in item.items() if key in ThreadMessage.model_fields}
            )
            for item in self._query(
                "read thread",
                KeyConditionExpression="pk = :pk AND begins_with(sk, :msg)",
                FilterExpression="expires_at > :now",
                ExpressionAttributeValues=serialize(
                    {":pk": thread_pk(tenant, report_id), ":msg": "MSG#", ":now": _epoch(now)}
                ),
                ConsistentRead=True,
            )
        ]
