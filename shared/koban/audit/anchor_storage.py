"""AuditAnchorsBucket: the anchors of the audit heads (`koban.audit.anchors`), one object each, never overwritten.

The bucket has S3 Object Lock in compliance mode with a default retention (template.yaml): every version stored is
kept, unchanged, until its retention ends, whoever asks (the account's root included). The anchor job may only
PutObject; verification lists object versions. Writes name a checksum, which S3 requires of a Put into a bucket
with default retention.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from koban import aws
from koban.audit import anchors
from koban.audit.models import Anchor
from koban.dynamo import storage_error
from koban.observability import logger

# An object with this key exists (the head is anchored), or another Put of the same key is under way.
_EXISTS = frozenset({"PreconditionFailed", "ConditionalRequestConflict"})


class AnchorRepository:
    def __init__(self, bucket: str) -> None:
        self.bucket = bucket

    @property
    def _client(self) -> Any:
        return aws.client("s3")

    def put(self, key: str, document: bytes) -> bool:
        """Store `document` under `key` unless an object has that key: True when it was stored."""
        try:
            self._client.put_object(
                Bucket=self.bucket,
                Key=key,
                Body=document,
                ContentType="application/json",
                IfNoneMatch="*",
                ChecksumAlgorithm="SHA256",
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in _EXISTS:
                return False
            raise storage_error("store audit anchor", exc) from exc
        except BotoCoreError as exc:
            raise storage_error("store audit anchor", exc) from exc
        return True

    def anchors(self, tenant: str) -> list[Anchor]:
        """Every anchor of the tenant, from the keys of all object versions (1,000 a call; no object is read).

        Versions of one key are one anchor (the earliest is kept); a key that is not an anchor's is logged."""
        earliest: dict[str, Anchor] = {}
        try:
            for page in self._client.get_paginator("list_object_versions").paginate(
                Bucket=self.bucket, Prefix=anchors.prefix(tenant)
            ):
                for version in page.get("Versions", []):
                    key = str(version["Key"])
                    parsed = anchors.parse_key(tenant, key)
                    if parsed is None:
                        logger.warning("not an audit anchor", extra={"tenant": tenant, "key": key})
                        continue
                    modified: datetime = version["LastModified"]
                    if key not in earliest or modified < earliest[key].at:
                        earliest[key] = Anchor(seq=parsed[0], hash=parsed[1], at=modified)
        except (ClientError, BotoCoreError) as exc:
            raise storage_error("read audit anchors", exc) from exc
        return list(earliest.values())
