"""The browser tier: the built pages (`make web`) in the machine's headless Chromium, driven by Playwright, against
one local home seeded for a single tenant, with a burst of night-noise reports in one block (an emerging problem),
community priorities in every state and a problem on the board.

Every page a test opens is watched: a console error, an uncaught exception, a failed request or an HTTP error
answer fails the test. Screenshots go to tests/browser/artifacts/ (git ignores it)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import h3
import pytest
import requests
from playwright.sync_api import Browser, ConsoleMessage, Page, Playwright, Request, Response, expect, sync_playwright

from koban.tenants.service import get_tenant
from koban_local.home import UNREFUSING_RATE_LIMITS, LocalHome
from koban_local.seed import EMERGING, hotspots, seed_all
from koban_local.tokens import issue_staff_token

TENANT = "pilot-nl"
SEED_REPORTS = 400
BURST_NIGHTS = 3
BURST_PER_NIGHT = 10
CHROMIUM = Path(os.environ.get("KOBAN_CHROMIUM", "/usr/bin/chromium"))
# As the machine's probe runs it: no GPU, no QUIC, and none of Chromium's own calls home (the network is closed).
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).with_name("artifacts")
# The machine has two cores shared with the rest of the suite: waits are generous, a pass is still quick.
TIMEOUT_MS = 20_000
expect.set_options(timeout=TIMEOUT_MS)
# Every test module of this tier is marked `pytest.mark.xdist_group(BROWSER_GROUP)`: with `--dist loadgroup`
# xdist runs them on one worker, so one home is seeded and one browser started.
BROWSER_GROUP = "browser"


@dataclass
class Site:
    """The seeded home's address and what the fixture put there."""

    url: str
    burst_cell: str
    priorities: dict[str, str] = field(default_factory=dict)  # status → priority id

    def api(
        self,
        method: str,
        path: str,
        *,
        role: str | None = "officer",
        language: str = "en",
        tenant: str = TENANT,
        **kwargs: Any,
    ) -> Any:
        """The tenant's `path` (e.g. "/problems") as staff of `role`, or anonymously with role=None. Another
        `tenant` than the seeded one serves tests whose data must not reach the seeded tenant's figures."""
        headers = {"Accept-Language": language}
        if role:
            headers["Authorization"] = f"Bearer {issue_staff_token(tenant, role)}"
        reply = requests.request(method, f"{self.url}/v1/tenants/{tenant}{path}", headers=headers, timeout=30, **kwargs)
        assert reply.ok, f"{method} {path}: {reply.status_code} {reply.text}"
        return reply.json()


def _post_burst(url: str) -> str:
    """Night-noise reports in the seed's emerging block, BURST_PER_NIGHT on each of the last BURST_NIGHTS nights."""
    tenant = get_tenant(TENANT)
    spot = next(spot for spot in hotspots(tenant) if spot.kind == EMERGING)
    cell = str(h3.latlng_to_cell(spot.lat, spot.lon, 9))
    lat, lon = h3.cell_to_latlng(cell)
    tonight = datetime.now(UTC).astimezone(tenant.zone).replace(hour=23, minute=0, second=0, microsecond=0)
    for night in range(1, BURST_NIGHTS + 1):
        for step in range(BURST_PER_NIGHT):
            body = {
                "category": "noise_night",
                "description": f"Loud music from the flats again (night {night}).",
                "location": {"lat": lat, "lon": lon},
                "occurred_at": (tonight - timedelta(days=night, minutes=-9 * step)).isoformat(),
                "answers": {"noise_source": "music", "ongoing": False},
            }
            reply = requests.post(f"{url}/v1/tenants/{TENANT}/reports", json=body, timeout=30)
            assert reply.status_code == 201, reply.text
    return cell


def _seed_priorities(site: Site) -> None:
    """One priority in each state residents see: open for votes (two), adopted, done, declined."""
    answers = {  # status → title, then what staff said: the commitment, and for "done" what was done
        "adopted": ["Bike theft at the station", "Mark bikes at the station every Saturday in spring."],
        "done": [
            "Speeding near the primary school",
            "Speed checks twice a week until the summer.",
            "Speed checks twice a week since May; the school street is now 30 km/h.",
        ],
        "declined": ["Fireworks in the park", "The municipality already bans fireworks there and enforces it."],
    }
    proposals = {
        "proposed": "Night noise around the square",
        "second": "Dumped rubbish on the dyke path",
        **{status: texts[0] for status, texts in answers.items()},
    }
    for key, title in proposals.items():
        created = site.api(
            "POST",
            "/priorities",
            json={"title": title, "description": f"Residents asked about: {title.lower()}.", "area_name": "Centrum"},
        )
        site.priorities[key] = created["id"]
        texts = answers.get(key, [])
        changes = [("declined" if key == "declined" else "adopted", texts[1])] if texts else []
        if key == "done":
            changes.append(("done", texts[2]))
        version = created["version"]
        for status, text in changes:
            path = f"/priorities/{created['id']}"
            version = site.api("PATCH", path, json={"version": version, "status": status, "text": text})["version"]


