"""Audit function: a tenant's admins read its tamper-evident audit log, newest first, and have it verified."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from koban.audit.schemas import AuditPageOut, AuditVerificationOut
from koban.audit.service import list_entries, verification
from koban.auth import principal_from_event
from koban.http.api import create_app, lambda_entry
from koban.http.params import TenantPath

app = create_app()

TAGS = ["audit"]
Limit = Annotated[int, Query(ge=1, le=100, description="Entries per page")]
Cursor = Annotated[str | None, Query(max_length=200, description="`next_cursor` of the page before")]


@app.get("/v1/tenants/<tenant>/audit", summary="The audit log, newest first (admins)", tags=TAGS)
def entries(tenant: TenantPath, limit: Limit = 50, cursor: Cursor = None) -> AuditPageOut:
    return list_entries(tenant, principal_from_event(app.current_event.raw_event), limit, cursor)


@app.get(
    "/v1/tenants/<tenant>/audit/verification",
    summary="Verify the audit log's hash chain: the first edited or deleted entry, or ok (admins)",
    tags=TAGS,
)
def verify(tenant: TenantPath) -> AuditVerificationOut:
    return verification(tenant, principal_from_event(app.current_event.raw_event))


lambda_handler = lambda_entry(app)
