"""Personal data residents type into the chat is not kept: phone numbers and e-mail addresses are replaced
before a message is stored (the assistant still reads the whole message once, in memory, to answer it)."""

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
_DATE = re.compile(r"^\d{1,4}[./-]\d{1,2}[./-]\d{1,4}$")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:\s?[A-Z0-9]{4}){2,7}(?:\s?[A-Z0-9]{1,4})?\b")


def redact(text: str) -> str:
    """`text` with e-mail addresses, bank account numbers (IBAN) and phone numbers replaced by markers."""
    text = _EMAIL.sub(EMAIL_MARK, text)
    text = _IBAN.sub(IBAN_MARK, text)
    return _PHONE.sub(_phone_or_date, text)


def _phone_or_date(match: re.Match[str]) -> str:
    """Dates (12.03.2025, 2025-03-12) look like numbers with separators; they are kept."""
    return match.group(0) if _DATE.match(match.group(0)) else PHONE_MARK
