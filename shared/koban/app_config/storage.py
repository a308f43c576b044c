"""Where app configurations live.

AppConfigTable (DynamoDB), one partition per tenant, `pk = APPCONFIG#<tenant>`:

| sk | item | written |
|---|---|---|
| `DRAFT` | the draft document (JSON text), its `revision`, etag, who saved it when | conditional on `revision` |
| `LIVE` | which version is published: version, etag, S3 key and object version | on the version it replaces |
| `VERSION#<10 digits>` | one per published version: etag, S3 key and version, who, when, source | once |
| `AUDIT#<ISO time>#<random>` | who did what when (draft saved, published, rolled back) | once |

A publication is one transaction (version item, `LIVE`, audit entry; and the draft for a rollback that restores
it), so two racing publications cannot both win, and nothing is half-written. Its document is first written to
S3 as a new object (`tenants/<tenant>/versions/<10 digits>-<random>.json`, `If-None-Match: *`, versioned
bucket): published content is never overwritten, and an object whose transaction lost stays unreferenced.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import secrets
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from koban import aws
from koban.app_config.records import AuditEntry, Draft, PublishedVersion
from koban.dynamo import conflict_or_storage_error, deserialize, serialize, storage_error
from koban.errors import Conflict, FieldError, ValidationFailed

# DynamoDB refuses items over 400 KB; the request body limit (256 KiB) keeps drafts well below this.
MAX_DRAFT_BYTES = 350_000
DRAFT = "DRAFT"
LIVE = "LIVE"
VERSION_PREFIX = "VERSION#"
AUDIT_PREFIX = "AUDIT#"
_VERSION_SK = re.compile(r"^VERSION#\d{10}$")
_AUDIT_SK = re.compile(r"^AUDIT#[0-9T:.+-]{20,40}#[0-9a-f]{12}$")


def partition(tenant: str) -> str:
    return f"APPCONFIG#{tenant}"


def version_sk(version: int) -> str:
    return f"{VERSION_PREFIX}{version:010d}"


def encode_cursor(sort_key: str) -> str:
    return base64.urlsafe_b64encode(sort_key.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, pattern: re.Pattern[str]) -> str:
    """The sort key a page ended with; a cursor this module did not make is a 422 naming `query.cursor`."""
    try:
        sort_key = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise ValidationFailed([FieldError("query.cursor", "this is not a cursor of this list")]) from exc
    if not pattern.match(sort_key):
        raise ValidationFailed([FieldError("query.cursor", "this is not a cursor of this list")])
    return sort_key


def _audit_item(entry: AuditEntry) -> dict[str, Any]:
    sort_key = f"{AUDIT_PREFIX}{entry.at.isoformat()}#{secrets.token_hex(6)}"
    return {"pk": partition(entry.tenant), "sk": sort_key, **entry.model_dump(mode="json")}


def _version_fields(published: PublishedVersion) -> dict[str, Any]:
    return published.model_dump(mode="json")


def _put(table: str, item: dict[str, Any], condition: str, values: dict[str, Any] | None = None) -> dict[str, Any]:
    put: dict[str, Any] = {"TableName": table, "Item": serialize(item), "ConditionExpression": condition}
    if values:
        put["ExpressionAttributeValues"] = serialize(values)
    return {"Put": put}


class AppConfigRepository:
    """Drafts, the published pointer, version records and the audit trail in AppConfigTable."""

    def __init__(self, table_name: str) -> None:
        self.table_name = table_name

    @property
    def _client(self) -> Any:
        return aws.client("dynamodb")

    def _get(self, tenant: str, sort_key: str, *, consistent: bool, operation: str) -> dict[str, Any] | None:
        try:
            response = self._client.get_item(
                TableName=self.table_name,
                Key=serialize({"pk": partition(tenant), "sk": sort_key}),
                ConsistentRead=consistent,
            )
        except (ClientError, BotoCoreError) as exc:
            raise storage_error(operation, exc) from exc
        return deserialize(response["Item"]) if "Item" in response else None

    def draft(self, tenant: str) -> Draft | None:
        item = self._get(tenant, DRAFT, consistent=True, operation="read draft")
        if item is None:
            return None
        return Draft(
            tenant=tenant,
            revision=item["revision"],
            document=json.loads(item["document"]),
            etag=item["etag"],
            updated_at=item.get("updated_at"),
            updated_by=item.get("updated_by"),
        )

    def _draft_put(self, draft: Draft, previous_revision: int) -> dict[str, Any]:
        # The admin's key order is kept (the designer shows it); the etag is computed on sorted keys.
        text = json.dumps(draft.document, ensure_ascii=False, separators=(",", ":"))
        if len(text.encode("utf-8")) > MAX_DRAFT_BYTES:
            raise ValidationFailed(
                [FieldError("body", f"the configuration is larger than {MAX_DRAFT_BYTES} bytes", "too_large")]
            )
        item = {
            "pk": partition(draft.tenant),
            "sk": DRAFT,
            "revision": draft.revision,
            "document": text,
            "etag": draft.etag,
            "updated_at": draft.updated_at.isoformat() if draft.updated_at else None,
            "updated_by": draft.updated_by,
        }
        if previous_revision == 0:
            return _put(self.table_name, item, "attribute_not_exists(pk)")
        return _put(self.table_name, item, "revision = :previous", {":previous": previous_revision})

    def save_draft(self, draft: Draft, previous_revision: int, audit: AuditEntry) -> None:
        """Store `draft` unless the stored draft is no longer at `previous_revision` (0: none stored yet)."""
        items = [
            self._draft_put(draft, previous_revision),
            _put(self.table_name, _audit_item(audit), "attribute_not_exists(pk)"),
        ]
        self._transact(items, "save draft", "The draft was saved by someone else meanwhile; reload it.")

    def live(self, tenant: str, *, consistent: bool = True) -> PublishedVersion | None:
        item = self._get(tenant, LIVE, consistent=consistent, operation="read published version")
        return _published(item) if item is not None else None

    def version(self, tenant: str, version: int) -> PublishedVersion | None:
        item = self._get(tenant, version_sk(version), consistent=True, operation="read version")
        return _published(item) if item is not None else None

    def publish(
        self,
        published: PublishedVersion,
        previous: PublishedVersion | None,
        audit: AuditEntry,
        draft: tuple[Draft, int] | None = None,
    ) -> None:
        """Record `published` as the tenant's live version, if `previous` is still the live one (one transaction
        with its audit entry, and with `draft` = (new draft, its previous revision) when a rollback restores it)."""
        fields = _version_fields(published)
        live_condition = "attribute_not_exists(pk)" if previous is None else "version = :previous"
        items = [
            _put(
                self.table_name,
                {"pk": partition(published.tenant), "sk": version_sk(published.version), **fields},
                "attribute_not_exists(pk)",
            ),
            _put(
                self.table_name,
                {"pk": partition(published.tenant), "sk": LIVE, **fields},
                live_condition,
                {":previous": previous.version} if previous is not None else None,
            ),
            _put(self.table_name, _audit_item(audit), "attribute_not_exists(pk)"),
        ]
        if draft is not None:
            items.append(self._draft_put(*draft))
        self._transact(items, "publish", "Someone else published meanwhile; reload the versions and try again.")

    def _transact(self, items: list[dict[str, Any]], operation: str, conflict: str) -> None:
        try:
            self._client.transact_write_items(TransactItems=items)
        except ClientError as exc:
            raise conflict_or_storage_error(operation, exc, conflict) from exc
        except BotoCoreError as exc:
            raise storage_error(operation, exc) from exc

    def _page(
        self, tenant: str, prefix: str, pattern: re.Pattern[str], limit: int, cursor: str | None
    ) -> tuple[list[dict[str, Any]], str | None]:
        kwargs: dict[str, Any] = {
            "TableName": self.table_name,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :prefix)",
            "ExpressionAttributeValues": serialize({":pk": partition(tenant), ":prefix": prefix}),
            "ScanIndexForward": False,
            "Limit": limit,
        }
        if cursor:
            kwargs["ExclusiveStartKey"] = serialize({"pk": partition(tenant), "sk": decode_cursor(cursor, pattern)})
        try:
            page = self._client.query(**kwargs)
        except (ClientError, BotoCoreError) as exc:
            raise storage_error("list app configuration items", exc) from exc
        last = page.get("LastEvaluatedKey")
        next_cursor = encode_cursor(str(deserialize(last)["sk"])) if last else None
        return [deserialize(item) for item in page.get("Items", [])], next_cursor

    def versions(self, tenant: str, limit: int, cursor: str | None) -> tuple[list[PublishedVersion], str | None]:
        """Published versions, newest first (one Query on the tenant's partition)."""
        items, next_cursor = self._page(tenant, VERSION_PREFIX, _VERSION_SK, limit, cursor)
        return [_published(item) for item in items], next_cursor

    def audit(self, tenant: str, limit: int, cursor: str | None) -> tuple[list[AuditEntry], str | None]:
        """The audit trail, newest first."""
        items, next_cursor = self._page(tenant, AUDIT_PREFIX, _AUDIT_SK, limit, cursor)
        entries = [
            AuditEntry.model_validate({k: v for k, v in item.items() if k in AuditEntry.model_fields}) for item in items
        ]
        return entries, next_cursor


def _published(item: dict[str, Any]) -> PublishedVersion:
    return PublishedVersion.model_validate({k: v for k, v in item.items() if k in PublishedVersion.model_fields})


class PublishedObjects:
    """Published documents in the AppConfigBucket: one new, never-overwritten object per version."""

    def __init__(self, bucket: str) -> None:
        self.bucket = bucket

    @property
    def _client(self) -> Any:
        return aws.client("s3")

    def write(self, tenant: str, version: int, body: bytes, metadata: dict[str, str]) -> tuple[str, str | None]:
        """Store a published document as a new object; its (key, S3 version id)."""
        key = f"tenants/{tenant}/versions/{version:010d}-{secrets.token_hex(8)}.json"
        try:
            response = self._client.put_object(
                Bucket=self.bucket,
                Key=key,
                Body=body,
                ContentType="application/json",
                IfNoneMatch="*",
                Metadata=metadata,
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("PreconditionFailed", "ConditionalRequestConflict"):
                raise Conflict("Someone else published meanwhile; reload the versions and try again.") from exc
            raise storage_error("store published configuration", exc) from exc
        except BotoCoreError as exc:
            raise storage_error("store published configuration", exc) from exc
        return key, response.get("VersionId")

    def read(self, key: str, object_version: str | None) -> bytes:
        """The bytes of a published document, of exactly the object version that was recorded."""
        kwargs: dict[str, Any] = {"Bucket": self.bucket, "Key": key}
        if object_version:
            kwargs["VersionId"] = object_version
        try:
            body: bytes = self._client.get_object(**kwargs)["Body"].read()
        except (ClientError, BotoCoreError) as exc:
            raise storage_error("read published configuration", exc) from exc
        return body
