"""SnapStart: the snapshot's initialisation creates clients and loads tenants; other homes stay lazy."""

from __future__ import annotations

import pytest

from koban import aws
from koban.rules import compile_cache_info
from koban.warmup import warm_up_for_snapshot


def test_nothing_is_warmed_outside_a_snapstart_initialisation(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_LAMBDA_INITIALIZATION_TYPE", raising=False)
    aws.reset_clients()
    assert warm_up_for_snapshot(("dynamodb",)) is False
    assert aws.client.cache_info().currsize == 0


def test_a_snapstart_initialisation_creates_clients_and_compiles_rules(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_LAMBDA_INITIALIZATION_TYPE", "snap-start")
    aws.reset_clients()
    assert warm_up_for_snapshot(("dynamodb", "s3")) is True
    assert aws.client.cache_info().currsize == 2
    assert compile_cache_info().currsize > 0
    aws.reset_clients()
