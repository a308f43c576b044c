"""Attachment objects in S3, one prefix per tenant so no tenant can name another's files."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from koban import aws
from koban.dynamo import storage_error


class AttachmentRepository:
    def __init__(self, bucket: str) -> None:
        self.bucket = bucket

    @property
    def _client(self) -> Any:
        return aws.client("s3")

    @staticmethod
    def key(tenant: str, attachment_id: str) -> str:
        return f"tenants/{tenant}/attachments/{attachment_id}"

    def put(self, tenant: str, attachment_id: str, data: bytes, content_type: str) -> None:
        try:
            self._client.put_object(
                Bucket=self.bucket,
                Key=self.key(tenant, attachment_id),
                Body=data,
                ContentType=content_type,
                Metadata={"tenant": tenant, "sanitized": "true"},
            )
        except (ClientError, BotoCoreError) as exc:
            raise storage_error("store attachment", exc) from exc

    def exists(self, tenant: str, attachment_id: str) -> bool:
        try:
            self._client.head_object(Bucket=self.bucket, Key=self.key(tenant, attachment_id))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise storage_error("read attachment", exc) from exc
        except BotoCoreError as exc:
            raise storage_error("read attachment", exc) from exc
        return True

    def get(self, tenant: str, attachment_id: str) -> tuple[bytes, str] | None:
        try:
            response = self._client.get_object(Bucket=self.bucket, Key=self.key(tenant, attachment_id))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise storage_error("read attachment", exc) from exc
        except BotoCoreError as exc:
            raise storage_error("read attachment", exc) from exc
        return response["Body"].read(), str(response.get("ContentType", "application/octet-stream"))

    def delete(self, tenant: str, attachment_id: str) -> None:
        """Remove the photo (an erasure); removing one that is gone already is harmless."""
        try:
            self._client.delete_object(Bucket=self.bucket, Key=self.key(tenant, attachment_id))
        except (ClientError, BotoCoreError) as exc:
            raise storage_error("remove attachment", exc) from exc
