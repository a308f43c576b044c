"""Identifiers and secrets: time-ordered report ids and one-time tracking tokens (stored only as hashes)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

_CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz"


def _base32(number: int, length: int) -> str:
    chars = []
    for _ in range(length):
        number, remainder = divmod(number, 32)
        chars.append(_CROCKFORD[remainder])
    return "".join(reversed(chars))


def new_id(now_ms: int | None = None) -> str:
    """A 20-character id, sortable by creation time (48-bit ms clock + 50 random bits), easy to read out."""
    millis = int(time.time() * 1000) if now_ms is None else now_ms
    return _base32(millis, 10) + _base32(secrets.randbits(50), 10)


def new_tracking_token() -> str:
    """A 256-bit secret the reporter keeps; only its hash is stored."""
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def token_matches(token: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_token(token), stored_hash)
