"""API keys function: a tenant's admins manage the keys of the Open311 client apps that report into it."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path

from koban.api_keys.service import (
    ApiKeyIn,
    ApiKeyListOut,
    ApiKeyOut,
    CreatedApiKeyOut,
    create_api_key,
    list_api_keys,
    revoke_api_key,
)
from koban.auth import principal_from_event
from koban.http.api import create_app, created, lambda_entry
from koban.http.params import TenantPath

app = create_app()

KeyIdPath = Annotated[str, Path(pattern=r"^[0-9a-f]{16}$", description="The key id from the list")]


@app.post(
    "/v1/tenants/<tenant>/api-keys",
    summary="Create an Open311 API key for a client app (shown once)",
    tags=["api-keys"],
    responses={201: {"description": "Created"}},
)
def create(tenant: TenantPath, body: ApiKeyIn) -> Response[CreatedApiKeyOut]:
    new_key = create_api_key(tenant, principal_from_event(app.current_event.raw_event), body)
    return created(new_key)


@app.get("/v1/tenants/<tenant>/api-keys", summary="The tenant's Open311 API keys", tags=["api-keys"])
def list_keys(tenant: TenantPath) -> ApiKeyListOut:
    return list_api_keys(tenant, principal_from_event(app.current_event.raw_event))


@app.delete("/v1/tenants/<tenant>/api-keys/<key_id>", summary="Revoke an API key", tags=["api-keys"])
def revoke(tenant: TenantPath, key_id: KeyIdPath) -> ApiKeyOut:
    return revoke_api_key(tenant, key_id, principal_from_event(app.current_event.raw_event))


lambda_handler = lambda_entry(app)
