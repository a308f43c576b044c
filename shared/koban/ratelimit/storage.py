"""RateLimitsTable: `pk` (scope#tenant#keyed hash of the client) → `arrival_ms` (the bucket's GCRA TAT) and
`expires_at` (DynamoDB TTL: when the bucket would be full again, so an idle bucket vanishes). No address is stored."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from koban import aws
from koban.dynamo import deserialize, is_condition_failure, serialize, storage_error


class RateLimitRepository:
    def __init__(self, table_name: str) -> None:
        self.table_name = table_name

    @property
    def _client(self) -> Any:
        return aws.client("dynamodb")

    def advance(
        self, key: str, seen_ms: int | None, arrival_ms: int, now_ms: int, expires_at: int
    ) -> tuple[bool, int | None]:
        """Store `arrival_ms` if the bucket is still as seen: `seen_ms` None means idle (no bucket, or its TAT
        passed). One conditional write; when the bucket is not as seen, DynamoDB returns it with the refusal.

        Returns (written, the TAT found when not written: None if there is no bucket)."""
        if seen_ms is None:
            condition = "attribute_not_exists(arrival_ms) OR arrival_ms <= :now"
            values: dict[str, Any] = {":now": now_ms}
        else:
            condition = "arrival_ms = :seen"
            values = {":seen": seen_ms}
        try:
            self._client.update_item(
                TableName=self.table_name,
                Key=serialize({"pk": key}),
                UpdateExpression="SET arrival_ms = :arrival, expires_at = :expires",
                ConditionExpression=condition,
                ExpressionAttributeValues=serialize({**values, ":arrival": arrival_ms, ":expires": expires_at}),
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as exc:
            if not is_condition_failure(exc):
                raise storage_error("rate limit", exc) from exc
            found = deserialize(exc.response.get("Item") or {})
            return False, found.get("arrival_ms")
        except BotoCoreError as exc:
            raise storage_error("rate limit", exc) from exc
        return True, None