def _seed_problem(site: Site) -> None:
    """A problem in planning, with a partner, an action and a note, so the board and its dialog have content."""
    tenant = get_tenant(TENANT)
    cell = str(h3.latlng_to_cell(*tenant.area.centre, 9)) if tenant.area.centre else site.burst_cell
    problem = site.api(
        "POST",
        "/problems",
        json={
            "title": "Bike theft around Centraal station",
            "description": "Bicycle thefts cluster at the station's east racks, mostly on weekday evenings.",
            "category": "bike_theft",
            "cells": [cell],
            "partners": [{"name": "ProRail station management", "kind": "business", "contact_role": "site manager"}],
        },
    )
    path = f"/problems/{problem['id']}"
    planned = site.api("PATCH", path, json={"version": problem["version"], "stage": "planning"})
    note = "Station management will share the rack camera footage from next week."
    site.api("PATCH", path, json={"version": planned["version"], "note": note})
    due = (datetime.now(UTC) + timedelta(days=14)).date().isoformat()
    site.api(
        "POST",
        f"/problems/{problem['id']}/actions",
        json={"title": "Extra patrols at the east racks, 17-20h", "owner": "neighbourhood_team", "due_on": due},
    )


@pytest.fixture(scope="session")
def site(repo_root: Path) -> Iterator[Site]:
    built = repo_root / "infrastructure" / "web" / "dist"
    if not (built / ".built").is_file():
        pytest.fail("The web pages are not built: run `make web` (`make test` does it first).")
    with LocalHome(repo_root, port=0, stack_name="koban-browser", settings=UNREFUSING_RATE_LIMITS) as home:
        home.gateway.start()
        seed_all(SEED_REPORTS, progress=lambda line: None, tenants=[TENANT])
        found = Site(home.gateway.url, _post_burst(home.gateway.url))
        _seed_priorities(found)
        _seed_problem(found)
        home.poller.drain(timeout=180)
        yield found


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as started:
        yield started


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not CHROMIUM.is_file():
        pytest.fail(f"No Chromium at {CHROMIUM}: `make system-packages` installs Debian's (or set KOBAN_CHROMIUM).")
    # Playwright gives each launch a fresh, empty user-data directory of its own (and removes it afterwards).
    launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
    yield launched
    launched.close()


@dataclass
class Watched:
    """A page and everything that went wrong on it; `expect(text)` accepts problems that mention `text` (a test
    that provokes an error answer on purpose)."""

    page: Page
    problems: list[str] = field(default_factory=list)
    expected: list[str] = field(default_factory=list)

    def expect(self, text: str) -> None:
        self.expected.append(text)

    def unexpected(self) -> list[str]:
        return [problem for problem in self.problems if not any(text in problem for text in self.expected)]

    def screenshot(self, name: str, *, full_page: bool = True) -> Path:
        """The page (all of it, or what the window shows: a modal dialog) in tests/browser/artifacts/<name>.png."""
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=full_page)
        return path


def _watch(page: Page) -> Watched:
    watched = Watched(page)

    def console(message: ConsoleMessage) -> None:
        if message.type == "error":
            watched.problems.append(f"console error: {message.text} at {message.location.get('url', '?')}")

    def failed(request: Request) -> None:
        watched.problems.append(f"request failed: {request.method} {request.url} ({request.failure})")

    def requested(request: Request) -> None:
        # Nothing from a CDN or any other host: the pages load their own files and the API of their origin.
        address = urlsplit(request.url)
        if address.scheme not in ("data", "blob") and address.hostname != "127.0.0.1":
            watched.problems.append(f"request to another host: {request.url}")

    def answered(response: Response) -> None:
        if response.status >= 400:
            watched.problems.append(f"HTTP {response.status}: {response.request.method} {response.url}")

    page.on("console", console)
    page.on("pageerror", lambda error: watched.problems.append(f"uncaught: {error}"))
    page.on("request", requested)
    page.on("requestfailed", failed)
    page.on("response", answered)
    return watched


@pytest.fixture
def open_page(browser: Browser) -> Iterator[Any]:
    """open_page() → a Watched page in a new browser context (a new device: its own storage). After the test,
    nothing may have gone wrong on any page it opened."""
    opened: list[Watched] = []

    def new(locale: str = "en-GB") -> Watched:
        context = browser.new_context(locale=locale, viewport={"width": 1440, "height": 1000}, device_scale_factor=1)
        context.set_default_timeout(TIMEOUT_MS)
        watched = _watch(context.new_page())
        opened.append(watched)
        return watched

    yield new
    problems = [problem for watched in opened for problem in watched.unexpected()]
    for watched in opened:
        watched.page.context.close()
    assert not problems, "\n".join(problems)
