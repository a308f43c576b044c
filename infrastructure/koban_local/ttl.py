"""DynamoDB's Time to Live, locally: moto records a table's TTL attribute but never deletes an expired item.

A background thread scans every table whose template declares a `TimeToLiveSpecification` and deletes the items
whose TTL attribute (epoch seconds) has passed, as DynamoDB's own TTL process does (within days there; within a
few seconds here). The deletes go through the table, so its stream sees the REMOVE as it would in AWS. Scanning is
right here: it stands in for DynamoDB's background process, not for a request path.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from koban_local.aws_local import AwsClient
from koban_local.running import BackgroundThread
from koban_local.template import Template

log = logging.getLogger(__name__)
THREAD_NAME = "koban-local-ttl"


@dataclass(frozen=True)
class _ExpiringTable:
    name: str
    key_names: tuple[str, ...]
    attribute: str


def expiring_tables(template: Template, physical_names: Mapping[str, str]) -> list[_ExpiringTable]:
    """The tables whose template switches TTL on, with their key attributes and TTL attribute."""
    tables = []
    for logical_id, properties in template.tables.items():
        specification = properties.get("TimeToLiveSpecification") or {}
        if specification.get("Enabled") in (True, "true") and logical_id in physical_names:
            keys = tuple(str(element["AttributeName"]) for element in properties["KeySchema"])
            tables.append(_ExpiringTable(physical_names[logical_id], keys, str(specification["AttributeName"])))
    return tables


class TtlSweeper(BackgroundThread):
    """Deletes expired items of every TTL table of `template`: start(), sweep_once(), stop()."""

    thread_name = THREAD_NAME
    what = "The TTL sweeper"

    def __init__(
        self,
        template: Template,
        physical_names: Mapping[str, str],
        *,
        dynamodb_client: AwsClient,
        interval: float = 5.0,
    ) -> None:
        self.dynamodb = dynamodb_client
        self.interval = interval
        self.tables = expiring_tables(template, physical_names)
        super().__init__()

    def _run(self) -> None:
        while not self._stopping.wait(self.interval):
            try:
                self.sweep_once()
            except Exception:  # keep sweeping: a failed sweep must not end the local home
                log.exception("TTL sweep failed; retrying in %.1f s", self.interval)

    def sweep_once(self, now: float | None = None) -> int:
        """Delete every item whose TTL has passed (items without a numeric TTL stay); return how many."""
        moment = int(time.time() if now is None else now)
        deleted = 0
        for table in self.tables:
            kwargs: dict[str, Any] = {
                "TableName": table.name,
                "FilterExpression": "#ttl < :now",
                "ExpressionAttributeNames": {"#ttl": table.attribute},
                "ExpressionAttributeValues": {":now": {"N": str(moment)}},
                "ProjectionExpression": ", ".join(f"#k{index}" for index in range(len(table.key_names))),
            }
            kwargs["ExpressionAttributeNames"].update(
                {f"#k{index}": name for index, name in enumerate(table.key_names)}
            )
            while True:
                page = self.dynamodb.scan(**kwargs)
                for key in page.get("Items", []):
                    # Conditional, as DynamoDB's TTL: an item renewed meanwhile is kept.
                    try:
                        self.dynamodb.delete_item(
                            TableName=table.name,
                            Key=key,
                            ConditionExpression="#ttl < :now",
                            ExpressionAttributeNames={"#ttl": table.attribute},
                            ExpressionAttributeValues={":now": {"N": str(moment)}},
                        )
                        deleted += 1
                    except self.dynamodb.exceptions.ConditionalCheckFailedException:
                        continue
                if "LastEvaluatedKey" not in page:
                    break
                kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        return deleted
