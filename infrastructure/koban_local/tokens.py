"""Staff tokens and Open311 API keys for the local home.

In the cloud Cognito signs staff ID tokens; locally `koban token` signs look-alike JWTs (the same claims:
`sub`, `custom:tenant`, `cognito:groups`) with a key kept on this machine, and the local gateway verifies them
and injects the claims just as the Cognito authorizer does. The key lives in a file so that `koban token` in
one shell and `koban serve` in another agree without any set-up.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import secrets
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import jwt

from koban.errors import Unauthenticated

ROLES = ("officer", "supervisor", "admin", "partner")
ISSUER = "koban-local"
AUDIENCE = "koban-local"
SIGNING_KEY_VARIABLE = "KOBAN_LOCAL_SIGNING_KEY"
DEFAULT_TTL = timedelta(hours=12)

_TENANT = re.compile(r"^[a-z0-9-]{2,40}$")
_ALGORITHM = "HS256"
_OPEN311_PREFIX = "o311_"
_OPEN311_DIGEST_CHARS = 22  # 132 bits of the HMAC: unguessable, and short enough to paste into a URL
_CLOCK_SKEW_SECONDS = 30


class InvalidToken(Unauthenticated):
    """A staff token that is malformed, wrongly signed, expired, or not issued for the local home."""

    code = "invalid_token"


class ExpiredToken(InvalidToken):
    """A staff token past its `exp` (API Gateway has a response type of its own for it)."""

    code = "expired_token"


def issue_staff_token(tenant: str, role: str, *, subject: str | None = None, ttl: timedelta = DEFAULT_TTL) -> str:
    """A signed staff ID token for `tenant` with the single group `role`."""
    _check_tenant(tenant)
    if role not in ROLES:
        raise ValueError(f"Unknown role {role!r}; roles are: {', '.join(ROLES)}.")
    if ttl <= timedelta(0):
        raise ValueError("A token's lifetime must be positive.")
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": subject or str(uuid.uuid5(uuid.NAMESPACE_URL, f"koban-local:{tenant}:{role}")),
        "custom:tenant": tenant,
        "cognito:groups": [role],
        "token_use": "id",
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": now,
        "exp": now + int(ttl.total_seconds()),
    }
    return jwt.encode(claims, _key("staff-token"), algorithm=_ALGORITHM)


def verify_staff_token(token: str) -> dict[str, Any]:
    """The claims of a valid local staff token; raises InvalidToken saying what is wrong otherwise."""
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            _key("staff-token"),
            algorithms=[_ALGORITHM],
            audience=AUDIENCE,
            issuer=ISSUER,
            leeway=_CLOCK_SKEW_SECONDS,
            options={"require": ["sub", "iss", "aud", "iat", "exp"]},
        )
    except jwt.ExpiredSignatureError:
        raise ExpiredToken("The staff token has expired; issue a new one with `koban token`.") from None
    except jwt.InvalidSignatureError:
        raise InvalidToken("The staff token's signature is not valid for this machine's key.") from None
    except jwt.InvalidIssuerError:
        raise InvalidToken(f"The staff token was not issued by {ISSUER}.") from None
    except jwt.InvalidAudienceError:
        raise InvalidToken(f"The staff token is not meant for {AUDIENCE}.") from None
    except jwt.PyJWTError as error:
        raise InvalidToken(f"The staff token is not valid: {error}.") from None
    if claims.get("token_use") != "id":
        raise InvalidToken("The staff token is not an ID token.")
    if not isinstance(claims.get("custom:tenant"), str) or not _TENANT.match(claims["custom:tenant"]):
        raise InvalidToken("The staff token names no valid tenant.")
    groups = claims.get("cognito:groups")
    if not isinstance(groups, list) or not groups or any(group not in ROLES for group in groups):
        raise InvalidToken("The staff token's groups are not known roles.")
    return claims


def issue_open311_key(tenant: str) -> str:
    """The demo Open311 API key of `tenant`: the same every time on this machine, so it can be written down.

    `koban serve` registers these keys (hashed) in ApiKeysTable like any other client app's key."""
    _check_tenant(tenant)
    return f"{_OPEN311_PREFIX}{tenant}_{_open311_digest(tenant)}"


def signing_key_path() -> Path:
    """Where the machine's key is kept: $XDG_CONFIG_HOME/koban/local-signing.key (~/.config by default)."""
    config_home = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config_home) / "koban" / "local-signing.key"


def _check_tenant(tenant: str) -> None:
    if not _TENANT.match(tenant):
        raise ValueError(f"Tenant id {tenant!r} is not 2-40 lower-case letters, digits or hyphens.")


def _open311_digest(tenant: str) -> str:
    mac = hmac.new(_key("open311"), tenant.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode("ascii")[:_OPEN311_DIGEST_CHARS]


def _key(purpose: str) -> bytes:
    """A 256-bit key per purpose, derived from the machine's secret: a short KOBAN_LOCAL_SIGNING_KEY is
    still a full-length HMAC key, and a staff token's key never doubles as the Open311 keys' key."""
    return hmac.new(_secret(), purpose.encode(), hashlib.sha256).digest()


def _secret() -> bytes:
    configured = os.environ.get(SIGNING_KEY_VARIABLE)
    if configured:
        return configured.encode()
    path = signing_key_path()
    try:
        key = path.read_bytes().strip()
    except FileNotFoundError:
        return _create_key_file(path)
    if not key:
        raise RuntimeError(f"The signing key file {path} is empty; delete it and a new key is made.")
    return key


def _create_key_file(path: Path) -> bytes:
    """Write a new random key readable by its owner only; if another process won the race, use its key.

    The key is written to a private temporary file and then hard-linked into place: the link either
    appears complete or fails because the other process's file is there, so nobody reads a half-written key.
    """
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = secrets.token_urlsafe(48).encode()
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(key + b"\n")
        os.link(temporary, path)
    except FileExistsError:
        return path.read_bytes().strip()
    finally:
        temporary.unlink()
    return key
