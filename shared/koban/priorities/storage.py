"""Priorities live in the KOBAN cycle table (ProblemsTable) beside the problems:
  priority  pk PRIORITY#<tenant>            sk <priority id>    (votes counted on the item)
  vote      pk VOTE#<tenant>#<priority id>  sk sha256(priority id, voter)
A vote is one transaction: the vote item if it does not exist yet, and the count. The stored voter hash includes
the priority id, so one device's votes cannot be linked across priorities."""

from __future__ import annotations

import hashlib
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from koban import aws
from koban.dynamo import conflict_or_storage_error, deserialize, is_condition_failure, serialize, storage_error
from koban.priorities.models import Priority, PriorityStatus


def _pk(tenant: str) -> str:
    return f"PRIORITY#{tenant}"


def voter_hash(priority_id: str, voter: str) -> str:
    return hashlib.sha256(f"{priority_id}:{voter}".encode()).hexdigest()


class PriorityRepository:
    def __init__(self, table_name: str) -> None:
        self.table_name = table_name

    @property
    def _client(self) -> Any:
        return aws.client("dynamodb")

    def _item(self, priority: Priority) -> dict[str, Any]:
        return serialize({"pk": _pk(priority.tenant), "sk": priority.id, **priority.model_dump(mode="json")})

    def add(self, priority: Priority) -> None:
        try:
            self._client.put_item(
                TableName=self.table_name, Item=self._item(priority), ConditionExpression="attribute_not_exists(pk)"
            )
        except ClientError as exc:
            raise conflict_or_storage_error("store priority", exc, "This priority exists already.") from exc
        except BotoCoreError as exc:
            raise storage_error("store priority", exc) from exc

    def get(self, tenant: str, priority_id: str) -> Priority | None:
        try:
            response = self._client.get_item(
                TableName=self.table_name, Key=serialize({"pk": _pk(tenant), "sk": priority_id}), ConsistentRead=True
            )
        except (ClientError, BotoCoreError) as exc:
            raise storage_error("read priority", exc) from exc
        return _priority(deserialize(response["Item"])) if "Item" in response else None

    def of_tenant(self, tenant: str) -> list[Priority]:
        """A tenant's priorities, newest first (a tenant has tens of them: one Query, paged)."""
        kwargs: dict[str, Any] = {
            "TableName": self.table_name,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": serialize({":pk": _pk(tenant)}),
            "ScanIndexForward": False,
        }
        priorities: list[Priority] = []
        try:
            while True:
                page = self._client.query(**kwargs)
                priorities.extend(_priority(deserialize(item)) for item in page.get("Items", []))
                if "LastEvaluatedKey" not in page:
                    return priorities
                kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        except (ClientError, BotoCoreError) as exc:
            raise storage_error("read priorities", exc) from exc

    def change_status(self, before: Priority, after: Priority) -> None:
        """Store the new status and its text unless someone changed the priority since `before` (its version).
        The vote count is left alone: votes are added by their own transactions meanwhile."""
        try:
            self._client.update_item(
                TableName=self.table_name,
                Key=serialize({"pk": _pk(before.tenant), "sk": before.id}),
                UpdateExpression="SET #status = :status, commitment = :commitment, outcome = :outcome, "
                "updated_at = :updated_at, version = :next",
                ConditionExpression="version = :version",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues=serialize(
                    {
                        ":status": after.status.value,
                        ":commitment": after.commitment or "",
                        ":outcome": after.outcome or "",
                        ":updated_at": after.updated_at.isoformat(),
                        ":next": after.version,
                        ":version": before.version,
                    }
                ),
            )
        except ClientError as exc:
            raise conflict_or_storage_error(
                "change priority", exc, "The priority was changed meanwhile; reload it and try again."
            ) from exc
        except BotoCoreError as exc:
            raise storage_error("change priority", exc) from exc

    def vote(self, tenant: str, priority_id: str, voter: str) -> bool:
        """Count one vote of `voter`; False if this voter had voted already or voting has closed."""
        items = [
            {
                "Put": {
                    "TableName": self.table_name,
                    "Item": serialize({"pk": f"VOTE#{tenant}#{priority_id}", "sk": voter_hash(priority_id, voter)}),
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            },
            {
                "Update": {
                    "TableName": self.table_name,
                    "Key": serialize({"pk": _pk(tenant), "sk": priority_id}),
                    "UpdateExpression": "ADD votes :one",
                    "ConditionExpression": "#status = :proposed",
                    "ExpressionAttributeNames": {"#status": "status"},
                    "ExpressionAttributeValues": serialize({":one": 1, ":proposed": PriorityStatus.PROPOSED.value}),
                }
            },
        ]
        try:
            self._client.transact_write_items(TransactItems=items)
        except ClientError as exc:
            if is_condition_failure(exc):
                return False
            raise storage_error("count vote", exc) from exc
        except BotoCoreError as exc:
            raise storage_error("count vote", exc) from exc
        return True


def _priority(item: dict[str, Any]) -> Priority:
    fields = {key: value for key, value in item.items() if key in Priority.model_fields}
    # An empty text stands for "none" in the item (DynamoDB updates cannot SET a null here).
    for optional in ("commitment", "outcome"):
        fields[optional] = fields.get(optional) or None
    return Priority.model_validate(fields)
