"""DynamoDB storage of reports: the item layout, its mapping to domain models, and the repositories.

ReportsTable (keys `pk`/`sk`; see the README's access-pattern table):
  report  pk=REPORT#<tenant>#<id>  sk=#REPORT          + index keys tenant_key, status_key, category_key,
                                                         unit_key, priority_key and the sort key received_key
  event   pk=REPORT#<tenant>#<id>  sk=EVENT#<iso>#<n>   audited history; sorts after the report item
PersonalDataTable:
  contact pk=CONTACT#<tenant>#<id> sk=CONTACT           expires_at (TTL) = the retention period
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from koban import aws
from koban.audit.models import AuditRecord
from koban.audit.service import commit_with
from koban.dynamo import (
    conflict_or_storage_error,
    deserialize,
    encode_json,
    is_condition_failure,
    serialize,
    storage_error,
)
from koban.errors import FieldError, ValidationFailed
from koban.reports.lifecycle import Status
from koban.reports.models import Contact, GeoPoint, QueueFilter, Report, ReportEvent, ReportWithHistory

REPORT_SK = "#REPORT"
EVENT_PREFIX = "EVENT#"
CONTACT_SK = "CONTACT"
# Index name → the attribute that is its partition key (all share the sort key `received_key`).
INDEXES = {
    "StatusIndex": "status_key",
    "CategoryIndex": "category_key",
    "UnitIndex": "unit_key",
    "PriorityIndex": "priority_key",
    "QueueIndex": "tenant_key",
}


def report_pk(tenant: str, report_id: str) -> str:
    return f"REPORT#{tenant}#{report_id}"


def _iso(moment: datetime) -> str:
    return moment.isoformat()


def utc_key(moment: datetime) -> str:
    """UTC and fixed width, so that string order is time order."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def received_key(report: Report) -> str:
    return f"{utc_key(report.received_at)}#{report.id}"


def report_to_item(report: Report) -> dict[str, Any]:
    data = report.model_dump(mode="json", exclude={"location", "answers"})
    item = {
        "pk": report_pk(report.tenant, report.id),
        "sk": REPORT_SK,
        "entity": "report",
        **data,
        "answers": encode_json(report.answers),
        "tenant_key": report.tenant,
        "status_key": f"{report.tenant}#{report.status}",
        "category_key": f"{report.tenant}#{report.category}",
        "unit_key": f"{report.tenant}#{report.unit}",
        "priority_key": f"{report.tenant}#{report.priority}",
        "received_key": received_key(report),
    }
    if report.location is not None:
        item["lat"] = report.location.lat
        item["lon"] = report.location.lon
    return item


def item_to_report(item: Mapping[str, Any]) -> Report:
    fields = {key: value for key, value in item.items() if key in Report.model_fields}
    fields["answers"] = json.loads(item.get("answers") or "{}")
    fields["attachments"] = tuple(item.get("attachments") or ())
    if "lat" in item and "lon" in item:
        fields["location"] = GeoPoint(lat=item["lat"], lon=item["lon"])
    else:
        fields["location"] = None
    fields.setdefault("address", None)
    fields.setdefault("locale", None)
    return Report.model_validate(fields)


def event_to_item(
    tenant: str,
    report_id: str,
    event: ReportEvent,
    *,
    sensitive: bool = False,
    tie_breaker: str | None = None,
) -> dict[str, Any]:
    """An event item; a lifecycle event (one with `to_status`) also enters the sparse UpdatesIndex."""
    item = {
        "pk": report_pk(tenant, report_id),
        "sk": f"{EVENT_PREFIX}{_iso(event.at)}#{tie_breaker or secrets.token_hex(3)}",
        "entity": "event",
        "report_id": report_id,
        "sensitive": sensitive,
        **event.model_dump(mode="json"),
    }
    if event.to_status is not None:
        item["updates_key"] = tenant
        item["updated_key"] = f"{utc_key(event.at)}#{report_id}"
    return item


def item_to_event(item: Mapping[str, Any]) -> ReportEvent:
    return ReportEvent.model_validate({key: value for key, value in item.items() if key in ReportEvent.model_fields})


@dataclass(frozen=True)
class LifecycleChange:
    """A report's move to `to_status`, as UpdatesIndex lists it; `key` is its place there (pk, sk, updates_key,
    updated_key), where a reader that stopped after it goes on."""

    report_id: str
    to_status: Status
    key: dict[str, str]


