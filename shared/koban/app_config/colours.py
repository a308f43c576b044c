"""WCAG 2.2 colour contrast, computed as the standard defines it (no lookup tables, no approximations).

Relative luminance (WCAG 2.2, "relative luminance"): each sRGB channel c in 0..1 is linearised as
c / 12.92 when c <= 0.04045, else ((c + 0.055) / 1.055) ** 2.4; L = 0.2126 R + 0.7152 G + 0.0722 B.
(WCAG 2.0 printed 0.03928 for the threshold; the two agree on every 8-bit value, since no channel value
k / 255 lies between them.) Contrast ratio = (L_lighter + 0.05) / (L_darker + 0.05), from 1:1 to 21:1.
Success criterion 1.4.3 (AA) asks 4.5:1 for normal text.
"""

from __future__ import annotations

import re

AA_NORMAL_TEXT = 4.5
"""WCAG 2.2 SC 1.4.3 Contrast (Minimum), level AA, for text below 18 pt (14 pt bold)."""

_HEX = re.compile(r"^#(?:[0-9a-fA-F]{3}){1,2}$")


def normalise_hex(colour: str) -> str:
    """'#ABC' or '#aabbcc' as '#aabbcc'; ValueError for anything else (no names, no alpha)."""
    if not _HEX.match(colour):
        raise ValueError("must be a hex colour: #rgb or #rrggbb")
    digits = colour[1:].lower()
    if len(digits) == 3:
        digits = "".join(char * 2 for char in digits)
    return "#" + digits


def _linear(channel: int) -> float:
    value = channel / 255
    return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4


def relative_luminance(colour: str) -> float:
    digits = normalise_hex(colour)[1:]
    red, green, blue = (int(digits[i : i + 2], 16) for i in (0, 2, 4))
    return 0.2126 * _linear(red) + 0.7152 * _linear(green) + 0.0722 * _linear(blue)


def contrast_ratio(first: str, second: str) -> float:
    """The WCAG contrast ratio of two colours, in either order (1.0 to 21.0)."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def passes_aa(foreground: str, background: str, minimum: float = AA_NORMAL_TEXT) -> bool:
    """Whether the pair reaches `minimum`. Not rounded first: 4.499:1 fails, as WCAG intends."""
    return contrast_ratio(foreground, background) >= minimum
