"""Routes of /v1/tenants/{tenant}/attachments: photo upload (sanitised) and staff download."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path

from koban.attachments.service import read_attachment, upload_attachment
from koban.auth import principal_from_event
from koban.http.api import binary_body, created
from koban.http.params import TenantPath
from koban.http.ratelimit import RATE_LIMITED_RESPONSE, rate_limited
from koban.ratelimit.service import Scope
from koban.reports.schemas import AttachmentOut

router = Router()

AttachmentIdPath = Annotated[str, Path(pattern=r"^[0-9a-z]{20}$", description="Attachment id")]


@router.post(
    "/v1/tenants/<tenant>/attachments",
    summary="Upload a photo (JPEG, PNG or WebP body); metadata is stripped before storage",
    tags=["attachments"],
    responses={201: {"description": "Created"}, 429: RATE_LIMITED_RESPONSE},
    middlewares=[rate_limited(Scope.ATTACHMENTS)],
)
def upload(tenant: TenantPath) -> Response[AttachmentOut]:
    event = router.current_event
    content_type = event.headers.get("content-type") or event.headers.get("Content-Type")
    stored = upload_attachment(tenant, binary_body(event.raw_event), content_type)
    return created(stored)


@router.get("/v1/tenants/<tenant>/attachments/<attachment_id>", summary="A photo (staff)", tags=["attachments"])
# No return annotation on purpose: powertools then passes the binary body through unvalidated.
def download(tenant: TenantPath, attachment_id: AttachmentIdPath):  # type: ignore[no-untyped-def]
    data, content_type = read_attachment(tenant, attachment_id, principal_from_event(router.current_event.raw_event))
    return Response(
        status_code=200,
        content_type=content_type,
        body=data,
        headers={"Cache-Control": "private, max-age=300", "X-Content-Type-Options": "nosniff"},
        compress=False,
    )
