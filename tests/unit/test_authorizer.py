"""The optional-staff Lambda authorizer: anonymous passes without claims, a valid Cognito ID token passes with
the same claim names the Cognito authorizer uses, anything else is denied."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from koban import authorizer
from koban.auth import Principal, Role, principal_from_event
from koban.settings import get_settings

POOL = "eu-west-1_TestPool1"
CLIENT = "test-client-id"
ISSUER = f"https://cognito-idp.eu-west-1.amazonaws.com/{POOL}"
ARN = "arn:aws:execute-api:eu-west-1:123456789012:api/live/GET/v1/tenants/pilot-nl/reports/x"
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


class StaticJwks:
    """Stands in for the pool's JWKS endpoint (the network is the only thing replaced)."""

    def get_signing_key_from_jwt(self, token: str) -> Any:
        return jwt.PyJWK.from_dict(jwt.algorithms.RSAAlgorithm.to_jwk(KEY.public_key(), as_dict=True))


@pytest.fixture(autouse=True)
def pool(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("STAFF_USER_POOL_ID", POOL)
    monkeypatch.setenv("STAFF_USER_POOL_CLIENT_ID", CLIENT)
    get_settings.cache_clear()
    monkeypatch.setattr(authorizer, "_jwks_client", StaticJwks)
    yield
    get_settings.cache_clear()


def id_token(key: rsa.RSAPrivateKey = KEY, **overrides: Any) -> str:
    now = int(time.time())
    claims = {
        "sub": "officer-1",
        "custom:tenant": "pilot-nl",
        "cognito:groups": ["officer", "supervisor"],
        "token_use": "id",
        "iss": ISSUER,
        "aud": CLIENT,
        "iat": now,
        "exp": now + 600,
        **overrides,
    }
    return jwt.encode(claims, key, algorithm="RS256")


def authorize(authorization: str | None) -> dict[str, Any]:
    headers = {"Authorization": authorization} if authorization is not None else {}
    return authorizer.authorize({"type": "REQUEST", "methodArn": ARN, "headers": headers})


def effect(policy: dict[str, Any]) -> str:
    return str(policy["policyDocument"]["Statement"][0]["Effect"])


def test_anonymous_citizen_passes_without_claims() -> None:
    policy = authorize(None)
    assert effect(policy) == "Allow"
    assert policy["context"] == {}
    assert principal_from_event({"requestContext": {"authorizer": {"principalId": "anonymous"}}}) is None


def test_valid_staff_token_passes_claims_that_handlers_read() -> None:
    policy = authorize(f"Bearer {id_token()}")
    assert effect(policy) == "Allow"
    event = {"requestContext": {"authorizer": {"principalId": policy["principalId"], **policy["context"]}}}
    assert principal_from_event(event) == Principal("officer-1", "pilot-nl", frozenset({Role.OFFICER, Role.SUPERVISOR}))


@pytest.mark.parametrize(
    "authorization",
    [
        f"Bearer {id_token(key=OTHER_KEY)}",
        f"Bearer {id_token(exp=int(time.time()) - 10)}",
        f"Bearer {id_token(aud='another-client')}",
        f"Bearer {id_token(iss='https://evil.example/pool')}",
        f"Bearer {id_token(token_use='access')}",
        "Bearer not-a-jwt",
        "Basic dXNlcjpwYXNz",
        "Bearer ",
    ],
    ids=["forged", "expired", "audience", "issuer", "access-token", "garbage", "basic", "empty"],
)
def test_anything_but_a_valid_id_token_is_denied(authorization: str) -> None:
    policy = authorize(authorization)
    assert effect(policy) == "Deny"
    assert policy["context"] == {}
