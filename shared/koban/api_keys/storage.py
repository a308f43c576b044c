"""ApiKeysTable: `key_hash` (SHA-256 of the key) → tenant, key id, client app, dates; `TenantKeysIndex`
lists a tenant's keys by id. The key itself is never stored."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from pydantic import AwareDatetime, BaseModel, ConfigDict

from koban import aws
from koban.dynamo import conflict_or_storage_error, deserialize, serialize, storage_error


class ApiKey(BaseModel):
    model_config = ConfigDict(frozen=True)

    tenant: str
    key_id: str
    key_hash: str
    client_name: str
    created_at: AwareDatetime
    created_by: str
    revoked_at: AwareDatetime | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class ApiKeyRepository:
    def __init__(self, table_name: str) -> None:
        self.table_name = table_name

    @property
    def _client(self) -> Any:
        return aws.client("dynamodb")

    def add(self, key: ApiKey) -> None:
        try:
            self._client.put_item(
                TableName=self.table_name,
                Item=serialize(key.model_dump(mode="json")),
                ConditionExpression="attribute_not_exists(key_hash)",
            )
        except ClientError as exc:
            raise conflict_or_storage_error("store API key", exc, "This API key already exists.") from exc
        except BotoCoreError as exc:
            raise storage_error("store API key", exc) from exc

    def by_hash(self, key_hash: str) -> ApiKey | None:
        try:
            response = self._client.get_item(TableName=self.table_name, Key=serialize({"key_hash": key_hash}))
        except (ClientError, BotoCoreError) as exc:
            raise storage_error("read API key", exc) from exc
        return ApiKey.model_validate(deserialize(response["Item"])) if "Item" in response else None

    def of_tenant(self, tenant: str) -> list[ApiKey]:
        kwargs: dict[str, Any] = {
            "TableName": self.table_name,
            "IndexName": "TenantKeysIndex",
            "KeyConditionExpression": "tenant = :tenant",
            "ExpressionAttributeValues": serialize({":tenant": tenant}),
        }
        keys: list[ApiKey] = []
        try:
            while True:
                page = self._client.query(**kwargs)
                keys.extend(ApiKey.model_validate(deserialize(item)) for item in page.get("Items", []))
                if "LastEvaluatedKey" not in page:
                    return keys
                kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        except (ClientError, BotoCoreError) as exc:
            raise storage_error("list API keys", exc) from exc

    def find(self, tenant: str, key_id: str) -> ApiKey | None:
        try:
            page = self._client.query(
                TableName=self.table_name,
                IndexName="TenantKeysIndex",
                KeyConditionExpression="tenant = :tenant AND key_id = :key_id",
                ExpressionAttributeValues=serialize({":tenant": tenant, ":key_id": key_id}),
            )
        except (ClientError, BotoCoreError) as exc:
            raise storage_error("read API key", exc) from exc
        items = page.get("Items", [])
        return ApiKey.model_validate(deserialize(items[0])) if items else None

    def revoke(self, key: ApiKey, at: datetime) -> None:
        try:
            self._client.update_item(
                TableName=self.table_name,
                Key=serialize({"key_hash": key.key_hash}),
                UpdateExpression="SET revoked_at = :at",
                ConditionExpression="attribute_exists(key_hash) AND attribute_not_exists(revoked_at)",
                ExpressionAttributeValues=serialize({":at": at.isoformat()}),
            )
        except ClientError as exc:
            raise conflict_or_storage_error("revoke API key", exc, "This API key is already revoked.") from exc
        except BotoCoreError as exc:
            raise storage_error("revoke API key", exc) from exc
