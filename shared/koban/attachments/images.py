"""Image checks and metadata stripping. Re-encoding the pixels is the only reliable way to drop every
metadata block (EXIF, GPS, XMP, IPTC, maker notes, PNG text chunks); orientation is applied first."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from koban.errors import FieldError, PayloadTooLarge, UnsupportedMediaType, ValidationFailed

MAX_IMAGE_BYTES = 4 * 1024 * 1024  # a synchronous Lambda payload is 6 MB, and base64 adds a third
MAX_PIXELS = 40_000_000  # larger images are decompression bombs or of no use to an officer
# Pillow format name → (content type, save options without metadata)
FORMATS: dict[str, tuple[str, dict[str, object]]] = {
    "JPEG": ("image/jpeg", {"quality": 88, "optimize": True}),
    "PNG": ("image/png", {"optimize": True}),
    "WEBP": ("image/webp", {"quality": 85}),
}
ALLOWED_CONTENT_TYPES = frozenset(content_type for content_type, _ in FORMATS.values())


@dataclass(frozen=True)
class CleanImage:
    data: bytes
    content_type: str
    width: int
    height: int


def sanitize_image(data: bytes, declared_type: str | None) -> CleanImage:
    """The image re-encoded without metadata, or a domain error saying why it is refused."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    if len(data) > MAX_IMAGE_BYTES:
        raise PayloadTooLarge(f"The image is {len(data)} bytes; at most {MAX_IMAGE_BYTES} are accepted.")
    if not data:
        raise ValidationFailed([FieldError("body", "the request has no image", "empty")])
    media_type = (declared_type or "").split(";")[0].strip().lower()
    if media_type not in ALLOWED_CONTENT_TYPES:
        raise UnsupportedMediaType(f"Send a photo as one of: {', '.join(sorted(ALLOWED_CONTENT_TYPES))}.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                if probe.format not in FORMATS or FORMATS[probe.format][0] != media_type:
                    raise UnsupportedMediaType(
                        f"The body is not a {media_type} image (it looks like {probe.format or 'no image'})."
                    )
                if probe.width * probe.height > MAX_PIXELS:
                    raise PayloadTooLarge(f"The image has more than {MAX_PIXELS} pixels.")
                image_format = probe.format
                image = ImageOps.exif_transpose(probe)
                image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombWarning) as exc:
        raise ValidationFailed([FieldError("body", "the image cannot be read", "unreadable_image")]) from exc
    content_type, options = FORMATS[image_format]
    if image_format == "JPEG" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    # Keep the pixels only: no info dict (ICC, XMP, text chunks) and an explicitly empty EXIF block.
    image.info = {}
    if image_format in ("JPEG", "WEBP"):
        options = {**options, "exif": b""}
    clean = image
    out = io.BytesIO()
    clean.save(out, format=image_format, **options)
    return CleanImage(data=out.getvalue(), content_type=content_type, width=clean.width, height=clean.height)
