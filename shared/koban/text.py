"""Input text hygiene shared by every model that takes free text from the public."""

from __future__ import annotations

import re
import unicodedata

from pydantic import AfterValidator

# C0/C1 controls except tab and newlines, plus bidi overrides that can disguise text on staff screens.
_FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def clean_text(value: str) -> str:
    """NFC-normalised, trimmed text without control characters; lone surrogates are rejected (unstorable)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError("text contains invalid unicode (a lone surrogate)") from exc
    if _FORBIDDEN.search(value):
        raise ValueError("text contains control or direction-override characters")
    return unicodedata.normalize("NFC", value).strip()


def _not_blank(value: str) -> str:
    if not value:
        raise ValueError("must not be empty or only spaces")
    return value


def _single_line(value: str) -> str:
    if any(char in value for char in "\r\n\t"):
        raise ValueError("must be a single line")
    return value


# Metadata for `Annotated[str, Field(max_length=N), CLEAN, NOT_BLANK]`: bounded first, then cleaned.
CLEAN = AfterValidator(clean_text)
NOT_BLANK = AfterValidator(_not_blank)
SINGLE_LINE = AfterValidator(_single_line)
