"""App Config function (App Factory): admins compose, check, publish and roll back the citizen app's
configuration; apps fetch the published one. Every route parses input, calls one logic function, returns it.

`/app-config` itself is public (what apps read); everything below it is for staff. `app-config.schema.json`
beside this file is the JSON Schema of configurations with the built-in module types.
"""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Header, Path, Query

from koban.app_config.models import AppPlatform
from koban.app_config.schemas import (
    AppConfigAuditOut,
    AppConfigDraftOut,
    AppConfigPublishIn,
    AppConfigPublishOut,
    AppConfigRollbackIn,
    AppConfigValidationOut,
    AppConfigVersionDocumentOut,
    AppConfigVersionListOut,
    PublishedAppOut,
)
from koban.app_config.service import (
    app_config_schema,
    audit_trail,
    deliver,
    draft_tag,
    list_versions,
    publish,
    read_draft,
    read_version,
    rollback,
    save_draft,
    validate,
    warm_up,
)
from koban.auth import Principal, principal_from_event
from koban.http.api import create_app, created, lambda_entry
from koban.http.params import AcceptLanguage, TenantPath, languages
from koban.warmup import warm_up_for_snapshot

app = create_app()
if warm_up_for_snapshot():
    warm_up()

TAGS = ["app factory"]
IfMatch = Annotated[
    str | None, Header(alias="If-Match", max_length=1000, description='The draft\'s ETag ("r<revision>") or *')
]
Document = Annotated[dict[str, Any], Body(description="An app configuration (JSON Schema: GET …/app-config/schema)")]
Limit = Annotated[int, Query(ge=1, le=100)]
Cursor = Annotated[str | None, Query(max_length=200)]


def _principal() -> Principal | None:
    return principal_from_event(app.current_event.raw_event)


def _draft(out: AppConfigDraftOut) -> Response[AppConfigDraftOut]:
    return Response(
        status_code=200, body=out, content_type="application/json", headers={"ETag": draft_tag(out.revision)}
    )


def _publication(tenant: str, result: AppConfigPublishOut) -> Response[AppConfigPublishOut]:
    """201 with the new version's URL; 200 when nothing was published (the content was live already)."""
    if not result.published:
        return Response(status_code=200, body=result, content_type="application/json")
    return created(result, f"/v1/tenants/{tenant}/app-config/versions/{result.version.version}")


@app.get(
    "/v1/tenants/<tenant>/app-config",
    summary="The published app configuration for a platform and language (apps; no sign-in)",
    tags=TAGS,
    responses={304: {"description": "Not Modified: the ETag sent in If-None-Match is still current"}},
)
def published(
    tenant: TenantPath,
    platform: Annotated[AppPlatform, Query(description="web, ios or android")] = AppPlatform.WEB,
    locale: Annotated[str | None, Query(pattern=r"^[A-Za-z]{2}(?:[-_][A-Za-z0-9]{1,8})*$")] = None,
    accept_language: AcceptLanguage = None,
    if_none_match: Annotated[str | None, Header(alias="If-None-Match", max_length=1000)] = None,
) -> Response[PublishedAppOut | None]:
    delivery = deliver(tenant, platform, locale, languages(accept_language), if_none_match)
    headers = {
        "ETag": delivery.tag,
        "Cache-Control": delivery.cache_control,
        "Vary": "Accept-Language",
        "Content-Language": delivery.language,
    }
    if delivery.body is None:
        return Response(status_code=304, body=None, headers=headers)
    return Response(status_code=200, body=delivery.body, content_type="application/json", headers=headers)


@app.get("/v1/tenants/<tenant>/app-config/schema", summary="JSON Schema of app configurations", tags=TAGS)
def schema(tenant: TenantPath) -> dict[str, Any]:
    return app_config_schema(tenant)


@app.get("/v1/tenants/<tenant>/app-config/draft", summary="The draft, with its findings (staff)", tags=TAGS)
def get_draft(tenant: TenantPath) -> Response[AppConfigDraftOut]:
    return _draft(read_draft(tenant, _principal()))


@app.put(
    "/v1/tenants/<tenant>/app-config/draft",
    summary="Replace the draft (admin; If-Match: its ETag)",
    tags=TAGS,
    responses={412: {"description": "The draft changed meanwhile"}, 428: {"description": "If-Match is missing"}},
)
def put_draft(tenant: TenantPath, body: Document, if_match: IfMatch = None) -> Response[AppConfigDraftOut]:
    return _draft(save_draft(tenant, _principal(), body, if_match))


@app.post(
    "/v1/tenants/<tenant>/app-config/validate",
    summary="Every finding of a configuration (the draft when no body is sent); nothing is stored",
    tags=TAGS,
)
def check(tenant: TenantPath, body: Annotated[dict[str, Any] | None, Body()] = None) -> AppConfigValidationOut:
    return validate(tenant, _principal(), body)


@app.post(
    "/v1/tenants/<tenant>/app-config/publish",
    summary="Publish the draft (admin); 422 lists every finding that stops it",
    tags=TAGS,
    responses={201: {"description": "Published as a new version"}},
)
def publish_draft(
    tenant: TenantPath, body: AppConfigPublishIn | None = None, if_match: IfMatch = None
) -> Response[AppConfigPublishOut]:
    return _publication(tenant, publish(tenant, _principal(), if_match, body))


@app.get("/v1/tenants/<tenant>/app-config/versions", summary="Published versions, newest first (staff)", tags=TAGS)
def versions(tenant: TenantPath, limit: Limit = 25, cursor: Cursor = None) -> AppConfigVersionListOut:
    return list_versions(tenant, _principal(), limit, cursor)


@app.get(
    "/v1/tenants/<tenant>/app-config/versions/<version>",
    summary="One published version with its configuration (staff)",
    tags=TAGS,
)
def version(
    tenant: TenantPath, version: Annotated[int, Path(ge=1, le=9_999_999_999, description="Version number")]
) -> AppConfigVersionDocumentOut:
    return read_version(tenant, _principal(), version)


@app.post(
    "/v1/tenants/<tenant>/app-config/rollback",
    summary="Publish an earlier version again, as a new version (admin)",
    tags=TAGS,
    responses={201: {"description": "Published as a new version"}},
)
def roll_back(tenant: TenantPath, body: AppConfigRollbackIn) -> Response[AppConfigPublishOut]:
    return _publication(tenant, rollback(tenant, _principal(), body))


@app.get("/v1/tenants/<tenant>/app-config/audit", summary="Who changed what, when (staff)", tags=TAGS)
def audit(tenant: TenantPath, limit: Limit = 50, cursor: Cursor = None) -> AppConfigAuditOut:
    return audit_trail(tenant, _principal(), limit, cursor)


lambda_handler = lambda_entry(app)
