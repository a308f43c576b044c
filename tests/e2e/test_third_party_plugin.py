"""A city developer's plugin, end to end: written with `koban plugin new`, edited as data, installed with pip into
an environment of its own, and picked up by `koban serve` with no change to KOBAN: its tenant, category and rules
live over HTTP and in Open311. A broken plugin stops the start-up, naming itself."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from koban_local.tokens import issue_staff_token
from tests.integration.test_plugin_packages import pip_install

BIN = Path(sys.executable).parent
TIMEOUT = 120


def koban(*arguments: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "koban"), *arguments], capture_output=True, text=True, timeout=TIMEOUT, check=False, env=env
    )


def with_path(site: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(site)}


def edit_json(path: Path, change: Any) -> None:
    path.write_text(json.dumps(change(json.loads(path.read_text(encoding="utf-8"))), indent=2), encoding="utf-8")


@pytest.fixture(scope="module")
def gent(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Given a plugin for Ghent written with the scaffold, then edited as data the way a developer would: a
    triage rule for its market category (with a worked example) and its own Dutch name for a built-in category;
    installed with pip into a folder of its own. Returns that folder (the environment's PYTHONPATH)."""
    work = tmp_path_factory.mktemp("gent")
    made = koban(
        "plugin", "new", "gent", "--dir", str(work), "--display-name", "Politiezone Gent",
        "--language", "nl", "--language", "en", "--centre", "51.05,3.72",
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    package = work / "koban-gent" / "koban_gent"
    triage = {"if": [{"===": [{"var": "answers.ongoing"}, True]}, "high", "normal"]}
    edit_json(package / "rules.json", lambda rules: {**rules, "triage": triage})
    example = {
        "rule": "triage",
        "category": "market_nuisance",
        "answers": {"ongoing": True},
        "expect": "high",
        "why": "a blocked market entrance now",
    }
    edit_json(package / "rule_examples.json", lambda examples: [*examples, example])
    (package / "taxonomy").mkdir()
    (package / "taxonomy" / "nl.json").write_text(
        json.dumps({"noise_night": {"name": "Nachtlawaai in Gent"}}), encoding="utf-8"
    )
    site = work / "site"
    pip_install(site, work / "koban-gent")
    return site


@pytest.fixture(scope="module")
def served(gent: Path) -> Iterator[str]:
    """`koban serve --no-seed` on any free port with the plugin's environment; yields the API base URL."""
    process = subprocess.Popen(
        [str(BIN / "koban"), "serve", "--port", "0", "--no-seed"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=with_path(gent),
    )
    lines: queue.Queue[str] = queue.Queue()
    assert process.stdout is not None

    def forward() -> None:
        for line in process.stdout or ():
            lines.put(line)

    threading.Thread(target=forward, daemon=True).start()
    try:
        banner: list[str] = []
        while not any("Press Ctrl-C to stop." in line for line in banner):
            banner.append(lines.get(timeout=TIMEOUT))
        yield next(line.split()[-1] for line in banner if line.strip().startswith("API "))
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_the_scaffolded_plugin_passes_its_own_tests_once_installed(gent: Path) -> None:
    """Given the installed plugin, when its own tests run (as its developer runs them), then they pass: its
    texts exist in Dutch and English, its rules read real facts and its examples (one added) give their results."""
    tests = gent.parent / "koban-gent" / "tests"

    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tests)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env=with_path(gent),
        cwd=gent.parent,
        check=False,
    )

    assert result.returncode == 0, result.stdout[-3000:]
    assert "4 passed" in result.stdout


def test_koban_plugins_lists_the_new_plugin_only_where_it_is_installed(gent: Path) -> None:
    with_plugin = json.loads(koban("plugins", "--json", env=with_path(gent)).stdout)
    without = json.loads(koban("plugins", "--json").stdout)

    mine = next(plugin for plugin in with_plugin["plugins"] if plugin["name"] == "gent")
    assert mine["origin"] == "koban-gent 0.1.0"
    assert [tenant["id"] for tenant in mine["tenants"]] == ["gent"]
    assert mine["categories"] == {"gent": ["market_nuisance"]}
    assert mine["rules"] == {"gent": ["routing", "triage"]}
    assert {hook["hook"] for hook in mine["hooks"]} >= {"koban_tenants", "koban_categories", "koban_rules"}
    assert "gent" not in {plugin["name"] for plugin in without["plugins"]}


