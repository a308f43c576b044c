"""AggregatesTable access: idempotent application of a report's counter changes, range reads for the views,
and exact writes for a rebuild.

Callers speak of logical counters, (partition, sort key) → count, as `contributions` defines them. Storage
packs related counters into one item, one attribute each: a day of `DAYS#<tenant>` (item `<day>`, attributes
`cat#noise_night`, `channel#web`, …) and a day of one region of cells (item `<day>#<H3 r5 region>`, attributes
`<cell>#<category>`). A report then touches four items (its day, the day of its two cells' regions, its due day)
instead of ten, and a dashboard view reads one item per day and region, whatever the number of reports. A busy
region-day holds a few thousand attributes (~100 KB), well under DynamoDB's 400 KB. Other partitions hold one
counter per item, `n`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from koban import aws
from koban.aggregation.contributions import CounterKey, applied_partition
from koban.dynamo import deserialize, is_condition_failure, serialize, storage_error
from koban.geo import parent_cell

# DynamoDB stream sequence numbers are decimal strings of up to 40 digits: compared as fixed-width strings.
SEQUENCE_WIDTH = 40
MAX_TRANSACTION_ITEMS = 100
SINGLE_COUNTER = "n"
_DAYS_PREFIX = "DAYS#"
# Cells are grouped per day into regions of H3 resolution 5 (~250 km², a city is a handful of them): a view of
# D days reads D × regions items, however many reports and active blocks there are.
REGION_RESOLUTION = 5
_CELLS_PREFIX = "CELLS#"
_KEY_ATTRIBUTES = frozenset({"pk", "sk"})

PhysicalKey = tuple[str, str]


def sequence_key(sequence_number: str) -> str:
    return sequence_number.strip().zfill(SEQUENCE_WIDTH)


def physical(key: CounterKey) -> tuple[PhysicalKey, str]:
    """Where a logical counter is stored: ((pk, item sort key), attribute)."""
    pk, sk = key
    if pk.startswith(_DAYS_PREFIX):  # <day>#<counter>: one item per day
        day, _, counter = sk.partition("#")
        return (pk, day), counter
    if pk.startswith(_CELLS_PREFIX):  # <day>#<cell>#<category>: one item per day and region
        day, _, cell_and_category = sk.partition("#")
        cell = cell_and_category.partition("#")[0]
        return (pk, f"{day}#{parent_cell(cell, REGION_RESOLUTION)}"), cell_and_category
    return (pk, sk), SINGLE_COUNTER


def logical(pk: str, item: Mapping[str, Any]) -> dict[str, int]:
    """The logical counters (sort key → count) an item holds."""
    sk = str(item["sk"])
    if pk.startswith(_DAYS_PREFIX):
        return {f"{sk}#{name}": int(value) for name, value in item.items() if name not in _KEY_ATTRIBUTES}
    if pk.startswith(_CELLS_PREFIX):
        day = sk.partition("#")[0]
        return {f"{day}#{name}": int(value) for name, value in item.items() if name not in _KEY_ATTRIBUTES}
    return {sk: int(item.get(SINGLE_COUNTER, 0))}


def _grouped(values: Mapping[CounterKey, int]) -> dict[PhysicalKey, dict[str, int]]:
    items: dict[PhysicalKey, dict[str, int]] = defaultdict(dict)
    for key, value in values.items():
        where, attribute = physical(key)
        items[where][attribute] = value
    return items


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
        counters = [self._add(where, additions) for where, additions in sorted(_grouped(changes).items())]
        if len(counters) + 1 > MAX_TRANSACTION_ITEMS:
            raise ValueError(f"report {report_id} would change {len(counters)} counter items at once")
        try:
            self._client.transact_write_items(TransactItems=[marker, *counters])
        except ClientError as exc:
            if is_condition_failure(exc):
                return False
            raise storage_error("update counters", exc) from exc
        except BotoCoreError as exc:
            raise storage_error("update counters", exc) from exc
        return True

    def _add(self, where: PhysicalKey, additions: Mapping[str, int]) -> dict[str, Any]:
        names = {f"#a{index}": attribute for index, attribute in enumerate(sorted(additions))}
        values = {f":v{index}": additions[attribute] for index, attribute in enumerate(sorted(additions))}
        expression = "ADD " + ", ".join(f"#a{index} :v{index}" for index in range(len(names)))
        return {
            "Update": {
                "TableName": self.table_name,
                "Key": serialize({"pk": where[0], "sk": where[1]}),
                "UpdateExpression": expression,
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": serialize(values),
            }
        }

    def read_range(self, pk: str, first: str | None, last: str | None) -> dict[str, int]:
        """Logical counters of one partition whose sort keys lie from `first` to `last` (prefixes, inclusive;
        None leaves that end open)."""
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
                    counts.update(logical(pk, deserialize(raw)))
                if "LastEvaluatedKey" not in page:
                    return counts
                kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        except (ClientError, BotoCoreError) as exc:
            raise storage_error("read counters", exc) from exc

    def read_partition(self, pk: str) -> dict[str, int]:
        return self.read_range(pk, None, None)

    @staticmethod
    def _exact_request(pk: str, sk: str, counters: Mapping[str, int]) -> dict[str, Any]:
        """A put of the item's non-zero counters; an item left with none is deleted, so views never read it."""
        kept = {name: value for name, value in counters.items() if value}
        if not kept:
            return {"DeleteRequest": {"Key": serialize({"pk": pk, "sk": sk})}}
        return {"PutRequest": {"Item": serialize({"pk": pk, "sk": sk, **kept})}}

    def write_exact(self, counts: Iterable[tuple[CounterKey, int]], complete: Mapping[CounterKey, int]) -> int:
        """Set the items holding `counts` to exact values (a rebuild). An item is written whole, so `complete`
        must give every counter of the tenant as it should be. Returns the number of items written."""
        touched = {physical(key)[0] for key, _ in counts}
        expected = _grouped(complete)
        items = [self._exact_request(pk, sk, expected[(pk, sk)]) for pk, sk in sorted(touched)]
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
