"""Routes: the knowledge repository (staff read it; admins add, update and retire items)."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from koban.assistant.knowledge import add_item, get_item, list_items, retire_item, update_item
from koban.assistant.models import (
    KnowledgeItemIn,
    KnowledgeItemOut,
    KnowledgeItemUpdate,
    KnowledgeListOut,
    KnowledgeStatus,
)
from koban.auth import principal_from_event
from koban.http.api import created
from koban.http.params import TenantPath

router = Router()

ItemPath = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9-]{2,63}$", description="Knowledge item id")]


@router.post(
    "/v1/tenants/<tenant>/knowledge",
    summary="Add a knowledge item (admin)",
    tags=["knowledge"],
    responses={201: {"description": "Created"}},
)
def post_item(tenant: TenantPath, body: KnowledgeItemIn) -> Response[KnowledgeItemOut]:
    item = add_item(tenant, principal_from_event(router.current_event.raw_event), body)
    return created(item, f"/v1/tenants/{tenant}/knowledge/{item.id}")


@router.get("/v1/tenants/<tenant>/knowledge", summary="The knowledge items (staff)", tags=["knowledge"])
def get_items(
    tenant: TenantPath,
    language: Annotated[str | None, Query(pattern=r"^[a-z]{2}$")] = None,
    status: KnowledgeStatus | None = None,
) -> KnowledgeListOut:
    return list_items(tenant, principal_from_event(router.current_event.raw_event), language, status)


@router.get("/v1/tenants/<tenant>/knowledge/<item_id>", summary="A knowledge item (staff)", tags=["knowledge"])
def get_one(tenant: TenantPath, item_id: ItemPath) -> KnowledgeItemOut:
    return get_item(tenant, item_id, principal_from_event(router.current_event.raw_event))


@router.put(
    "/v1/tenants/<tenant>/knowledge/<item_id>",
    summary="Update a knowledge item, on the version it was read at (admin)",
    tags=["knowledge"],
)
def put_item(tenant: TenantPath, item_id: ItemPath, body: KnowledgeItemUpdate) -> KnowledgeItemOut:
    return update_item(tenant, item_id, principal_from_event(router.current_event.raw_event), body)


@router.delete(
    "/v1/tenants/<tenant>/knowledge/<item_id>",
    summary="Retire a knowledge item: kept for the record, never used again (admin)",
    tags=["knowledge"],
)
def delete_item(tenant: TenantPath, item_id: ItemPath) -> KnowledgeItemOut:
    return retire_item(tenant, item_id, principal_from_event(router.current_event.raw_event))
