"""API models of the App Factory endpoints: what admins send (…In) and what admins and apps get (…Out)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from koban.app_config.records import AppConfigAction, AppConfigSource
from koban.text import CLEAN, NOT_BLANK

Note = Annotated[str, Field(max_length=500), CLEAN, NOT_BLANK]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AppConfigPublishIn(_Input):
    note: Annotated[Note | None, Field(description="What changed, for the version list and the audit")] = None


class AppConfigRollbackIn(_Input):
    version: Annotated[int, Field(ge=1, le=9_999_999_999, description="The version to publish again")]
    note: Annotated[Note | None, Field(description="Why, for the version list and the audit")] = None
    restore_draft: Annotated[
        bool, Field(description="Also make that version the draft, so the next publication starts from it")
    ] = True


class AppConfigFindingOut(BaseModel):
    code: Annotated[str, Field(description="What is wrong, e.g. contrast_too_low (see the README's list)")]
    severity: Annotated[str, Field(description="`error` stops publication; `warning` does not")]
    path: Annotated[str, Field(description="Dotted path into the document, e.g. theme.colours.text")]
    pointer: Annotated[str, Field(description="RFC 6901 JSON pointer into the document")]
    message: str


class AppConfigDraftOut(BaseModel):
    tenant: str
    revision: Annotated[int, Field(description='Saves so far (0: the default, never saved); ETag is "r<revision>"')]
    updated_at: datetime | None
    updated_by: str | None
    live_version: Annotated[int | None, Field(description="The published version, if any")]
    unpublished_changes: Annotated[bool, Field(description="The draft differs from the published version")]
    publishable: Annotated[bool, Field(description="No finding stops publication")]
    findings: list[AppConfigFindingOut]
    document: Annotated[dict[str, Any], Field(description="The configuration (GET .../app-config/schema)")]


class AppConfigValidationOut(BaseModel):
    publishable: bool
    findings: list[AppConfigFindingOut]


class AppConfigVersionOut(BaseModel):
    version: int
    live: Annotated[bool, Field(description="This is the version apps receive now")]
    etag: Annotated[str, Field(description="SHA-256 of the published document")]
    size: int
    published_at: datetime
    published_by: str
    source: AppConfigSource
    restored_version: Annotated[int | None, Field(description="For a rollback: the version republished")]
    draft_revision: Annotated[int | None, Field(description="For a publication: the draft revision published")]
    note: str | None


class AppConfigVersionDocumentOut(AppConfigVersionOut):
    document: dict[str, Any]


class AppConfigVersionListOut(BaseModel):
    tenant: str
    live_version: int | None
    items: list[AppConfigVersionOut]
    next_cursor: str | None


class AppConfigPublishOut(BaseModel):
    published: Annotated[bool, Field(description="False when the content was already live (nothing changed)")]
    version: AppConfigVersionOut


class AppConfigAuditEntryOut(BaseModel):
    at: datetime
    actor: str
    action: AppConfigAction
    version: int | None
    draft_revision: int | None
    etag: str | None
    note: str | None


class AppConfigAuditOut(BaseModel):
    tenant: str
    items: list[AppConfigAuditEntryOut]
    next_cursor: str | None


class AppLogoOut(BaseModel):
    url: str
    alt: str | None


class AppThemeOut(BaseModel):
    colours: dict[str, str]
    logo: AppLogoOut | None
    icon: str | None


class AppModuleOut(BaseModel):
    id: str
    type: str
    title: str | None
    settings: Annotated[
        dict[str, Any],
        Field(description="The module's settings as in the configuration, every text in the chosen language"),
    ]


class PublishedAppOut(BaseModel):
    """A published configuration as one platform and one language see it."""

    tenant: str
    version: int
    published_at: datetime
    platform: str
    locale: Annotated[str, Field(description="The language of every text below")]
    languages: Annotated[list[str], Field(description="Languages the app offers (a language switch)")]
    default_language: str
    name: str | None
    short_name: str | None
    theme: AppThemeOut
    accessibility: dict[str, Any]
    strings: dict[str, str | None]
    modules: list[AppModuleOut]
