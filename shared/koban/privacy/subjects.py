"""The blind index of data subjects: a keyed hash of each normalised e-mail address and phone number.

A subject request names a person by address or number; finding their reports and subscriptions without reading
every item needs an index, and an index of plain addresses would be one more copy of them. So each contact and
subscription is also stored under `HMAC-SHA-256(key, tenant | kind | normalised value)`, made inside KMS
(`SubjectIndexKey`: the key never leaves KMS, so the index cannot be reversed by guessing addresses offline), with
the tenant in the message: a subject request of one tenant never finds another's.

Normalised: e-mail addresses trimmed and lower-cased; phone numbers as E.164 (`+<country code><number>`), national
numbers completed with the tenant's country code (dropping the trunk 0 where the country dials one), so that
`06-1234 5678` on a report and `+31612345678` on an SMS subscription are one subject.
"""

from __future__ import annotations

import base64
import re
from typing import Final

from botocore.exceptions import BotoCoreError, ClientError

from koban import aws
from koban.errors import StorageError, Unavailable
from koban.settings import get_settings

_MAC_ALGORITHM: Final = "HMAC_SHA_256"
# Country → (calling code, whether national numbers start with a trunk 0 that E.164 drops). Europe, where the
# pilots are; elsewhere national numbers keep their digits without a country code.
CALLING_CODES: Final[dict[str, tuple[str, bool]]] = {
    "AT": ("43", True),
    "BE": ("32", True),
    "BG": ("359", True),
    "CH": ("41", True),
    "CY": ("357", False),
    "CZ": ("420", False),
    "DE": ("49", True),
    "DK": ("45", False),
    "EE": ("372", False),
    "ES": ("34", False),
    "FI": ("358", True),
    "FR": ("33", True),
    "GB": ("44", True),
    "GR": ("30", False),
    "HR": ("385", True),
    "HU": ("36", False),
    "IE": ("353", True),
    "IT": ("39", False),
    "LT": ("370", False),
    "LU": ("352", False),
    "LV": ("371", False),
    "MT": ("356", False),
    "NL": ("31", True),
    "NO": ("47", False),
    "PL": ("48", False),
    "PT": ("351", False),
    "RO": ("40", True),
    "SE": ("46", True),
    "SI": ("386", True),
    "SK": ("421", True),
    "UA": ("380", True),
}
_NOT_DIGITS = re.compile(r"\D")


def normalise_email(email: str) -> str:
    return email.strip().lower()


def normalise_phone(phone: str, country: str) -> str:
    """E.164 where it can be told (`+` or `00` prefix, or a national number of a known country), else digits."""
    text = phone.strip()
    digits = _NOT_DIGITS.sub("", text)
    if text.startswith("+"):
        return f"+{digits}"
    if digits.startswith("00"):
        return f"+{digits[2:]}"
    known = CALLING_CODES.get(country.upper())
    if known is None:
        return digits
    code, trunk_zero = known
    if trunk_zero and digits.startswith("0"):
        digits = digits[1:]
    return f"+{code}{digits}"


def _key_id() -> str:
    key = get_settings().subject_index_key
    if not key:
        raise Unavailable("Contact details cannot be indexed: SUBJECT_INDEX_KEY names no KMS key.")
    return key


def _digest(tenant: str, kind: str, value: str) -> str:
    try:
        response = aws.client("kms").generate_mac(
            KeyId=_key_id(), Message=f"koban-subject|{tenant}|{kind}|{value}".encode(), MacAlgorithm=_MAC_ALGORITHM
        )
    except (ClientError, BotoCoreError) as exc:
        raise StorageError("The key service is unavailable; try again shortly.") from exc
    return base64.urlsafe_b64encode(response["Mac"]).decode("ascii").rstrip("=")


def subject_digests(tenant: str, country: str, email: str | None, phone: str | None) -> tuple[str, ...]:
    """The blind-index keys of a subject known by `email` and/or `phone` in `tenant` (one KMS call each)."""
    digests = []
    if email:
        digests.append(_digest(tenant, "email", normalise_email(email)))
    if phone:
        digests.append(_digest(tenant, "phone", normalise_phone(phone, country)))
    return tuple(digests)
