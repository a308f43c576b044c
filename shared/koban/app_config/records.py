"""What is stored about a tenant's app configuration: its draft, its published versions and its audit trail."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True)


class Draft(_Record):
    """The document an admin is working on; `revision` counts its saves (0: the derived default, never saved)."""

    tenant: str
    revision: int
    document: dict[str, Any]
    etag: str  # sha256 of the canonical document
    updated_at: AwareDatetime | None = None
    updated_by: str | None = None


class AppConfigSource(StrEnum):
    PUBLISH = "publish"  # the draft, published
    ROLLBACK = "rollback"  # an earlier version, published again


class PublishedVersion(_Record):
    """One immutable published version: where its object is (S3 key and version id) and who published it."""

    tenant: str
    version: int
    etag: str
    key: str
    object_version: str | None  # S3 VersionId (None only where a store does not version objects)
    size: int
    published_at: AwareDatetime
    published_by: str
    source: AppConfigSource
    restored_version: int | None = None  # for a rollback: the version whose content this is
    draft_revision: int | None = None  # for a publication: the draft revision it came from
    note: str | None = None


class AppConfigAction(StrEnum):
    DRAFT_SAVED = "draft_saved"
    PUBLISHED = "published"
    ROLLED_BACK = "rolled_back"


class AuditEntry(_Record):
    tenant: str
    at: AwareDatetime
    actor: str
    action: AppConfigAction
    version: int | None = None
    draft_revision: int | None = None
    etag: str | None = None
    note: str | None = None
