"""koban_local.tokens: local staff tokens (Cognito look-alikes) and Open311 API keys."""

from __future__ import annotations

import stat
import time
from datetime import timedelta
from pathlib import Path

import jwt
import pytest

from koban_local import tokens
from koban_local.cli import main
from koban_local.tokens import (
    ExpiredToken,
    InvalidToken,
    issue_open311_key,
    issue_staff_token,
    verify_staff_token,
)


@pytest.fixture(autouse=True)
def config_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Given a private config folder and no configured key, so the machine's own key is never touched."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    monkeypatch.delenv(tokens.SIGNING_KEY_VARIABLE, raising=False)
    return tmp_path


def _signed(claims: dict[str, object]) -> str:
    return jwt.encode(claims, tokens._key("staff-token"), algorithm="HS256")


def _valid_claims(**changes: object) -> dict[str, object]:
    now = int(time.time())
    claims: dict[str, object] = {
        "sub": "someone",
        "custom:tenant": "pilot-nl",
        "cognito:groups": ["officer"],
        "token_use": "id",
        "iss": "koban-local",
        "aud": "koban-local",
        "iat": now,
        "exp": now + 60,
    }
    claims.update(changes)
    return claims


def test_given_a_tenant_and_role_when_a_token_is_issued_then_it_verifies_with_cognito_claims() -> None:
    token = issue_staff_token("pilot-nl", "supervisor")
    claims = verify_staff_token(token)
    assert claims["custom:tenant"] == "pilot-nl"
    assert claims["cognito:groups"] == ["supervisor"]
    assert (claims["token_use"], claims["iss"], claims["aud"]) == ("id", "koban-local", "koban-local")
    assert claims["exp"] - claims["iat"] == 12 * 3600
    assert claims["sub"]


def test_given_a_subject_when_issued_then_it_is_the_sub_claim_and_the_default_is_stable() -> None:
    assert verify_staff_token(issue_staff_token("pilot-pl", "admin", subject="anna"))["sub"] == "anna"
    first = verify_staff_token(issue_staff_token("pilot-pl", "admin"))["sub"]
    assert verify_staff_token(issue_staff_token("pilot-pl", "admin"))["sub"] == first


def test_given_no_configured_key_when_issuing_then_a_private_key_file_is_created_once(
    config_home: Path,
) -> None:
    issue_staff_token("pilot-nl", "officer")
    key_file = config_home / "koban" / "local-signing.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    content = key_file.read_bytes()
    token = issue_staff_token("pilot-fi", "officer")
    assert key_file.read_bytes() == content
    assert verify_staff_token(token)["custom:tenant"] == "pilot-fi"
    assert not [path for path in key_file.parent.iterdir() if path != key_file]  # no temporary file left


def test_given_a_configured_key_when_it_changes_then_older_tokens_fail_on_their_signature(
    monkeypatch: pytest.MonkeyPatch, config_home: Path
) -> None:
    monkeypatch.setenv(tokens.SIGNING_KEY_VARIABLE, "first key")
    token = issue_staff_token("pilot-es", "officer")
    assert not (config_home / "koban").exists()  # the configured key wins over the file
    monkeypatch.setenv(tokens.SIGNING_KEY_VARIABLE, "second key")
    with pytest.raises(InvalidToken, match="signature"):
        verify_staff_token(token)


def test_given_an_expired_token_when_verified_then_it_says_so() -> None:
    with pytest.raises(ExpiredToken, match="expired"):
        verify_staff_token(_signed(_valid_claims(iat=1_000, exp=2_000)))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"iss": "someone-else"}, "not issued by koban-local"),
        ({"aud": "another-app"}, "not meant for koban-local"),
        ({"token_use": "access"}, "not an ID token"),
        ({"custom:tenant": "Pilot NL"}, "no valid tenant"),
        ({"cognito:groups": ["superuser"]}, "not known roles"),
        ({"cognito:groups": []}, "not known roles"),
    ],
)
def test_given_wrong_claims_when_verified_then_the_token_is_refused(changes: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidToken, match=message):
        verify_staff_token(_signed(_valid_claims(**changes)))


def test_given_garbage_when_verified_then_it_is_an_invalid_token() -> None:
    with pytest.raises(InvalidToken, match="not valid"):
        verify_staff_token("not.a.jwt")


def test_given_an_unknown_role_when_issuing_then_it_is_refused() -> None:
    with pytest.raises(ValueError, match="Unknown role"):
        issue_staff_token("pilot-nl", "janitor")


@pytest.mark.parametrize("tenant", ["x", "Pilot-NL", "pilot_nl", "a" * 41, "pilot nl"])
def test_given_a_malformed_tenant_when_issuing_then_it_is_refused(tenant: str) -> None:
    with pytest.raises(ValueError, match="Tenant id"):
        issue_staff_token(tenant, "officer")
    with pytest.raises(ValueError, match="Tenant id"):
        issue_open311_key(tenant)


def test_given_a_non_positive_ttl_when_issuing_then_it_is_refused() -> None:
    with pytest.raises(ValueError, match="positive"):
        issue_staff_token("pilot-nl", "officer", ttl=timedelta(0))


def test_given_a_tenant_when_an_open311_key_is_issued_then_it_is_stable_per_machine_and_tenant(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    key = issue_open311_key("pilot-be")
    assert key == issue_open311_key("pilot-be")
    assert key.startswith("o311_pilot-be_")
    assert len(key) >= len("o311_pilot-be_") + 22  # 128 bits of HMAC
    assert issue_open311_key("pilot-pt") != key
    monkeypatch.setenv(tokens.SIGNING_KEY_VARIABLE, "another machine")
    assert issue_open311_key("pilot-be") != key


def test_given_the_cli_when_asked_for_a_token_then_it_prints_only_a_valid_token(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["token", "--tenant", "pilot-nl", "--role", "admin"]) == 0
    output = capsys.readouterr().out
    assert output.count("\n") == 1
    assert verify_staff_token(output.strip())["cognito:groups"] == ["admin"]


def test_given_the_cli_when_asked_for_an_api_key_then_it_prints_only_the_key(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["api-key", "--tenant", "pilot-pl"]) == 0
    assert capsys.readouterr().out == issue_open311_key("pilot-pl") + "\n"


def test_given_the_cli_when_the_tenant_is_unknown_then_it_fails_and_names_the_tenants(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["token", "--tenant", "atlantis", "--role", "officer"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "unknown tenant 'atlantis'" in captured.err
    assert "pilot-nl" in captured.err
