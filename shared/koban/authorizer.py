"""The optional-staff Lambda authorizer's logic (cloud only; the local gateway verifies its own tokens).

Routes open to citizens and staff alike (submit a report, read one) cannot use the Cognito authorizer, which
refuses requests without a token. This authorizer lets anonymous requests through with no claims, verifies a
Cognito ID token when one is sent, and passes the same claim names the Cognito authorizer uses.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import jwt

from koban.settings import get_settings


class InvalidToken(Exception):
    """The bearer token is not a valid staff ID token of this user pool."""


@lru_cache(maxsize=1)
def _jwks_client() -> jwt.PyJWKClient:
    pool_id = get_settings().staff_user_pool_id
    region = pool_id.split("_", 1)[0]
    return jwt.PyJWKClient(f"https://cognito-idp.{region}.amazonaws.com/{pool_id}/.well-known/jwks.json")


def verify_cognito_id_token(token: str) -> dict[str, Any]:
    settings = get_settings()
    pool_id = settings.staff_user_pool_id
    region = pool_id.split("_", 1)[0]
    try:
        key = _jwks_client().get_signing_key_from_jwt(token)
        claims: dict[str, Any] = jwt.decode(
            token,
            key.key,
            algorithms=["RS256"],
            audience=settings.staff_user_pool_client_id,
            issuer=f"https://cognito-idp.{region}.amazonaws.com/{pool_id}",
            options={"require": ["exp", "iat", "sub", "token_use"]},
        )
    except jwt.PyJWTError as exc:
        raise InvalidToken(str(exc)) from exc
    if claims.get("token_use") != "id":
        raise InvalidToken("an ID token is required")
    return claims


def _policy(principal_id: str, effect: str, method_arn: str, context: dict[str, str]) -> dict[str, Any]:
    return {
        "principalId": principal_id,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": method_arn}],
        },
        "context": context,
    }


def authorize(event: dict[str, Any]) -> dict[str, Any]:
    """Allow anonymous requests (no claims); allow verified staff with flat claims; deny a bad token."""
    headers = {key.lower(): value for key, value in (event.get("headers") or {}).items()}
    method_arn = str(event.get("methodArn", "*"))
    authorization = headers.get("authorization", "")
    if not authorization:
        return _policy("anonymous", "Allow", method_arn, {})
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token:
        return _policy("invalid", "Deny", method_arn, {})
    try:
        claims = verify_cognito_id_token(token)
    except InvalidToken:
        return _policy("invalid", "Deny", method_arn, {})
    groups = claims.get("cognito:groups") or []
    context = {
        "sub": str(claims["sub"]),
        "custom:tenant": str(claims.get("custom:tenant", "")),
        "cognito:groups": ",".join(groups) if isinstance(groups, list) else str(groups),
    }
    return _policy(context["sub"], "Allow", method_arn, context)