def test_the_new_tenant_is_live_over_http_with_its_category_and_names(served: str) -> None:
    # When a resident asks the restarted server about Ghent
    tenants = {tenant["id"]: tenant for tenant in requests.get(f"{served}/tenants", timeout=10).json()["items"]}
    categories = requests.get(f"{served}/tenants/gent/categories", headers={"Accept-Language": "nl"}, timeout=10).json()
    # Then the tenant, its units and its Dutch taxonomy are there, next to the six pilots
    assert tenants["gent"]["languages"] == ["nl", "en"]
    assert tenants["gent"]["timezone"] == "Europe/Brussels"
    assert {"pilot-nl", "pilot-pl"} <= set(tenants)
    items = {item["code"]: item for item in categories["items"]}
    assert categories["language"] == "nl"
    assert items["market_nuisance"]["name"] == "Overlast rond de weekmarkt"
    assert items["market_nuisance"]["maps_to"] == "antisocial_behaviour"
    assert items["noise_night"]["name"] == "Nachtlawaai in Gent"
    pilot_nl = requests.get(f"{served}/tenants/pilot-nl/categories", headers={"Accept-Language": "nl"}, timeout=10)
    assert {item["code"]: item["name"] for item in pilot_nl.json()["items"]}["noise_night"] != "Nachtlawaai in Gent"


def test_the_new_category_is_an_open311_service(served: str) -> None:
    root = served.removesuffix("/v1")
    services = requests.get(f"{root}/open311/v2/services.json", params={"jurisdiction_id": "gent"}, timeout=10)
    definition = requests.get(
        f"{root}/open311/v2/services/market_nuisance.json", params={"jurisdiction_id": "gent"}, timeout=10
    )

    assert services.status_code == 200
    assert "market_nuisance" in {service["service_code"] for service in services.json()}
    assert definition.status_code == 200
    assert [attribute["code"] for attribute in definition.json()["attributes"]] == ["ongoing"]


def test_a_report_is_triaged_and_routed_by_the_plugins_rules(served: str) -> None:
    # Given a resident reporting an ongoing nuisance at Ghent's market
    body = {
        "category": "market_nuisance",
        "description": "Delivery vans block the market entrance every Friday morning.",
        "location": {"lat": 51.05, "lon": 3.72},
        "answers": {"ongoing": True},
    }
    receipt = requests.post(f"{served}/tenants/gent/reports", json=body, timeout=10)
    assert receipt.status_code == 201, receipt.text
    # Then the plugin's rules decided: high priority (its triage rule), the municipality (its routing rule)
    staff = requests.get(
        f"{served}/tenants/gent/reports/{receipt.json()['id']}",
        headers={"Authorization": f"Bearer {issue_staff_token('gent', 'officer')}"},
        timeout=10,
    ).json()
    assert (staff["priority"], staff["unit"]) == ("high", "municipality")


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Given a plugin whose `koban_categories` declares an argument the hook does not have, installed by pip."""
    work = tmp_path_factory.mktemp("broken")
    assert koban("plugin", "new", "broken-city", "--dir", str(work)).returncode == 0
    module = work / "koban-broken-city" / "koban_broken_city" / "__init__.py"
    wrong = (
        "from koban.plugins import hookimpl\n\n\n"
        "@hookimpl\ndef koban_report_received(tenant, report, city):\n    pass\n"
    )
    module.write_text(module.read_text(encoding="utf-8") + "\n\n" + wrong, encoding="utf-8")
    site = work / "site"
    pip_install(site, work / "koban-broken-city")
    return site


def test_a_plugin_with_a_wrong_hook_signature_stops_koban_serve_naming_itself(broken: Path) -> None:
    result = koban("serve", "--port", "0", "--no-seed", env=with_path(broken))

    assert result.returncode == 2
    assert "plugin 'broken_city' (koban-broken-city 0.1.0" in result.stderr
    assert "koban_report_received" in result.stderr
    assert "city" in result.stderr
    assert "Traceback" not in result.stderr
    assert "KOBAN embedded default is running" not in result.stdout


def test_a_plugin_with_an_unknown_hook_is_refused_naming_itself(tmp_path: Path) -> None:
    # Given a module registered by name (KOBAN_PLUGINS) whose hook name has a typo
    (tmp_path / "koban_typo_city.py").write_text(
        "from koban.plugins import hookimpl\n\n\n@hookimpl\ndef koban_tenant():\n    return []\n", encoding="utf-8"
    )
    environment = {**with_path(tmp_path), "KOBAN_PLUGINS": "koban_typo_city"}

    result = koban("plugins", env=environment)

    assert result.returncode == 2
    assert "plugin 'koban_typo_city' (registered by module name)" in result.stderr
    assert "koban_tenant" in result.stderr
    assert "koban_tenants" in result.stderr  # the hooks there are, to spot the typo
