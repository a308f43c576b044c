"""Attachment logic: accept a photo (sanitised before it is stored), and serve it to staff of its tenant."""

from __future__ import annotations

from functools import lru_cache

from koban.attachments.images import sanitize_image
from koban.attachments.storage import AttachmentRepository
from koban.auth import READ_REPORTS, Principal, require_staff
from koban.errors import NotFound
from koban.ids import new_id
from koban.reports.schemas import AttachmentOut
from koban.settings import get_settings
from koban.tenants.service import get_tenant


@lru_cache(maxsize=1)
def attachment_repository() -> AttachmentRepository:
    return AttachmentRepository(get_settings().attachments_bucket)


def upload_attachment(tenant_id: str, data: bytes, content_type: str | None) -> AttachmentOut:
    tenant = get_tenant(tenant_id)
    image = sanitize_image(data, content_type)
    attachment_id = new_id()
    attachment_repository().put(tenant.id, attachment_id, image.data, image.content_type)
    return AttachmentOut(
        id=attachment_id,
        content_type=image.content_type,
        size=len(image.data),
        width=image.width,
        height=image.height,
    )


def read_attachment(tenant_id: str, attachment_id: str, principal: Principal | None) -> tuple[bytes, str]:
    require_staff(principal, tenant_id, READ_REPORTS)
    tenant = get_tenant(tenant_id)
    found = attachment_repository().get(tenant.id, attachment_id)
    if found is None:
        raise NotFound(f"There is no attachment '{attachment_id}' in {tenant.id}.", code="attachment_not_found")
    return found
