"""RateLimitsTable: `pk` (scope#tenant#keyed hash of the client) → `arrival_ms` (the bucket's GCRA TAT) and
`expires_at` (DynamoDB TTL: when the bucket would be full again, so an idle bucket vanishes). No address is stored.

Each method is one conditional update; when its condition fails, DynamoDB returns the bucket with the refusal
(ReturnValuesOnConditionCheckFailure), so the caller knows why without reading it. Both return (written, the TAT
found when not written: None if there is no bucket)."""

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

    def start(self, key: str, arrival_ms: int, now_ms: int, expires_at: int) -> tuple[bool, int | None]:
        """Set the TAT of an idle bucket (none, or its TAT passed: a full bucket)."""
        return self._update(
            key,
            "SET arrival_ms = :arrival, expires_at = :expires",
            "attribute_not_exists(arrival_ms) OR arrival_ms <= :now",
            {":arrival": arrival_ms, ":now": now_ms, ":expires": expires_at},
        )

    def advance(self, key: str, interval_ms: int, latest_ms: int, expires_at: int) -> tuple[bool, int | None]:
        """Move a busy bucket's TAT on by one interval if it is at most `latest_ms` (a token is left). Atomic:
        requests of one client at the same moment each take their own token, none is lost to a race."""
        return self._update(
            key,
            "SET arrival_ms = arrival_ms + :interval, expires_at = :expires",
            "arrival_ms <= :latest",
            {":interval": interval_ms, ":latest": latest_ms, ":expires": expires_at},
        )

    def _update(self, key: str, update: str, condition: str, values: dict[str, Any]) -> tuple[bool, int | None]:
        try:
            self._client.update_item(
                TableName=self.table_name,
                Key=serialize({"pk": key}),
                UpdateExpression=update,
                ConditionExpression=condition,
                ExpressionAttributeValues=serialize(values),
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
