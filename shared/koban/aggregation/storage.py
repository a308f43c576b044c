"""AggregatesTable access: idempotent application of a report's counter changes, range reads for the views,
and exact writes for a rebuild."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from koban import aws
from koban.aggregation.contributions import CounterKey, applied_partition
from koban.dynamo import deserialize, is_condition_failure, serialize, storage_error

# DynamoDB stream sequence numbers are decimal strings of up to 40 digits: compared as fixed-width strings.
SEQUENCE_WIDTH = 40
MAX_TRANSACTION_ITEMS = 100


def sequence_key(sequence_number: str) -> str:
    return sequence_number.strip().zfill(SEQUENCE_WIDTH)


class AggregateRepository:
    def __init__(self, table_name: str) -> None:
        self.table_name = table_name

    @property
    def _client(self) -> Any:
        return aws.client("dynamodb")

    def apply(self, tenant: str, report_id: str, sequence_number: str, changes: Mapping[CounterKey, int]) -> bool:
        """Add `changes` to the counters unless this report's record (or a later one) was applied already.

        One transaction: the report's marker moves forward only together with its counters, so a retried or
        replayed stream record changes nothing. Returns False for a record seen before."""
        marker = {
            "Update": {
                "TableName": self.table_name,
                "Key": serialize({"pk": applied_partition(tenant), "sk": report_id}),
                "UpdateExpression": "SET #seq = :seq",
                "ConditionExpression": "attribute_not_exists(#seq) OR #seq < :seq",
                "ExpressionAttributeNames": {"#seq": "sequence"},
                "ExpressionAttributeValues": serialize({":seq": sequence_key(sequence_number)}),
            }
        }
        counters = [
            {
                "Update": {
                    "TableName": self.table_name,
                    "Key": serialize({"pk": pk, "sk": sk}),
                    "UpdateExpression": "ADD #count :change",
                    "ExpressionAttributeNames": {"#count": "count"},
                    "ExpressionAttributeValues": serialize({":change": change}),
                }
            }
            for (pk, sk), change in sorted(changes.items())
        ]
        if len(counters) + 1 > MAX_TRANSACTION_ITEMS:
            raise ValueError(f"report {report_id} would change {len(counters)} counters at once")
        try:
            self._client.transact_write_items(TransactItems=[marker, *counters])
        except ClientError as exc:
            if is_condition_failure(exc):
                return False
            raise storage_error("update counters", exc) from exc
        except BotoCoreError as exc:
            raise storage_error("update counters", exc) from exc
        return True

    def read_range(self, pk: str, first: str | None, last: str | None) -> dict[str, int]:
        """Counters of one partition with sort keys from `first` to `last` (prefix-inclusive; None = open)."""
        condition, values = "pk = :pk", {":pk": pk}
        if first is not None and last is not None:
            condition += " AND sk BETWEEN :first AND :last"
            values.update({":first": first, ":last": last + "~"})
        elif last is not None:
            condition += " AND sk <= :last"
            values[":last"] = last + "~"
        elif first is not None:
            condition += " AND sk >= :first"
            values[":first"] = first
        kwargs: dict[str, Any] = {
            "TableName": self.table_name,
            "KeyConditionExpression": condition,
            "ExpressionAttributeValues": serialize(values),
        }
        counts: dict[str, int] = {}
        try:
            while True:
                page = self._client.query(**kwargs)
                for raw in page.get("Items", []):
                    item = deserialize(raw)
                    counts[str(item["sk"])] = int(item.get("count", 0))
                if "LastEvaluatedKey" not in page:
                    return counts
                kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        except (ClientError, BotoCoreError) as exc:
            raise storage_error("read counters", exc) from exc

    def read_partition(self, pk: str) -> dict[str, int]:
        return self.read_range(pk, None, None)

    def write_exact(self, counts: Iterable[tuple[CounterKey, int]]) -> int:
        """Set counters to exact values (a rebuild); returns how many were written."""
        items = [
            {"PutRequest": {"Item": serialize({"pk": pk, "sk": sk, "count": count})}} for (pk, sk), count in counts
        ]
        try:
            for start in range(0, len(items), 25):
                request: dict[str, Any] = {self.table_name: items[start : start + 25]}
                for _ in range(8):
                    response = self._client.batch_write_item(RequestItems=request)
                    request = response.get("UnprocessedItems") or {}
                    if not request:
                        break
                else:
                    raise storage_error("rebuild counters", BotoCoreError())
        except (ClientError, BotoCoreError) as exc:
            raise storage_error("rebuild counters", exc) from exc
        return len(items)
