"""CapabilityTable: assessment rounds and the assessments given in them.

  round       pk ROUND#<tenant>                 sk <round id>            (ids are time-ordered: newest first)
  assessment  pk ASSESS#<tenant>#<round id>     sk <view>#<author>       (one per person and round, replaced)

A round's assessments are one Query of its partition (one item per participant: tens). An assessment is stored
in one transaction with a check that its round is still open, on the condition that it is new or still at the
version it replaces.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from koban import aws
from koban.capability.models import Assessment, Round, RoundStatus
from koban.dynamo import conflict_or_storage_error, deserialize, serialize, storage_error


def round_pk(tenant: str) -> str:
    return f"ROUND#{tenant}"


def assessment_pk(tenant: str, round_id: str) -> str:
    return f"ASSESS#{tenant}#{round_id}"


def assessment_sk(assessment: Assessment) -> str:
    return f"{assessment.view}#{assessment.author}"


class CapabilityRepository:
    def __init__(self, table_name: str) -> None:
        self.table_name = table_name

    @property
    def _client(self) -> Any:
        return aws.client("dynamodb")

    def _query(self, operation: str, **kwargs: Any) -> list[dict[str, Any]]:
        kwargs = {"TableName": self.table_name, **kwargs}
        items: list[dict[str, Any]] = []
        limit = kwargs.get("Limit")
        try:
            while True:
                page = self._client.query(**kwargs)
                items.extend(deserialize(item) for item in page.get("Items", []))
                if "LastEvaluatedKey" not in page or (limit is not None and len(items) >= limit):
                    return items
                kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        except (ClientError, BotoCoreError) as exc:
            raise storage_error(operation, exc) from exc

    # ------------------------------------------------------------------------------------------ rounds

    def add_round(self, round_: Round) -> None:
        item = {"pk": round_pk(round_.tenant), "sk": round_.id, **round_.model_dump(mode="json")}
        try:
            self._client.put_item(
                TableName=self.table_name, Item=serialize(item), ConditionExpression="attribute_not_exists(pk)"
            )
        except ClientError as exc:
            raise conflict_or_storage_error("store round", exc, "This round exists already.") from exc
        except BotoCoreError as exc:
            raise storage_error("store round", exc) from exc

    def get_round(self, tenant: str, round_id: str) -> Round | None:
        try:
            response = self._client.get_item(
                TableName=self.table_name, Key=serialize({"pk": round_pk(tenant), "sk": round_id}), ConsistentRead=True
            )
        except (ClientError, BotoCoreError) as exc:
            raise storage_error("read round", exc) from exc
        return _round(deserialize(response["Item"])) if "Item" in response else None

    def rounds(self, tenant: str, limit: int) -> list[Round]:
        """The tenant's latest `limit` rounds, newest first."""
        items = self._query(
            "read rounds",
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues=serialize({":pk": round_pk(tenant)}),
            ScanIndexForward=False,
            Limit=limit,
        )
        return [_round(item) for item in items[:limit]]

    def close_round(self, before: Round, after: Round) -> None:
        """Close the round unless someone changed it since `before` was read."""
        try:
            self._client.update_item(
                TableName=self.table_name,
                Key=serialize({"pk": round_pk(before.tenant), "sk": before.id}),
                UpdateExpression="SET #status = :status, closed_at = :closed_at, version = :next",
                ConditionExpression="version = :version",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues=serialize(
                    {
                        ":status": after.status.value,
                        ":closed_at": after.closed_at.isoformat() if after.closed_at else None,
                        ":next": after.version,
                        ":version": before.version,
                    }
                ),
            )
        except ClientError as exc:
            raise conflict_or_storage_error(
                "close round", exc, "The round was changed meanwhile; reload it and try again."
            ) from exc
        except BotoCoreError as exc:
            raise storage_error("close round", exc) from exc

    # ------------------------------------------------------------------------------------------ assessments

    def get_assessment(self, tenant: str, round_id: str, view: str, author: str) -> Assessment | None:
        try:
            response = self._client.get_item(
                TableName=self.table_name,
                Key=serialize({"pk": assessment_pk(tenant, round_id), "sk": f"{view}#{author}"}),
                ConsistentRead=True,
            )
        except (ClientError, BotoCoreError) as exc:
            raise storage_error("read assessment", exc) from exc
        return _assessment(deserialize(response["Item"])) if "Item" in response else None

    def save_assessment(self, assessment: Assessment, replaces: int | None) -> None:
        """Store `assessment` if its round is open and it is new (`replaces` None) or still at version `replaces`."""
        item = {
            "pk": assessment_pk(assessment.tenant, assessment.round_id),
            "sk": assessment_sk(assessment),
            **assessment.model_dump(mode="json"),
        }
        put: dict[str, Any] = {"TableName": self.table_name, "Item": serialize(item)}
        if replaces is None:
            put["ConditionExpression"] = "attribute_not_exists(pk)"
        else:
            put["ConditionExpression"] = "version = :version"
            put["ExpressionAttributeValues"] = serialize({":version": replaces})
        still_open = {
            "TableName": self.table_name,
            "Key": serialize({"pk": round_pk(assessment.tenant), "sk": assessment.round_id}),
            "ConditionExpression": "#status = :open",
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": serialize({":open": RoundStatus.OPEN.value}),
        }
        try:
            self._client.transact_write_items(TransactItems=[{"ConditionCheck": still_open}, {"Put": put}])
        except ClientError as exc:
            raise conflict_or_storage_error(
                "store assessment", exc, "The round was closed, or this assessment was changed meanwhile; reload it."
            ) from exc
        except BotoCoreError as exc:
            raise storage_error("store assessment", exc) from exc

    def assessments(self, tenant: str, round_id: str) -> list[Assessment]:
        """Every assessment of a round (one Query of its partition)."""
        items = self._query(
            "read assessments",
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues=serialize({":pk": assessment_pk(tenant, round_id)}),
        )
        return [_assessment(item) for item in items]


def _round(item: dict[str, Any]) -> Round:
    return Round.model_validate({key: value for key, value in item.items() if key in Round.model_fields})


def _assessment(item: dict[str, Any]) -> Assessment:
    return Assessment.model_validate({key: value for key, value in item.items() if key in Assessment.model_fields})
