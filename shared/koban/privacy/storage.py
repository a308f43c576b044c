"""The privacy items of PersonalDataTable (see the README's access-pattern table):

  subject index   pk SUBJECT#<tenant>#<contact HMAC>  sk REPORT#<report id>   expires_at with the contact
  erasure marker  pk ERASING#<tenant>                 sk <report id>          photos (and thread) still to delete
  retention mark  pk RETENTION#<tenant>               sk UPDATES              the last lifecycle change (its key in
                                                                              UpdatesIndex) the retention rule handled

A marker is written in the erasure's transaction when something is left that one transaction cannot remove (photos
in S3, a thread longer than the transaction allows) and deleted once that is done, so a retried erasure, or the
next subject request of the tenant, finishes what a failure interrupted.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from koban import aws
from koban.dynamo import deserialize, serialize, storage_error

REPORT_PREFIX = "REPORT#"


def subject_pk(tenant: str, digest: str) -> str:
    return f"SUBJECT#{tenant}#{digest}"


def marker_pk(tenant: str) -> str:
    return f"ERASING#{tenant}"


def bookmark_pk(tenant: str) -> str:
    return f"RETENTION#{tenant}"


BOOKMARK_SK = "UPDATES"


@dataclass(frozen=True)
class ErasureMarker:
    tenant: str
    report_id: str
    attachments: tuple[str, ...]


class PrivacyRepository:
    """The subject index and the erasure markers in PersonalDataTable."""

    def __init__(self, table_name: str) -> None:
        self.table_name = table_name

    @property
    def _client(self) -> Any:
        return aws.client("dynamodb")

    # -- the subject index ---------------------------------------------------------------------------------------

    def index_requests(
        self, tenant: str, report_id: str, digests: Iterable[str], expires_at: datetime
    ) -> list[dict[str, Any]]:
        """Transaction items that index a report's contact under each of its digests (stored with the contact)."""
        return [
            {
                "Put": {
                    "TableName": self.table_name,
                    "Item": serialize(
                        {
                            "pk": subject_pk(tenant, digest),
                            "sk": f"{REPORT_PREFIX}{report_id}",
                            "expires_at": int(expires_at.timestamp()),
                        }
                    ),
                }
            }
            for digest in digests
        ]

    def unindex_requests(self, tenant: str, report_id: str, digests: Iterable[str]) -> list[dict[str, Any]]:
        return [
            {
                "Delete": {
                    "TableName": self.table_name,
                    "Key": serialize({"pk": subject_pk(tenant, digest), "sk": f"{REPORT_PREFIX}{report_id}"}),
                }
            }
            for digest in digests
        ]

    def report_ids(self, tenant: str, digest: str, now: datetime) -> list[str]:
        """The reports whose live contact has this digest (one Query; expired entries are gone)."""
        kwargs: dict[str, Any] = {
            "TableName": self.table_name,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :report)",
            "FilterExpression": "expires_at > :now",
            "ExpressionAttributeValues": serialize(
                {":pk": subject_pk(tenant, digest), ":report": REPORT_PREFIX, ":now": int(now.timestamp())}
            ),
            "ConsistentRead": True,
        }
        found: list[str] = []
        try:
            while True:
                page = self._client.query(**kwargs)
                found += [str(deserialize(item)["sk"]).removeprefix(REPORT_PREFIX) for item in page.get("Items", [])]
                if "LastEvaluatedKey" not in page:
                    return found
                kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        except (ClientError, BotoCoreError) as exc:
            raise storage_error("read subject index", exc) from exc

    # -- erasure markers ---------------------------------------------------------------------------------------

    def marker_request(self, tenant: str, report_id: str, attachments: Iterable[str]) -> dict[str, Any]:
        item = {"pk": marker_pk(tenant), "sk": report_id, "attachments": list(attachments)}
        return {"Put": {"TableName": self.table_name, "Item": serialize(item)}}

    def marker(self, tenant: str, report_id: str) -> ErasureMarker | None:
        try:
            response = self._client.get_item(
                TableName=self.table_name,
                Key=serialize({"pk": marker_pk(tenant), "sk": report_id}),
                ConsistentRead=True,
            )
        except (ClientError, BotoCoreError) as exc:
            raise storage_error("read erasure", exc) from exc
        return _marker(deserialize(response["Item"])) if "Item" in response else None

    def markers(self, tenant: str, limit: int) -> list[ErasureMarker]:
        """Erasures of the tenant that a failure left unfinished, at most `limit`."""
        try:
            page = self._client.query(
                TableName=self.table_name,
                KeyConditionExpression="pk = :pk",
                ExpressionAttributeValues=serialize({":pk": marker_pk(tenant)}),
                ConsistentRead=True,
                Limit=limit,
            )
        except (ClientError, BotoCoreError) as exc:
            raise storage_error("read erasures", exc) from exc
        return [_marker(deserialize(item)) for item in page.get("Items", [])]

    def remove_marker(self, tenant: str, report_id: str) -> None:
        try:
            self._client.delete_item(
                TableName=self.table_name, Key=serialize({"pk": marker_pk(tenant), "sk": report_id})
            )
        except (ClientError, BotoCoreError) as exc:
            raise storage_error("finish erasure", exc) from exc

    # -- the retention rule's bookmark ------------------------------------------------------------------------

    def retention_bookmark(self, tenant: str) -> dict[str, str] | None:
        """Where the tenant's retention rule goes on in UpdatesIndex (the key of the last change it handled)."""
        try:
            response = self._client.get_item(
                TableName=self.table_name,
                Key=serialize({"pk": bookmark_pk(tenant), "sk": BOOKMARK_SK}),
                ConsistentRead=True,
            )
        except (ClientError, BotoCoreError) as exc:
            raise storage_error("read retention bookmark", exc) from exc
        item = deserialize(response.get("Item") or {})
        after = item.get("after")
        return {str(name): str(value) for name, value in after.items()} if isinstance(after, dict) else None

    def save_retention_bookmark(self, tenant: str, after: dict[str, str], now: datetime) -> None:
        item = {"pk": bookmark_pk(tenant), "sk": BOOKMARK_SK, "after": after, "at": now.isoformat()}
        try:
            self._client.put_item(TableName=self.table_name, Item=serialize(item))
        except (ClientError, BotoCoreError) as exc:
            raise storage_error("save retention bookmark", exc) from exc


def _marker(item: dict[str, Any]) -> ErasureMarker:
    return ErasureMarker(
        tenant=str(item["pk"]).removeprefix("ERASING#"),
        report_id=str(item["sk"]),
        attachments=tuple(item.get("attachments") or ()),
    )
