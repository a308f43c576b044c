"""The command line against a running embedded default: tokens and keys it prints work, and the counters the
stream keeps equal a rebuild from the reports."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import requests

from koban_local.home import LocalHome


def koban(*arguments: str) -> subprocess.CompletedProcess[str]:
    executable = Path(sys.executable).with_name("koban")
    return subprocess.run([str(executable), *arguments], capture_output=True, text=True, timeout=120, check=False)


def test_a_printed_token_opens_the_staff_queue(base_url: str) -> None:
    token = koban("token", "--tenant", "pilot-pl", "--role", "supervisor").stdout.strip()
    reply = requests.get(
        f"{base_url}/v1/tenants/pilot-pl/reports", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    assert reply.status_code == 200


def test_an_unknown_tenant_is_refused_with_the_list_of_tenants() -> None:
    result = koban("token", "--tenant", "atlantis", "--role", "officer")
    assert result.returncode == 2
    assert "pilot-nl" in result.stderr


def test_aggregates_rebuild_finds_the_stream_kept_counters_exact(home: LocalHome, base_url: str) -> None:
    # Given reports posted over HTTP, and the stream consumer caught up
    body = {
        "category": "graffiti_vandalism",
        "description": "Fresh graffiti on the underpass.",
        "location": {"lat": 38.7223, "lon": -9.1393},
    }
    categories = requests.get(f"{base_url}/v1/tenants/pilot-pt/categories", timeout=10).json()["items"]
    graffiti = next(item for item in categories if item["code"] == "graffiti_vandalism")
    body["answers"] = {
        question["code"]: (question["options"][0]["code"] if question["options"] else True)
        for question in graffiti["questions"]
        if question["required"]
    }
    for _ in range(3):
        assert requests.post(f"{base_url}/v1/tenants/pilot-pt/reports", json=body, timeout=10).status_code == 201
    home.poller.drain(timeout=60)
    # When an operator rebuilds the counters from the reports with the command line
    result = koban(
        "aggregates",
        "rebuild",
        "--tenant",
        "pilot-pt",
        "--endpoint-url",
        home.aws.endpoint_url,
        "--stack-name",
        home.stack_name,
    )
    # Then nothing needed correcting
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("pilot-pt: ")
    assert result.stdout.strip().endswith(" 0 corrected"), result.stdout


def test_koban_serve_starts_prints_its_urls_and_stops_cleanly() -> None:
    # Given `koban serve` started as a newcomer would (without the minute-long seed, on any free port)
    executable = Path(sys.executable).with_name("koban")
    process = subprocess.Popen(
        [str(executable), "serve", "--port", "0", "--no-seed"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        banner = []
        for line in process.stdout:
            banner.append(line)
            if "Press Ctrl-C to stop." in line:
                break
        text = "".join(banner)
        api = next(line.split()[-1] for line in banner if line.strip().startswith("API "))
        # Then the printed URL serves the six tenants, and the printed tokens and keys are there
        assert requests.get(f"{api}/tenants", timeout=10).json()["items"][0]["id"] == "pilot-be"
        assert "pilot-pl   supervisor" in text
        assert "Open311 API keys" in text
    finally:
        process.terminate()
        assert process.wait(timeout=30) == 0
