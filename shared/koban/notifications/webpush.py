"""Web push without a third-party service: VAPID (RFC 8292) and message encryption (RFC 8291, aes128gcm).

The payload is encrypted for the browser's key (so the push service, Google's or Mozilla's, cannot read it), and
the request is signed with the application server's P-256 key, whose public half the citizen app passed to
`pushManager.subscribe({applicationServerKey})`. `cryptography` (already in the layer through pyjwt[crypto]) does
the elliptic-curve and AES work; it is imported here only, so functions that never push do not load it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import struct
import time
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from koban.errors import Unavailable
from koban.observability import logger
from koban.settings import get_settings

RECORD_SIZE = 4096
KEY_INFO = b"WebPush: info\x00"
CEK_INFO = b"Content-Encoding: aes128gcm\x00"
NONCE_INFO = b"Content-Encoding: nonce\x00"
VAPID_LIFETIME_SECONDS = 12 * 3600


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _hmac(key: bytes, data: bytes) -> bytes:
    return hmac.new(key, data, hashlib.sha256).digest()


def _hkdf(salt: bytes, ikm: bytes, info: bytes, length: int) -> bytes:
    """HKDF-SHA-256 (RFC 5869) for one output block, which is all RFC 8291 needs."""
    prk = _hmac(salt, ikm)
    return _hmac(prk, info + b"\x01")[:length]


def _public_bytes(key: Any) -> bytes:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    data: bytes = key.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    return data


def private_key_from(text: str) -> Any:
    """A P-256 private key from base64url (the raw 32-byte scalar, as web-push tools print it) or PEM."""
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    if text.lstrip().startswith("-----BEGIN"):
        key = load_pem_private_key(text.encode("ascii"), password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
            raise ValueError("the VAPID key must be a P-256 (prime256v1) key")
        return key
    return ec.derive_private_key(int.from_bytes(unb64url(text.strip()), "big"), ec.SECP256R1())


def new_private_key() -> Any:
    from cryptography.hazmat.primitives.asymmetric import ec

    return ec.generate_private_key(ec.SECP256R1())


def private_key_text(key: Any) -> str:
    """The raw scalar, base64url: what VAPID_PRIVATE_KEY takes."""
    return b64url(key.private_numbers().private_value.to_bytes(32, "big"))


@cache
def vapid_key() -> Any:
    """The configured VAPID key. Unconfigured, the local outbox gets a key for this process (nothing is really
    pushed then); a deployment that pushes through providers must configure one."""
    settings = get_settings()
    if settings.vapid_private_key:
        return private_key_from(settings.vapid_private_key)
    if settings.notification_delivery == "outbox":
        logger.warning("VAPID_PRIVATE_KEY is not set: using a key of this process (outbox delivery only)")
        return new_private_key()
    raise Unavailable("Web push is not configured here (VAPID_PRIVATE_KEY); subscribe by e-mail or SMS.")


def application_server_key() -> str:
    """The public key the app passes to `pushManager.subscribe`, base64url (65 bytes, uncompressed)."""
    return b64url(_public_bytes(vapid_key()))


def vapid_headers(endpoint: str, now: float | None = None) -> dict[str, str]:
    """`Authorization: vapid t=<JWT>, k=<public key>` for the push service behind `endpoint` (RFC 8292)."""
    import jwt

    parts = urlsplit(endpoint)
    issued = int(now if now is not None else time.time())
    claims = {
        "aud": f"{parts.scheme}://{parts.netloc}",
        "exp": issued + VAPID_LIFETIME_SECONDS,
        "sub": get_settings().vapid_subject,
    }
    token = jwt.encode(claims, vapid_key(), algorithm="ES256")
    return {"Authorization": f"vapid t={token}, k={application_server_key()}"}


@dataclass(frozen=True)
class Encrypted:
    body: bytes
    headers: dict[str, str]


def encrypt(
    payload: bytes,
    user_agent_public: str,
    auth_secret: str,
    *,
    server_key: Any | None = None,
    salt: bytes | None = None,
) -> Encrypted:
    """The aes128gcm body of RFC 8291 for one browser (`p256dh` and `auth` of its subscription).

    `server_key` (a one-off P-256 key) and `salt` are fresh for every message; tests pass RFC 8291's own."""
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    ua_public_bytes = unb64url(user_agent_public)
    auth = unb64url(auth_secret)
    if len(ua_public_bytes) != 65 or len(auth) != 16:
        raise ValueError("not a browser push subscription (p256dh must be 65 bytes, auth 16)")
    if len(payload) > RECORD_SIZE - 16 - 1 - 86:
        raise ValueError("a push message carries at most 3993 bytes")
    ua_public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), ua_public_bytes)
    ephemeral = server_key or ec.generate_private_key(ec.SECP256R1())
    as_public = _public_bytes(ephemeral)
    shared = ephemeral.exchange(ec.ECDH(), ua_public)
    ikm = _hkdf(auth, shared, KEY_INFO + ua_public_bytes + as_public, 32)
    salt = salt if salt is not None else os.urandom(16)
    cek = _hkdf(salt, ikm, CEK_INFO, 16)
    nonce = _hkdf(salt, ikm, NONCE_INFO, 12)
    ciphertext = AESGCM(cek).encrypt(nonce, payload + b"\x02", None)  # one record: delimiter 2, no padding
    header = salt + struct.pack("!IB", RECORD_SIZE, len(as_public)) + as_public
    return Encrypted(
        body=header + ciphertext,
        headers={"Content-Encoding": "aes128gcm", "Content-Type": "application/octet-stream"},
    )