class Cursor:
    """Opaque pagination cursor: the last key of a page, bound to the index and partition it came from."""

    @staticmethod
    def encode(index: str, last_key: Mapping[str, Any]) -> str:
        payload = encode_json({"i": index, "k": last_key})
        return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")

    @staticmethod
    def decode(cursor: str, index: str, partition_value: str) -> dict[str, Any]:
        invalid = ValidationFailed([FieldError("query.cursor", "this cursor does not belong to this query")])
        try:
            payload = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
            raise invalid from exc
        if not isinstance(payload, dict) or payload.get("i") != index or not isinstance(payload.get("k"), dict):
            raise invalid
        key: dict[str, Any] = payload["k"]
        expected = {"pk", "sk", INDEXES[index], "received_key"}
        if set(key) != expected or key[INDEXES[index]] != partition_value:
            raise invalid
        if not all(isinstance(value, str) and len(value) < 200 for value in key.values()):
            raise invalid
        return key


class ReportRepository:
    """Reports and their history in ReportsTable."""

    def __init__(self, table_name: str) -> None:
        self.table_name = table_name

    @property
    def _client(self) -> Any:
        return aws.client("dynamodb")

    def create(self, report: Report, event: ReportEvent, extra: list[dict[str, Any]] | None = None) -> None:
        """Store a new report, its first event and any `extra` transaction items all at once, or nothing."""
        items = [
            {
                "Put": {
                    "TableName": self.table_name,
                    "Item": serialize(report_to_item(report)),
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            },
            {
                "Put": {
                    "TableName": self.table_name,
                    "Item": serialize(self._event_item(report, event)),
                }
            },
            *(extra or []),
        ]
        try:
            # The token makes DynamoDB apply a transaction the SDK sends again (its answer was lost) only once.
            self._client.transact_write_items(TransactItems=items, ClientRequestToken=report.id)
        except ClientError as exc:
            if is_condition_failure(exc) and self._stored_as(report):
                return  # this very write, applied by an earlier attempt whose answer was lost
            raise conflict_or_storage_error("create report", exc, "A report with this id already exists.") from exc
        except BotoCoreError as exc:
            raise storage_error("create report", exc) from exc

    def _stored_as(self, report: Report) -> bool:
        """Whether the report stored under this id is `report` (ids and tracking tokens are random: a report with
        both is the one this request wrote), where a store did not honour the request token."""
        try:
            response = self._client.get_item(
                TableName=self.table_name,
                Key=serialize({"pk": report_pk(report.tenant, report.id), "sk": REPORT_SK}),
                ProjectionExpression="tracking_hash",
                ConsistentRead=True,
            )
        except (ClientError, BotoCoreError) as exc:
            raise storage_error("read report", exc) from exc
        stored = deserialize(response.get("Item") or {})
        return stored.get("tracking_hash") == report.tracking_hash

    @staticmethod
    def _event_item(report: Report, event: ReportEvent) -> dict[str, Any]:
        return event_to_item(report.tenant, report.id, event, sensitive=report.sensitive)

    def get(self, tenant: str, report_id: str) -> ReportWithHistory | None:
        """The report with its whole history: one Query on its partition."""
        items: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {
            "TableName": self.table_name,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": {"S": report_pk(tenant, report_id)}},
            "ConsistentRead": True,
        }
        try:
            while True:
                page = self._client.query(**kwargs)
                items.extend(deserialize(item) for item in page.get("Items", []))
                if "LastEvaluatedKey" not in page:
                    break
                kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        except (ClientError, BotoCoreError) as exc:
            raise storage_error("read report", exc) from exc
        report_items = [item for item in items if item["sk"] == REPORT_SK]
        if not report_items:
            return None
        events = tuple(item_to_event(item) for item in items if item["sk"].startswith(EVENT_PREFIX))
        return ReportWithHistory(report=item_to_report(report_items[0]), events=events)

    def exists(self, tenant: str, report_id: str) -> bool:
        try:
            response = self._client.get_item(
                TableName=self.table_name,
                Key=serialize({"pk": report_pk(tenant, report_id), "sk": REPORT_SK}),
                ProjectionExpression="pk",
            )
        except (ClientError, BotoCoreError) as exc:
            raise storage_error("read report", exc) from exc
        return "Item" in response

    def save_transition(self, before: Report, after: Report, event: ReportEvent, audit: AuditRecord) -> None:
        """Replace the report unless someone changed it meanwhile (optimistic lock on `version`), with its event
        and its entry in the tenant's audit log, all in one transaction.

        A transaction applied by DynamoDB whose answer was lost, sent again by the SDK and then refused by its own
        version condition, is recognised by its audit entry (`AuditRepository.commit`): the change was made."""
        items = [
            {
                "Put": {
                    "TableName": self.table_name,
                    "Item": serialize(report_to_item(after)),
                    "ConditionExpression": "version = :version AND #status = :status",
                    "ExpressionAttributeNames": {"#status": "status"},
                    "ExpressionAttributeValues": serialize({":version": before.version, ":status": before.status}),
                }
            },
            self.event_request(after.tenant, after.id, event, sensitive=after.sensitive),
        ]
        commit_with(
            audit,
            items,
            operation="change report",
            conflict="The report was changed by someone else meanwhile; reload it and try again.",
        )

    def event_request(
        self,
        tenant: str,
        report_id: str,
        event: ReportEvent,
        *,
        sensitive: bool = False,
        attributes: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        """The transaction item that adds `event` to the report's history (with `attributes` for stream readers)."""
        item = {**event_to_item(tenant, report_id, event, sensitive=sensitive), **(attributes or {})}
        return {"Put": {"TableName": self.table_name, "Item": serialize(item)}}

    def erase(
        self, before: Report, after: Report, event: ReportEvent, extra: list[dict[str, Any]], audit: AuditRecord
    ) -> None:
        """The erased report, its event, the removal of its personal data elsewhere (`extra`) and the audit
        entry, all in one transaction, unless the report changed meanwhile or was erased already."""
        items = [
            {
                "Put": {
                    "TableName": self.table_name,
                    "Item": serialize(report_to_item(after)),
                    "ConditionExpression": "version = :version AND attribute_not_exists(erased_at)",
                    "ExpressionAttributeValues": serialize({":version": before.version}),
                }
            },
            self.event_request(after.tenant, after.id, event, sensitive=after.sensitive),
            *extra,
        ]
        commit_with(audit, items, operation="erase personal data", conflict="The report changed meanwhile; try again.")

    def add_event(self, tenant: str, report_id: str, event: ReportEvent) -> None:
        try:
            self._client.put_item(TableName=self.table_name, Item=serialize(event_to_item(tenant, report_id, event)))
        except (ClientError, BotoCoreError) as exc:
            raise storage_error("audit", exc) from exc

    def queue(
        self, tenant: str, filters: QueueFilter, limit: int, cursor: str | None
    ) -> tuple[list[Report], str | None]:
        """Newest first from the most selective index; remaining filters applied by DynamoDB, never a Scan."""
        index, partition_value = self._choose_index(tenant, filters)
        key_condition = "#pk = :pk"
        names = {"#pk": INDEXES[index]}
        values: dict[str, Any] = {":pk": partition_value}
        if filters.received_from or filters.received_to:
            lower = utc_key(filters.received_from) if filters.received_from else "0"
            upper = utc_key(filters.received_to) + "~" if filters.received_to else "~"
            key_condition += " AND received_key BETWEEN :lower AND :upper"
            values.update({":lower": lower, ":upper": upper})
        conditions = []
        for attribute, value in self._remaining_filters(index, filters):
            names[f"#{attribute}"] = attribute
            values[f":{attribute}"] = value
            conditions.append(f"#{attribute} = :{attribute}")
        kwargs: dict[str, Any] = {
            "TableName": self.table_name,
            "IndexName": index,
            "KeyConditionExpression": key_condition,
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": serialize(values),
            "ScanIndexForward": False,
            "Limit": limit,
        }
        if conditions:
            kwargs["FilterExpression"] = " AND ".join(conditions)
        if cursor:
            kwargs["ExclusiveStartKey"] = serialize(Cursor.decode(cursor, index, partition_value))
        reports: list[Report] = []
        last_key: dict[str, Any] | None = None
        try:
            # A filter can thin a page out; read on (a bounded number of times) to fill it.
            for _ in range(5):
                page = self._client.query(**kwargs)
                reports.extend(item_to_report(deserialize(item)) for item in page.get("Items", []))
                last_key = page.get("LastEvaluatedKey")
                if last_key is None or len(reports) >= limit:
                    break
                kwargs["ExclusiveStartKey"] = last_key
                kwargs["Limit"] = limit - len(reports)
        except (ClientError, BotoCoreError) as exc:
            raise storage_error("read queue", exc) from exc
        next_cursor = Cursor.encode(index, deserialize(last_key)) if last_key else None
        return reports[:limit], next_cursor

    def all_reports(self, tenant: str) -> Iterator[Report]:
        """Every report of a tenant, newest first, page by page (for rebuilds and exports, not for requests)."""
        kwargs: dict[str, Any] = {
            "TableName": self.table_name,
            "IndexName": "QueueIndex",
            "KeyConditionExpression": "tenant_key = :tenant",
            "ExpressionAttributeValues": serialize({":tenant": tenant}),
            "ScanIndexForward": False,
        }
        try:
            while True:
                page = self._client.query(**kwargs)
                yield from (item_to_report(deserialize(item)) for item in page.get("Items", []))
                if "LastEvaluatedKey" not in page:
                    return
                kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        except (ClientError, BotoCoreError) as exc:
            raise storage_error("read reports", exc) from exc

    def get_many(self, tenant: str, report_ids: list[str]) -> list[Report]:
        """The reports among `report_ids` that exist in `tenant` (BatchGetItem, 100 keys a call)."""
        found: list[Report] = []
        unique = list(dict.fromkeys(report_ids))
        try:
            for start in range(0, len(unique), 100):
                keys = [
                    serialize({"pk": report_pk(tenant, rid), "sk": REPORT_SK}) for rid in unique[start : start + 100]
                ]
                request: dict[str, Any] = {self.table_name: {"Keys": keys}}
                for _ in range(5):  # unprocessed keys are retried a bounded number of times
                    response = self._client.batch_get_item(RequestItems=request)
                    found.extend(item_to_report(deserialize(item)) for item in response["Responses"][self.table_name])
                    request = response.get("UnprocessedKeys") or {}
                    if not request:
                        break
        except (ClientError, BotoCoreError) as exc:
            raise storage_error("read reports", exc) from exc
        order = {rid: position for position, rid in enumerate(unique)}
        return sorted(found, key=lambda report: order[report.id])

    def window(
        self,
        tenant: str,
        *,
        received_from: datetime,
        received_to: datetime,
        limit: int,
        category: str | None = None,
        statuses: frozenset[Status] | None = None,
    ) -> list[Report]:
        """Reports received in a time window, newest first, optionally of one category and some statuses.

        Reads the category's or the tenant's index between the two times only: the cost is bounded by the
        window, never by the whole history."""
        index, partition = ("CategoryIndex", f"{tenant}#{category}") if category else ("QueueIndex", tenant)
        values: dict[str, Any] = {
            ":pk": partition,
            ":lower": utc_key(received_from),
            ":upper": utc_key(received_to) + "~",
        }
        kwargs: dict[str, Any] = {
            "TableName": self.table_name,
            "IndexName": index,
            "KeyConditionExpression": "#pk = :pk AND received_key BETWEEN :lower AND :upper",
            "ExpressionAttributeNames": {"#pk": INDEXES[index]},
            "ScanIndexForward": False,
        }
        if statuses:
            names = [f":status{position}" for position in range(len(statuses))]
            values.update({name: str(status) for name, status in zip(names, sorted(statuses), strict=True)})
            kwargs["FilterExpression"] = f"#status IN ({', '.join(names)})"
            kwargs["ExpressionAttributeNames"]["#status"] = "status"
        kwargs["ExpressionAttributeValues"] = serialize(values)
        reports: list[Report] = []
        try:
            while len(reports) < limit:
                page = self._client.query(**kwargs, Limit=min(1000, limit - len(reports)))
                reports.extend(item_to_report(deserialize(item)) for item in page.get("Items", []))
                if "LastEvaluatedKey" not in page:
                    break
                kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        except (ClientError, BotoCoreError) as exc:
            raise storage_error("read reports", exc) from exc
        return reports[:limit]

    def updates(
        self, tenant: str, *, since: datetime, until: datetime, limit: int
    ) -> list[tuple[str, bool, ReportEvent]]:
        """Lifecycle events of a tenant in a time window, oldest first: (report id, sensitive, event)."""
        kwargs: dict[str, Any] = {
            "TableName": self.table_name,
            "IndexName": "UpdatesIndex",
            "KeyConditionExpression": "updates_key = :tenant AND updated_key BETWEEN :lower AND :upper",
            "ExpressionAttributeValues": serialize(
                {":tenant": tenant, ":lower": utc_key(since), ":upper": utc_key(until) + "~"}
            ),
        }
        updates: list[tuple[str, bool, ReportEvent]] = []
        try:
            while len(updates) < limit:
                page = self._client.query(**kwargs, Limit=min(1000, limit - len(updates)))
                for raw in page.get("Items", []):
                    item = deserialize(raw)
                    updates.append((str(item["report_id"]), bool(item.get("sensitive")), item_to_event(item)))
                if "LastEvaluatedKey" not in page:
                    break
                kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        except (ClientError, BotoCoreError) as exc:
            raise storage_error("read updates", exc) from exc
        return updates[:limit]

    def lifecycle_changes(
        self, tenant: str, *, before: datetime, after: Mapping[str, str] | None, limit: int
    ) -> list[LifecycleChange]:
        """The tenant's lifecycle changes made before `before`, oldest first, from just after the change whose key
        is `after` (from the first if None); at most `limit` (one Query; only ids, statuses and keys are read, no
        note)."""
        kwargs: dict[str, Any] = {
            "TableName": self.table_name,
            "IndexName": "UpdatesIndex",
            "KeyConditionExpression": "updates_key = :tenant AND updated_key < :before",
            "ExpressionAttributeValues": serialize({":tenant": tenant, ":before": utc_key(before)}),
            "ProjectionExpression": "pk, sk, updates_key, updated_key, report_id, to_status",
            "Limit": limit,
        }
        if after is not None:
            kwargs["ExclusiveStartKey"] = serialize(dict(after))
        try:
            page = self._client.query(**kwargs)
        except (ClientError, BotoCoreError) as exc:
            raise storage_error("read updates", exc) from exc
        changes = []
        for raw in page.get("Items", []):
            item = deserialize(raw)
            key = {name: str(item[name]) for name in ("pk", "sk", "updates_key", "updated_key")}
            changes.append(LifecycleChange(str(item["report_id"]), Status(item["to_status"]), key))
        return changes

    @staticmethod
    def _choose_index(tenant: str, filters: QueueFilter) -> tuple[str, str]:
        if filters.status:
            return "StatusIndex", f"{tenant}#{filters.status}"
        if filters.category:
            return "CategoryIndex", f"{tenant}#{filters.category}"
        if filters.unit:
            return "UnitIndex", f"{tenant}#{filters.unit}"
        if filters.priority:
            return "PriorityIndex", f"{tenant}#{filters.priority}"
        return "QueueIndex", tenant

    @staticmethod
    def _remaining_filters(index: str, filters: QueueFilter) -> list[tuple[str, str]]:
        """The filters the chosen index does not already apply, as (attribute, value)."""
        by_index = {
            "StatusIndex": ("status", filters.status),
            "CategoryIndex": ("category", filters.category),
            "UnitIndex": ("unit", filters.unit),
            "PriorityIndex": ("priority", filters.priority),
        }
        return [
            (attribute, str(value))
            for candidate, (attribute, value) in by_index.items()
            if value is not None and candidate != index
        ]


class PersonalDataRepository:
    """Reporters' contact details in PersonalDataTable: kept apart, minimal, expiring (TTL), erasable."""

    def __init__(self, table_name: str) -> None:
        self.table_name = table_name

    @property
    def _client(self) -> Any:
        return aws.client("dynamodb")

    @staticmethod
    def _key(tenant: str, report_id: str) -> dict[str, str]:
        return {"pk": f"CONTACT#{tenant}#{report_id}", "sk": CONTACT_SK}

    def put_request(self, tenant: str, report_id: str, contact: Contact, expires_at: datetime) -> dict[str, Any]:
        """The transaction item that stores `contact`; the report's creation carries it (all or nothing)."""
        item = {
            **self._key(tenant, report_id),
            **contact.model_dump(mode="json"),
            "expires_at": int(expires_at.timestamp()),
        }
        return {"Put": {"TableName": self.table_name, "Item": serialize(item)}}

    def get(self, tenant: str, report_id: str) -> Contact | None:
        try:
            response = self._client.get_item(
                TableName=self.table_name, Key=serialize(self._key(tenant, report_id)), ConsistentRead=True
            )
        except (ClientError, BotoCoreError) as exc:
            raise storage_error("read contact", exc) from exc
        if "Item" not in response:
            return None
        item = deserialize(response["Item"])
        # DynamoDB removes expired items within days, not at once: past its retention a contact no longer exists.
        if int(item.get("expires_at", 0)) <= time.time():
            return None
        return Contact.model_validate({key: value for key, value in item.items() if key in Contact.model_fields})

    def delete_request(self, tenant: str, report_id: str) -> dict[str, Any]:
        """The transaction item that removes the contact (an erasure; harmless when there is none)."""
        return {"Delete": {"TableName": self.table_name, "Key": serialize(self._key(tenant, report_id))}}

    def erase(self, tenant: str, report_id: str) -> None:
        try:
            self._client.delete_item(TableName=self.table_name, Key=serialize(self._key(tenant, report_id)))
        except (ClientError, BotoCoreError) as exc:
            raise storage_error("erase contact", exc) from exc
