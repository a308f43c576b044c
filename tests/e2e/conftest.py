"""The embedded default, started once for the e2e tier: moto server, gateway on a free port, real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from koban_local.home import UNREFUSING_RATE_LIMITS, LocalHome
from koban_local.tokens import issue_staff_token


@pytest.fixture(scope="session")
def home(repo_root: Path) -> Iterator[LocalHome]:
    # Names of its own: in-process moto tests and the browser tier's home may share this worker process.
    # The tier posts many reports from one address (test_emerging_burst.py: 30 at once); test_rate_limits_over_http.py
    # runs a home of its own with the production limits.
    with LocalHome(repo_root, port=0, stack_name="koban-e2e", settings=UNREFUSING_RATE_LIMITS) as started:
        started.gateway.start()
        yield started


@pytest.fixture(scope="session")
def base_url(home: LocalHome) -> str:
    return home.gateway.url


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session


def bearer(tenant: str, role: str = "officer") -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_staff_token(tenant, role)}"}
