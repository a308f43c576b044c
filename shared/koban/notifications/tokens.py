"""Secrets of two-way communication: signed unsubscribe tokens, confirmation codes and delivery receipts.

Unsubscribe tokens are HMAC-SHA-256 signatures made by a KMS HMAC key (the key never leaves KMS): a link in a
message proves by itself which subscription it may end, so it works with one click and without an account. It is
signed once, when the subscription becomes active, and kept with it (encrypted at rest). Confirmation codes and
receipts are random; only their SHA-256 is stored.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets

from botocore.exceptions import BotoCoreError, ClientError

from koban import aws
from koban.errors import NotFound, StorageError, Unavailable
from koban.settings import get_settings

_MAC_ALGORITHM = "HMAC_SHA_256"
_ID = r"[0-9a-z]{20}"
_UNSUBSCRIBE = re.compile(rf"^({_ID})\.([A-Za-z0-9_-]{{43}})$")
_RECEIPT = re.compile(rf"^([a-z]+:[0-9a-z:]{{1,120}})~({_ID})~([A-Za-z0-9_-]{{22}})$")
CODE_DIGITS = 6


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _unsubscribe_message(tenant: str, subscription_id: str) -> bytes:
    return f"koban-unsubscribe|{tenant}|{subscription_id}".encode()


def _key_id() -> str:
    key = get_settings().notification_signing_key
    if not key:
        raise Unavailable("Unsubscribe links cannot be signed: NOTIFICATION_SIGNING_KEY names no KMS key.")
    return key


def sign_unsubscribe(tenant: str, subscription_id: str) -> str:
    """`<subscription id>.<signature>`: the one-click unsubscribe token of a subscription."""
    try:
        response = aws.client("kms").generate_mac(
            KeyId=_key_id(), Message=_unsubscribe_message(tenant, subscription_id), MacAlgorithm=_MAC_ALGORITHM
        )
    except (ClientError, BotoCoreError) as exc:
        raise StorageError("The signing service is unavailable; try again shortly.") from exc
    return f"{subscription_id}.{_b64(response['Mac'])}"


def verify_unsubscribe(tenant: str, token: str) -> str:
    """The subscription id a genuine token of `tenant` names; NotFound for anything else (nothing is revealed)."""
    invalid = NotFound("No subscription matches this unsubscribe link.", code="subscription_not_found")
    found = _UNSUBSCRIBE.match(token)
    if found is None:
        raise invalid
    subscription_id, signature = found.groups()
    try:
        mac = _unb64(signature)
    except (binascii.Error, ValueError) as exc:
        raise invalid from exc
    try:
        aws.client("kms").verify_mac(
            KeyId=_key_id(),
            Message=_unsubscribe_message(tenant, subscription_id),
            MacAlgorithm=_MAC_ALGORITHM,
            Mac=mac,
        )
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "KMSInvalidMacException":
            raise invalid from exc
        raise StorageError("The signing service is unavailable; try again shortly.") from exc
    except BotoCoreError as exc:
        raise StorageError("The signing service is unavailable; try again shortly.") from exc
    return subscription_id


def new_code() -> str:
    """A confirmation code of six digits (five tries allowed: one chance in 200,000 to guess)."""
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def code_digest(subscription_id: str, code: str) -> str:
    return digest(f"{subscription_id}:{code}")


def code_matches(subscription_id: str, code: str, stored: str) -> bool:
    return hmac.compare_digest(code_digest(subscription_id, code), stored)


def new_receipt(source: str, subscription_id: str) -> tuple[str, str]:
    """(token for the message, digest for the ledger): the app sends the token back when it shows the message."""
    secret = _b64(secrets.token_bytes(16))
    return f"{source}~{subscription_id}~{secret}", digest(secret)


def parse_receipt(token: str) -> tuple[str, str, str] | None:
    """(source, subscription id, digest of the secret), or None when the token is not one of ours."""
    found = _RECEIPT.match(token)
    if found is None:
        return None
    source, subscription_id, secret = found.groups()
    return source, subscription_id, digest(secret)
