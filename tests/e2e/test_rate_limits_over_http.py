"""Rate limits over real HTTP with the production limits: `koban serve` as a newcomer starts it (the tier's own home
refuses nothing, as its tests post many reports from one address), a burst of anonymous reports from one client,
and a look at the staff queue afterwards."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from koban.settings import RateLimits
from tests.e2e.conftest import bearer

TENANT = "pilot-nl"
ATTEMPTS = 8  # the production burst is 5, and a token comes back only every 6 s


@pytest.fixture(scope="module")
def served_api() -> Iterator[str]:
    """Given `koban serve` without the seed, with no limits setting (the production ones)."""
    environment = {name: value for name, value in os.environ.items() if name != "KOBAN_RATE_LIMITS"}
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("koban")), "serve", "--port", "0", "--no-seed"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=environment,
    )
    try:
        assert process.stdout is not None
        api = ""
        for line in process.stdout:
            if not api and line.strip().startswith("API "):
                api = line.split()[-1]
            if "Press Ctrl-C to stop." in line:
                break
        assert api, "koban serve printed no API URL"
        yield api
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_given_a_burst_of_anonymous_reports_from_one_client_then_the_excess_is_refused_and_never_stored(
    served_api: str,
) -> None:
    categories = requests.get(f"{served_api}/tenants/{TENANT}/categories", timeout=10).json()["items"]
    noise = next(item for item in categories if item["code"] == "noise_night")
    tenant = requests.get(f"{served_api}/tenants/{TENANT}", timeout=10).json()
    west, south, east, north = tenant["area"]["bbox"]
    body = {
        "category": "noise_night",
        "description": "Music from the bar on the corner until three in the morning.",
        "location": {"lat": (south + north) / 2, "lon": (west + east) / 2},
        "answers": {
            question["code"]: (question["options"][0]["code"] if question["options"] else True)
            for question in noise["questions"]
            if question["required"]
        },
    }
    # When one client sends reports as fast as it can
    with requests.Session() as session:
        replies = [
            session.post(f"{served_api}/tenants/{TENANT}/reports", json=body, timeout=30) for _ in range(ATTEMPTS)
        ]
    created = [reply.json()["id"] for reply in replies if reply.status_code == 201]
    refused = [reply for reply in replies if reply.status_code == 429]
    # Then the burst is served and the rest refused, each refusal saying when to come back
    assert len(created) == RateLimits().intake.burst, [reply.status_code for reply in replies]
    assert len(refused) == ATTEMPTS - len(created)
    for reply in refused:
        assert reply.headers["Content-Type"] == "application/problem+json"
        assert 1 <= int(reply.headers["Retry-After"]) <= 60
        assert reply.json()["type"] == "https://koban.eu/problems/rate_limited"
    # And the staff queue of this fresh home holds exactly the reports that were accepted
    queue = requests.get(f"{served_api}/tenants/{TENANT}/reports?limit=100", headers=bearer(TENANT), timeout=30)
    assert queue.status_code == 200
    assert sorted(item["id"] for item in queue.json()["items"]) == sorted(created)
