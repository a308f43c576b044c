"""boto3 clients: made lazily, once per service, with short retries and the read timeout of the settings."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from koban import aws
from koban.settings import get_settings


@pytest.fixture
def fresh_clients(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    get_settings.cache_clear()
    aws.reset_clients()
    yield monkeypatch
    get_settings.cache_clear()
    aws.reset_clients()


def test_given_no_setting_when_a_client_is_made_then_it_waits_five_seconds_at_most(
    fresh_clients: pytest.MonkeyPatch,
) -> None:
    fresh_clients.delenv("KOBAN_AWS_READ_TIMEOUT_SECONDS", raising=False)
    client = aws.client("dynamodb")
    assert client.meta.config.read_timeout == 5.0
    assert client.meta.config.retries == {"mode": "standard", "total_max_attempts": 4}
    assert aws.client("dynamodb") is client


def test_given_a_longer_read_timeout_setting_when_a_client_is_made_then_it_follows(
    fresh_clients: pytest.MonkeyPatch,
) -> None:
    # A tool run against the local moto (koban aggregates rebuild) asks for longer.
    fresh_clients.setenv("KOBAN_AWS_READ_TIMEOUT_SECONDS", "120")
    assert aws.client("s3").meta.config.read_timeout == 120.0
