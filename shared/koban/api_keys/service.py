"""API key logic: a tenant's admins create (shown once), list and revoke keys; Open311 resolves a key to its
tenant. Keys are 256-bit random secrets; only their SHA-256 is stored, so a leaked table reveals no key."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from functools import cache
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from koban.api_keys.storage import ApiKey, ApiKeyRepository
from koban.auth import MANAGE_API_KEYS, Principal, require_staff
from koban.errors import Conflict, Forbidden, NotFound
from koban.ids import hash_token
from koban.settings import get_settings
from koban.tenants.service import get_tenant
from koban.text import CLEAN, NOT_BLANK, SINGLE_LINE

KEY_PREFIX = "k311_"
ClientName = Annotated[str, Field(max_length=100), CLEAN, NOT_BLANK, SINGLE_LINE]


class ApiKeyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    client_name: Annotated[ClientName, Field(description="The client app this key is for, e.g. 'FixMyStreet'")]


class ApiKeyOut(BaseModel):
    key_id: str
    client_name: str
    created_at: datetime
    created_by: str
    revoked_at: datetime | None
    active: bool


class CreatedApiKeyOut(ApiKeyOut):
    api_key: Annotated[str, Field(description="Shown once: only its hash is kept")]


class ApiKeyListOut(BaseModel):
    items: list[ApiKeyOut]


@cache
def api_key_repository() -> ApiKeyRepository:
    return ApiKeyRepository(get_settings().api_keys_table)


def _out(key: ApiKey) -> ApiKeyOut:
    return ApiKeyOut(**key.model_dump(exclude={"tenant", "key_hash"}), active=key.active)


def register_api_key(tenant_id: str, client_name: str, api_key: str, created_by: str) -> ApiKey:
    """Store a key (its hash) for a tenant; `create_api_key` and the local home's demo keys use this."""
    tenant = get_tenant(tenant_id)
    key_hash = hash_token(api_key)
    key = ApiKey(
        tenant=tenant.id,
        key_id=key_hash[:16],
        key_hash=key_hash,
        client_name=client_name,
        created_at=datetime.now(UTC),
        created_by=created_by,
    )
    api_key_repository().add(key)
    return key


def create_api_key(tenant_id: str, principal: Principal | None, request: ApiKeyIn) -> CreatedApiKeyOut:
    principal = require_staff(principal, tenant_id, MANAGE_API_KEYS)
    api_key = KEY_PREFIX + secrets.token_urlsafe(32)
    key = register_api_key(tenant_id, request.client_name, api_key, principal.subject)
    return CreatedApiKeyOut(**_out(key).model_dump(), api_key=api_key)


def list_api_keys(tenant_id: str, principal: Principal | None) -> ApiKeyListOut:
    require_staff(principal, tenant_id, MANAGE_API_KEYS)
    tenant = get_tenant(tenant_id)
    return ApiKeyListOut(items=[_out(key) for key in api_key_repository().of_tenant(tenant.id)])


def revoke_api_key(tenant_id: str, key_id: str, principal: Principal | None) -> ApiKeyOut:
    require_staff(principal, tenant_id, MANAGE_API_KEYS)
    tenant = get_tenant(tenant_id)
    key = api_key_repository().find(tenant.id, key_id)
    if key is None:
        raise NotFound(f"There is no API key '{key_id}' in {tenant.id}.", code="api_key_not_found")
    if not key.active:
        raise Conflict("This API key is already revoked.")
    revoked_at = datetime.now(UTC)
    api_key_repository().revoke(key, revoked_at)
    return _out(key.model_copy(update={"revoked_at": revoked_at}))


def authorise_api_key(api_key: str | None, tenant_id: str) -> ApiKey:
    """The active key of `tenant_id` that `api_key` is; else Forbidden (unknown, revoked, other tenant)."""
    if not api_key or len(api_key) > 200:
        raise Forbidden("A valid api_key is required.", code="invalid_api_key")
    key = api_key_repository().by_hash(hash_token(api_key))
    if key is None or not key.active or key.tenant != tenant_id:
        raise Forbidden("This api_key is not valid for this jurisdiction.", code="invalid_api_key")
    return key
