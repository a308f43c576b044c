"""Photo upload through the reports handler: stored stripped of metadata, per tenant, then attachable."""

from __future__ import annotations

import base64
import io
from typing import Any

from PIL import Image

from tests.api import ApiClient, staff_claims
from tests.integration.test_reports_intake import noise_report
from tests.unit.test_images import GPS_IFD, jpeg_with_gps


def upload(api: ApiClient, tenant: str, data: bytes, content_type: str = "image/jpeg") -> tuple[int, dict[str, Any]]:
    reply = api.post(
        f"/v1/tenants/{tenant}/attachments",
        base64_body=base64.b64encode(data).decode(),
        headers={"Content-Type": content_type},
    )
    return reply.status, reply.json()


def test_uploaded_photo_is_stored_without_gps_and_attached_to_a_report(api: ApiClient) -> None:
    # Given a phone photo with GPS metadata, When a resident uploads it
    status, stored = upload(api, "pilot-nl", jpeg_with_gps())
    assert status == 201, stored
    # Then a report can reference it, and staff download a copy with no EXIF/GPS
    body = noise_report("pilot-nl", attachments=[stored["id"]])
    report = api.post("/v1/tenants/pilot-nl/reports", body=body)
    assert report.status == 201, report.body
    download = api.get(f"/v1/tenants/pilot-nl/attachments/{stored['id']}", claims=staff_claims("pilot-nl"))
    assert download.status == 200
    assert download.headers["Content-Type"] == "image/jpeg"
    image = Image.open(io.BytesIO(base64.b64decode(download.body)))
    assert not image.getexif().get_ifd(GPS_IFD)
    assert dict(image.getexif()) == {}


def test_another_tenant_can_neither_attach_nor_download_the_photo(api: ApiClient) -> None:
    _, stored = upload(api, "pilot-nl", jpeg_with_gps())
    body = noise_report("pilot-pl", attachments=[stored["id"]])
    assert api.post("/v1/tenants/pilot-pl/reports", body=body).status == 422
    assert api.get(f"/v1/tenants/pilot-pl/attachments/{stored['id']}", claims=staff_claims("pilot-pl")).status == 404
    assert api.get(f"/v1/tenants/pilot-nl/attachments/{stored['id']}", claims=staff_claims("pilot-pl")).status == 403


def test_a_file_that_is_not_an_image_is_refused(api: ApiClient) -> None:
    status, problem = upload(api, "pilot-nl", b"%PDF-1.7 not a photo", "image/jpeg")
    assert status == 422
    assert problem["errors"][0]["field"] == "body"
    status, _ = upload(api, "pilot-nl", b"<html></html>", "text/html")
    assert status == 415
