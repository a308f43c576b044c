"""ProblemsTable: one item per problem, `pk = PROBLEM#<tenant>`, `sk = <problem id>`.

Problem ids are time-ordered, so a tenant's problems read newest first with one Query on its partition (a
tenant has hundreds of problems, not millions: a stage filter is applied by DynamoDB, no index is needed).
Notes, partners, actions, feedback and the stage history live in the item itself, and every change replaces
the item on the condition that its `version` is still the one the change was made on (optimistic locking).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from koban import aws
from koban.dynamo import conflict_or_storage_error, deserialize, encode_json, serialize, storage_error
from koban.errors import FieldError, ValidationFailed
from koban.problems.models import Problem, Stage

# DynamoDB refuses items over 400 KB; this leaves room for attribute overhead the JSON estimate misses.
MAX_ITEM_BYTES = 350_000
_PROBLEM_ID = re.compile(r"^[0-9a-z]{20}$")
# A stage filter may thin pages out; read on this many times at most to fill one.
_MAX_READS_PER_PAGE = 5


def problem_pk(tenant: str) -> str:
    return f"PROBLEM#{tenant}"


def problem_to_item(problem: Problem) -> dict[str, Any]:
    return {"pk": problem_pk(problem.tenant), "sk": problem.id, "entity": "problem", **problem.model_dump(mode="json")}


def item_to_problem(item: Mapping[str, Any]) -> Problem:
    return Problem.model_validate({key: value for key, value in item.items() if key in Problem.model_fields})


def _checked_item(problem: Problem) -> dict[str, Any]:
    item = problem_to_item(problem)
    if len(encode_json(item).encode("utf-8")) > MAX_ITEM_BYTES:
        raise ValidationFailed(
            [
                FieldError(
                    "body",
                    "this problem is full (too many notes, actions or feedback to store); close it "
                    "and continue in a new problem",
                    "too_large",
                )
            ]
        )
    return item


def encode_cursor(problem_id: str) -> str:
    return base64.urlsafe_b64encode(encode_json({"after": problem_id}).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> str:
    """The problem id a page ended with; any cursor this module did not make is a 422 naming `query.cursor`."""
    invalid = ValidationFailed([FieldError("query.cursor", "this is not a cursor of this list")])
    try:
        payload = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise invalid from exc
    after = payload.get("after") if isinstance(payload, dict) else None
    if not isinstance(after, str) or not _PROBLEM_ID.match(after):
        raise invalid
    return after


class ProblemRepository:
    def __init__(self, table_name: str) -> None:
        self.table_name = table_name

    @property
    def _client(self) -> Any:
        return aws.client("dynamodb")

    def create(self, problem: Problem) -> None:
        try:
            self._client.put_item(
                TableName=self.table_name,
                Item=serialize(_checked_item(problem)),
                ConditionExpression="attribute_not_exists(pk)",
            )
        except ClientError as exc:
            raise conflict_or_storage_error("create problem", exc, "A problem with this id already exists.") from exc
        except BotoCoreError as exc:
            raise storage_error("create problem", exc) from exc

    def get(self, tenant: str, problem_id: str) -> Problem | None:
        try:
            response = self._client.get_item(
                TableName=self.table_name,
                Key=serialize({"pk": problem_pk(tenant), "sk": problem_id}),
                ConsistentRead=True,
            )
        except (ClientError, BotoCoreError) as exc:
            raise storage_error("read problem", exc) from exc
        return item_to_problem(deserialize(response["Item"])) if "Item" in response else None

    def save(self, before: Problem, after: Problem) -> None:
        """Replace the problem unless someone changed it since `before` was read (optimistic lock on `version`)."""
        try:
            self._client.put_item(
                TableName=self.table_name,
                Item=serialize(_checked_item(after)),
                ConditionExpression="version = :version",
                ExpressionAttributeValues=serialize({":version": before.version}),
            )
        except ClientError as exc:
            raise conflict_or_storage_error(
                "change problem", exc, "The problem was changed by someone else meanwhile; reload it and try again."
            ) from exc
        except BotoCoreError as exc:
            raise storage_error("change problem", exc) from exc

    def page(
        self, tenant: str, stage: Stage | None, limit: int, cursor: str | None
    ) -> tuple[list[Problem], str | None]:
        """A page of the tenant's problems, newest first, optionally in one stage; and the next page's cursor."""
        kwargs: dict[str, Any] = {
            "TableName": self.table_name,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": {"S": problem_pk(tenant)}},
            "ScanIndexForward": False,
            "Limit": limit,
        }
        if stage is not None:
            kwargs["FilterExpression"] = "#stage = :stage"
            kwargs["ExpressionAttributeNames"] = {"#stage": "stage"}
            kwargs["ExpressionAttributeValues"][":stage"] = {"S": str(stage)}
        if cursor:
            kwargs["ExclusiveStartKey"] = serialize({"pk": problem_pk(tenant), "sk": decode_cursor(cursor)})
        problems: list[Problem] = []
        last_key: dict[str, Any] | None = None
        try:
            for _ in range(_MAX_READS_PER_PAGE):
                page = self._client.query(**kwargs)
                problems.extend(item_to_problem(deserialize(item)) for item in page.get("Items", []))
                last_key = page.get("LastEvaluatedKey")
                if last_key is None or len(problems) >= limit:
                    break
                kwargs["ExclusiveStartKey"] = last_key
                kwargs["Limit"] = limit - len(problems)
        except (ClientError, BotoCoreError) as exc:
            raise storage_error("list problems", exc) from exc
        next_cursor = encode_cursor(str(deserialize(last_key)["sk"])) if last_key else None
        return problems[:limit], next_cursor

    def opened_since(self, tenant: str, first_id: str, limit: int) -> list[Problem]:
        """The problems opened at or after the time `first_id` encodes (ids are time-ordered), newest first, at
        most `limit`: one Query on the tenant's partition with `sk >= first_id`."""
        kwargs: dict[str, Any] = {
            "TableName": self.table_name,
            "KeyConditionExpression": "pk = :pk AND sk >= :first",
            "ExpressionAttributeValues": serialize({":pk": problem_pk(tenant), ":first": first_id}),
            "ScanIndexForward": False,
            "Limit": limit,
        }
        problems: list[Problem] = []
        try:
            while len(problems) < limit:
                page = self._client.query(**kwargs)
                problems.extend(item_to_problem(deserialize(item)) for item in page.get("Items", []))
                if "LastEvaluatedKey" not in page:
                    break
                kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
                kwargs["Limit"] = limit - len(problems)
        except (ClientError, BotoCoreError) as exc:
            raise storage_error("list problems", exc) from exc
        return problems[:limit]
