"""/public/{tenant}/ in headless Chromium: residents see the coarse map (only cells of at least k reports), the
priorities with a vote that counts once per device, and "you said, we did"; the page never asks a staff route."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import pytest
import requests
from playwright.sync_api import Page, Request, expect

from koban.public.service import min_reports_per_cell
from koban.tenants.service import get_tenant
from tests.browser.conftest import BROWSER_GROUP, TENANT, Site, Watched

pytestmark = pytest.mark.xdist_group(BROWSER_GROUP)

PUBLIC_DAYS = 90  # the page shows the last three months


def _public_cells(site: Site) -> list[dict[str, Any]]:
    first = datetime.now(get_tenant(TENANT).zone).date() - timedelta(days=PUBLIC_DAYS - 1)
    answer = site.api("GET", "/public/hotspots", role=None, params={"from": first.isoformat()})
    features: list[dict[str, Any]] = answer["features"]
    return features


def _open(open_page: Any, site: Site, locale: str = "en-GB") -> tuple[Watched, list[Request]]:
    watched: Watched = open_page(locale)
    requests_made: list[Request] = []
    watched.page.on("request", lambda request: requests_made.append(request))
    watched.page.goto(f"{site.url}/public/{TENANT}/")
    expect(watched.page.locator("#priorities .priority").first).to_be_visible()
    return watched, requests_made


def _votes(page: Page, priority_id: str) -> int:
    text = page.locator(f'[data-priority="{priority_id}"] .votes').inner_text()
    return int(re.sub(r"\D", "", text))


def test_residents_see_the_coarse_map_the_priorities_and_what_was_done(open_page: Any, site: Site) -> None:
    # Given the tenant's k and what the public API gives
    k = min_reports_per_cell(get_tenant(TENANT))
    cells = _public_cells(site)
    assert cells, "the fixture's seed fills some neighbourhoods"
    # When a resident opens the page
    watched, made = _open(open_page, site)
    page = watched.page
    # Then the map draws exactly the API's cells, none under k, and says what k is
    expect(page.locator("#map path.koban-cell")).to_have_count(len(cells))
    assert all(cell["properties"]["count"] >= k for cell in cells)
    expect(page.locator("#map")).to_have_attribute("data-min-reports", str(k))
    expect(page.locator("#privacy-note")).to_contain_text(f"at least {k} reports")
    expect(page.locator("#tenant-name")).to_have_text(get_tenant(TENANT).name)
    # and the open priorities can be voted for, the answered ones say what was committed and done
    expect(page.locator("#priorities .priority")).to_have_count(2)
    said = page.locator("#you-said")
    expect(said.locator(f'[data-priority="{site.priorities["adopted"]}"]')).to_contain_text("We will: Mark bikes")
    expect(said.locator(f'[data-priority="{site.priorities["done"]}"]')).to_contain_text("We did: Speed checks")
    expect(said.locator(f'[data-priority="{site.priorities["declined"]}"]')).to_contain_text("Not taken up:")
    # and nothing staff-only was asked for, with or without a token
    api_calls = [request for request in made if "/v1/" in request.url]
    assert api_calls
    assert all("authorization" not in request.headers for request in made)
    staff_only = re.compile(r"/v1/tenants/[^/]+/(dashboard|problems|reports|priorities)(/|\?|$)")
    assert not [request.url for request in api_calls if staff_only.search(request.url)]
    watched.screenshot("public")


def test_a_vote_counts_once_per_device(open_page: Any, site: Site) -> None:
    # Given a resident's device on the page, and the proposal's votes
    priority = site.priorities["second"]
    watched, _ = _open(open_page, site)
    page = watched.page
    before = _votes(page, priority)
    # When they vote
    item = page.locator(f'[data-priority="{priority}"]')
    item.get_by_role("button", name="Vote").click()
    # Then it counts once: the page and the API say one more, and the button is spent
    expect(item.get_by_role("button", name="Voted")).to_be_disabled()
    assert _votes(page, priority) == before + 1
    listed = {item["id"]: item["votes"] for item in site.api("GET", "/public/priorities", role=None)["items"]}
    assert listed[priority] == before + 1
    watched.screenshot("public-voted")
    # When the same device comes back, then it still shows its vote
    page.reload()
    expect(item.get_by_role("button", name="Voted")).to_be_disabled()
    # When the same device id is sent again (as a second tab or a replay would), then nothing changes
    device = page.evaluate("localStorage.getItem('koban.device')")
    again = requests.post(
        f"{site.url}/v1/tenants/{TENANT}/public/priorities/{priority}/votes", json={"voter": device}, timeout=30
    )
    assert again.status_code == 200
    assert again.json() == {"priority_id": priority, "votes": before + 1, "counted": False}
    # When another device votes, then that one counts too
    other, _ = _open(open_page, site)
    other.page.locator(f'[data-priority="{priority}"]').get_by_role("button", name="Vote").click()
    expect(other.page.locator(f'[data-priority="{priority}"] .votes')).to_have_text(f"{before + 2} votes")


def test_the_page_speaks_the_tenants_languages(open_page: Any, site: Site) -> None:
    # Given a Dutch browser
    watched, made = _open(open_page, site, locale="nl-NL")
    page = watched.page
    # Then the page is in Dutch, offers only the tenant's languages, and asks the API in Dutch
    expect(page.locator("#headline")).to_have_text(f"Veiligheid in {get_tenant(TENANT).area.name}")
    options = page.locator("#language option")
    expect(options).to_have_count(len(get_tenant(TENANT).languages))
    assert all(request.headers.get("accept-language", "").startswith("nl") for request in made if "/v1/" in request.url)
    watched.screenshot("public-nl")
    # When the resident switches to English, then it follows
    page.select_option("#language", "en")
    expect(page.locator("#priorities-title")).to_have_text("Community priorities")
    expect(page.locator("#map path.koban-cell")).to_have_count(len(_public_cells(site)))


def test_without_a_tenant_the_page_lists_the_areas(open_page: Any, site: Site) -> None:
    # When /public/ is opened without a tenant
    watched: Watched = open_page()
    watched.page.goto(f"{site.url}/public/")
    # Then it links every tenant's page
    tenants = requests.get(f"{site.url}/v1/tenants", timeout=30).json()["items"]
    links = watched.page.locator("#tenant-list a")
    expect(links).to_have_count(len(tenants))
    expect(links.first).to_have_attribute("href", f"/public/{tenants[0]['id']}/")
