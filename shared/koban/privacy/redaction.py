"""Phone numbers, e-mail addresses and bank account numbers replaced by markers in free text that leaves the
police: the assistant's stored conversations, public Open311 reads, what partners see and every export.

Dates (12.03.2025, 2025-03-12 14:30), year ranges (2019-2024), short numbers (112, 101), house numbers and
postcodes are kept: they are what makes a report useful and identify nobody by themselves.
"""

from __future__ import annotations

import re
from typing import Final

EMAIL_MARK: Final = "[e-mail]"
PHONE_MARK: Final = "[phone]"
IBAN_MARK: Final = "[account]"

_EMAIL = re.compile(r"[\w.+%-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# International (+31 6 1234 5678, 0048 601 234 567) and national (06-12345678, 0295 419 800, (020) 555 1234)
# numbers: 7 to 15 digits with spaces, dots, dashes, slashes or brackets between them. Short numbers such as
# 112, 101 or house numbers are left alone (fewer than 7 digits).
_PHONE = re.compile(r"(?<![\w+])(?:\+|00)?\(?\d(?:[\s./-]?\(?\d\)?){6,14}(?!\w)")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:\s?[A-Z0-9]{4}){2,7}(?:\s?[A-Z0-9]{1,4})?\b")
# Spans that look like numbers with separators but are dates or year ranges: the phone pattern never sees them.
# A date's parts share one separator and nothing numeric follows it (06-12-34-56-78 is a phone number).
_KEPT = re.compile(
    r"(?<![\d./-])(?:\d{1,4}([./-])\d{1,2}\1\d{1,4}|(?:19|20)\d\d\s?[-–]\s?(?:19|20)\d\d)(?![\d]|[./-]\d)"
)


def redact(text: str) -> str:
    """`text` with e-mail addresses, bank account numbers (IBAN) and phone numbers replaced by markers."""
    text = _EMAIL.sub(EMAIL_MARK, text)
    text = _IBAN.sub(IBAN_MARK, text)
    pieces: list[str] = []
    start = 0
    for kept in _KEPT.finditer(text):
        pieces += [_PHONE.sub(PHONE_MARK, text[start : kept.start()]), kept.group(0)]
        start = kept.end()
    pieces.append(_PHONE.sub(PHONE_MARK, text[start:]))
    return "".join(pieces)
