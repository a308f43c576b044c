"""Input text hygiene shared by every model that takes free text from the public."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import Annotated, Any

from pydantic import AfterValidator, Field

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


def _at_least(minimum: int) -> Callable[[str], str]:
    def check(value: str) -> str:
        if len(value) < minimum:
            raise ValueError(f"must have at least {minimum} character(s) besides spaces")
        return value

    return check


def _single_line(value: str) -> str:
    if any(char in value for char in "\r\n\t"):
        raise ValueError("must be a single line")
    return value


def text_type(maximum: int, minimum: int = 1, *, single_line: bool = False) -> Any:
    """An `Annotated[str, ...]` type for public free text: bounded, cleaned, then checked non-empty."""
    checks = [AfterValidator(clean_text), AfterValidator(_at_least(minimum))]
    if single_line:
        checks.append(AfterValidator(_single_line))
    return Annotated[str, Field(max_length=maximum), *checks]
