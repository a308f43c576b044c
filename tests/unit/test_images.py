"""Photos lose every metadata block (EXIF, GPS) before storage; wrong types and bombs are refused."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from koban.attachments.images import MAX_IMAGE_BYTES, sanitize_image
from koban.errors import PayloadTooLarge, UnsupportedMediaType, ValidationFailed

GPS_IFD = 0x8825


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to view
    exif[GPS_IFD] = {1: "N", 2: (52.0, 22.0, 1.5), 3: "E", 4: (4.0, 53.0, 2.0)}
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


def png_with_text() -> bytes:
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Author", "Jan Jansen, Damstraat 1")
    out = io.BytesIO()
    Image.new("RGBA", (10, 10)).save(out, format="PNG", pnginfo=info)
    return out.getvalue()


def test_jpeg_loses_exif_and_gps_but_keeps_its_orientation() -> None:
    # Given a phone photo with GPS coordinates and an orientation tag
    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(GPS_IFD)
    # When it is sanitised
    clean = sanitize_image(original, "image/jpeg")
    # Then no EXIF (and so no GPS) remains, and the pixels were rotated as the tag said
    reopened = Image.open(io.BytesIO(clean.data))
    assert dict(reopened.getexif()) == {}
    assert b"Exif" not in clean.data
    assert b"PhoneMaker" not in clean.data
    assert (clean.width, clean.height) == (48, 64)
    assert clean.content_type == "image/jpeg"


def test_png_loses_text_chunks() -> None:
    clean = sanitize_image(png_with_text(), "image/png")
    assert b"Jansen" not in clean.data
    assert Image.open(io.BytesIO(clean.data)).info.get("Author") is None


def test_declared_type_must_match_the_bytes() -> None:
    with pytest.raises(UnsupportedMediaType):
        sanitize_image(png_with_text(), "image/jpeg")
    with pytest.raises(UnsupportedMediaType):
        sanitize_image(b"%PDF-1.7 ...", "application/pdf")


def test_garbage_and_oversize_are_refused() -> None:
    with pytest.raises(ValidationFailed):
        sanitize_image(b"\xff\xd8\xff\xe0 not really a jpeg", "image/jpeg")
    with pytest.raises(PayloadTooLarge):
        sanitize_image(b"0" * (MAX_IMAGE_BYTES + 1), "image/jpeg")


def test_decompression_bomb_is_refused() -> None:
    out = io.BytesIO()
    Image.new("1", (12_000, 12_000)).save(out, format="PNG")
    with pytest.raises((PayloadTooLarge, ValidationFailed)):
        sanitize_image(out.getvalue(), "image/png")
