"""/dashboard/ in headless Chromium: an officer signs in with a token and sees what the API holds for the token's
tenant: KPI tiles, a map cell per hotspot feature, the charts, the emerging list; filters refetch; an emerging
alert becomes a problem on the board; API errors are shown to the user."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import jwt
import pytest
from playwright.sync_api import Page, expect

from koban.tenants.service import get_tenant
from koban_local.cli import page_lines
from koban_local.tokens import issue_staff_token
from tests.browser.conftest import BROWSER_GROUP, TENANT, Site, Watched

pytestmark = pytest.mark.xdist_group(BROWSER_GROUP)


def _today() -> date:
    return datetime.now(get_tenant(TENANT).zone).date()


def _period() -> dict[str, str]:
    """The dashboard's default period: the last 30 days, in the tenant's time zone."""
    return {"from": (_today() - timedelta(days=29)).isoformat(), "to": _today().isoformat()}


def _signed_in(open_page: Any, site: Site, locale: str = "en-GB") -> Watched:
    """The dashboard opened from the sign-in link `koban serve` prints (the token in the fragment)."""
    watched: Watched = open_page(locale)
    banner = "\n".join(page_lines(site.url, ["/dashboard/"], [TENANT]))
    link = re.search(r"signed in as \S+ officer: (\S+)", banner)
    assert link, banner
    watched.page.goto(link.group(1))
    _loaded(watched.page)
    return watched


def _loaded(page: Page) -> None:
    """Wait until the workspace has shown every view once."""
    expect(page.locator("#kpis .kpi")).to_have_count(5)
    expect(page.locator("#workspace")).not_to_have_attribute("aria-busy", "true")


def _cells_shown(page: Page, count: int) -> None:
    expect(page.locator("#map")).to_have_attribute("data-cells", str(count))
    expect(page.locator("#map path.koban-cell")).to_have_count(count)


def _digits(text: str) -> int:
    return int(re.sub(r"\D", "", text))


def test_an_officer_signs_in_from_the_link_and_sees_tiles_map_charts_and_emerging(open_page: Any, site: Site) -> None:
    # Given what the API answers for the default period
    summary = site.api("GET", "/dashboard/summary", params=_period())
    cells = site.api("GET", "/dashboard/hotspots", params=_period())["features"]
    trends = site.api("GET", "/dashboard/trends", params=_period())["series"]
    emerging = site.api("GET", "/dashboard/emerging")["items"]
    assert cells, "the fixture's seed has cells"
    assert trends, "and series"
    assert emerging, "and an emerging signal (its burst)"
    # When an officer opens the link `koban serve` prints (token in the fragment)
    watched = _signed_in(open_page, site)
    page = watched.page
    # Then the token left the address bar (and history) but stays for this tab
    assert "token" not in page.url
    assert page.evaluate("sessionStorage.getItem('koban.staffToken')")
    expect(page.locator("#tenant-name")).to_have_text(get_tenant(TENANT).name)
    # and the tiles carry the summary's figures
    expect(page.locator('[data-kpi="volume"] .kpi-value')).to_have_text(re.compile(r"\d"))
    assert _digits(page.locator('[data-kpi="volume"] .kpi-value').inner_text()) == summary["volume"]
    assert _digits(page.locator('[data-kpi="overdue"] .kpi-value').inner_text()) == summary["overdue"]
    # and the map draws one SVG cell per feature, on no tile at all
    _cells_shown(page, len(cells))
    assert page.locator("#map img.leaflet-tile").count() == 0
    # and the charts show the API's series (the trend folds past seven into "other")
    shown = [item["category"] for item in trends if item["total"] > 0]
    expect(page.locator("#category-chart")).to_have_attribute("data-series", ",".join(shown))
    expect(page.locator("#trend-chart")).to_have_attribute("data-total", str(sum(item["total"] for item in trends)))
    # and the emerging list has every signal, the burst block among them, with counts and an explanation
    items = page.locator(".emerging-item")
    expect(items).to_have_count(len(emerging))
    burst = page.locator(f'.emerging-item[data-cell="{site.burst_cell}"][data-category="noise_night"]')
    expect(burst).to_have_count(1)
    signal = next(item for item in emerging if item["cell"] == site.burst_cell)
    expect(burst.locator(".emerging-explanation")).to_have_text(signal["explanation"])
    expect(burst.locator(".emerging-counts strong")).to_have_text(str(signal["recent_count"]))
    # and choosing it outlines its cell on the map
    burst.locator(".emerging-explanation").click()
    expect(page.locator("#map path.koban-focus")).to_have_count(1)
    watched.screenshot("dashboard")


def test_a_pasted_token_signs_in_a_bad_one_is_refused_and_sign_out_forgets_it(open_page: Any, site: Site) -> None:
    # Given the sign-in form
    watched: Watched = open_page()
    page = watched.page
    page.goto(f"{site.url}/dashboard/")
    expect(page.locator("#signin")).to_be_visible()
    watched.screenshot("dashboard-signin")
    # When something that is not a token is pasted, then the form says so and nothing is asked of the API
    page.fill("#token-input", "not-a-token")
    page.click("#signin-form button[type=submit]")
    expect(page.locator("#signin-error")).to_have_text("This is not a valid token.")
    expect(page.locator("#workspace")).to_be_hidden()
    # When an expired token is pasted, then the form says so (the page reads the claims; the API checks signatures)
    past = int((datetime.now(UTC) - timedelta(minutes=1)).timestamp())
    expired = jwt.encode({"custom:tenant": TENANT, "cognito:groups": ["officer"], "exp": past}, "k" * 32, "HS256")
    page.fill("#token-input", expired)
    page.click("#signin-form button[type=submit]")
    expect(page.locator("#signin-error")).to_have_text("This token has expired; ask for a new one.")
    # When a supervisor's token is pasted, then the workspace opens with the role shown
    page.fill("#token-input", issue_staff_token(TENANT, "supervisor"))
    page.click("#signin-form button[type=submit]")
    _loaded(page)
    expect(page.locator("#who")).to_have_text("Supervisor")
    # When they sign out, then the token is forgotten and the form is back
    page.click("#sign-out")
    expect(page.locator("#signin")).to_be_visible()
    assert page.evaluate("sessionStorage.getItem('koban.staffToken')") is None


def test_the_category_filter_and_the_cell_size_change_the_map_and_the_charts(open_page: Any, site: Site) -> None:
    # Given the dashboard with every category, at block size
    watched = _signed_in(open_page, site)
    page = watched.page
    period = _period()
    everything = site.api("GET", "/dashboard/hotspots", params=period)["features"]
    _cells_shown(page, len(everything))
    noise = {**period, "categories": "noise_night"}
    noise_cells = site.api("GET", "/dashboard/hotspots", params=noise)["features"]
    noise_trend = site.api("GET", "/dashboard/trends", params=noise)["series"]
    assert 0 < len(noise_cells) < len(everything)
    # When only night noise is ticked
    page.click("#filter-categories summary")
    page.check("#category-noise_night")
    # Then the map and both charts show night noise only
    _cells_shown(page, len(noise_cells))
    expect(page.locator("#category-chart")).to_have_attribute("data-series", "noise_night")
    expect(page.locator("#trend-chart")).to_have_attribute("data-total", str(noise_trend[0]["total"]))
    expect(page.locator("#filter-categories-summary")).to_have_text("Noise at night")
    page.click("#filter-categories summary")  # close the panel
    # When the cells are neighbourhoods instead of blocks
    coarse = site.api("GET", "/dashboard/hotspots", params={**noise, "resolution": 7})["features"]
    assert len(coarse) != len(noise_cells)
    signals = site.api("GET", "/dashboard/emerging", params={"categories": "noise_night", "resolution": 7})
    page.select_option("#filter-resolution", "7")
    # Then the map shows the neighbourhood cells, and the emerging list speaks of neighbourhoods, never of blocks
    _cells_shown(page, len(coarse))
    explanations = page.locator(".emerging-explanation")
    expect(explanations).to_have_count(len(signals["items"]))
    assert signals["items"], "the burst's neighbourhood stands out too"
    for text in explanations.all_inner_texts():
        assert "neighbourhood" in text
        assert "block" not in text
    expect(page.locator("#emerging-caption")).to_have_text(
        f"Last {signals['recent_days']} days against the {signals['baseline_days']} days before"
    )
    # When the trend is by week, then the chart has a point per week
    weeks = site.api("GET", "/dashboard/trends", params={**noise, "interval": "week"})["series"][0]["points"]
    page.select_option("#filter-interval", "week")
    expect(page.locator("#trend-chart")).to_have_attribute("data-points", str(len(weeks)))
    watched.screenshot("dashboard-filtered")


def test_an_emerging_alert_becomes_a_problem_on_the_board_and_moves_to_planning(open_page: Any, site: Site) -> None:
    # Given the dashboard with the burst block in the emerging list
    watched = _signed_in(open_page, site)
    page = watched.page
    burst = page.locator(f'.emerging-item[data-cell="{site.burst_cell}"][data-category="noise_night"]')
    before = {item["id"] for item in site.api("GET", "/problems", params={"limit": 100})["items"]}
    # When the officer creates a problem from it
    burst.get_by_role("button", name="Create problem").click()
    # Then the API has a new problem in diagnosis for that cell and category, and the signal is marked on the board
    expect(burst.get_by_role("button", name="Open problem")).to_be_visible()
    expect(burst.locator(".badge.ok")).to_have_text("On the board")
    created = [
        item for item in site.api("GET", "/problems", params={"limit": 100})["items"] if item["id"] not in before
    ]
    assert len(created) == 1
    problem = site.api("GET", f"/problems/{created[0]['id']}")
    assert (problem["category"], problem["cells"], problem["stage"]) == ("noise_night", [site.burst_cell], "diagnosis")
    # and another tab (another device) knows it too: the list carries the problem's cells
    other = _signed_in(open_page, site).page
    expect(
        other.locator(f'.emerging-item[data-cell="{site.burst_cell}"][data-category="noise_night"] .badge.ok')
    ).to_have_text("On the board")
    # When the officer goes to the Problems view, then the board shows it
    page.locator('#views-nav a[data-view="problems"]').click()
    card = page.locator(f'[data-stage="diagnosis"] [data-problem="{problem["id"]}"]')
    expect(card).to_contain_text(problem["title"])
    # When they open it from the keyboard and move it on
    card.focus()
    page.keyboard.press("Enter")
    dialog = page.locator("#problem-dialog")
    expect(dialog.locator("#problem-dialog-title")).to_have_text(problem["title"])
    expect(dialog.locator(".evaluation")).to_be_visible()
    dialog.get_by_role("button", name="Move to Planning").click()
    # Then the API has it in planning, and so has the board
    expect(dialog.locator(".stepper .current")).to_have_text("Planning")
    assert site.api("GET", f"/problems/{problem['id']}")["stage"] == "planning"
    expect(page.locator(f'[data-stage="planning"] [data-problem="{problem["id"]}"]')).to_be_attached()
    watched.screenshot("dashboard-problem", full_page=False)
    # and Escape closes the dialog
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()


def test_closing_without_a_note_shows_the_apis_answer(open_page: Any, site: Site) -> None:
    # Given the problem the fixture put in planning, opened
    watched = _signed_in(open_page, site)
    page = watched.page
    watched.expect("/problems/")  # the refused PATCH is this test's point
    page.locator('#views-nav a[data-view="problems"]').click()
    page.locator('[data-stage="planning"] .problem-card', has_text="Bike theft").first.click()
    dialog = page.locator("#problem-dialog")
    # When it is closed without saying why
    dialog.get_by_role("button", name="Close problem").click()
    # Then the API's problem+json is shown in the dialog, naming what is missing, and nothing changed
    error = dialog.locator(".dialog-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text(re.compile("note", re.IGNORECASE))
    expect(dialog.locator(".stepper .current")).to_have_text("Planning")


def test_a_period_the_api_refuses_is_shown_not_swallowed(open_page: Any, site: Site) -> None:
    # Given the dashboard
    watched = _signed_in(open_page, site)
    page = watched.page
    watched.expect("/dashboard/")  # the refused views are this test's point
    # When the period starts after it ends
    page.fill("#filter-from", (_today() + timedelta(days=0)).isoformat())
    page.fill("#filter-to", (_today() - timedelta(days=5)).isoformat())
    page.locator("#filter-to").dispatch_event("change")
    # Then the alert carries the API's explanation and the field it names
    alert = page.locator("#alert")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text("query.from")


def test_the_language_switch_translates_the_page_and_asks_the_api_in_that_language(open_page: Any, site: Site) -> None:
    # Given the dashboard in English, and the requests it makes
    watched = _signed_in(open_page, site)
    page = watched.page
    languages: list[tuple[str, str]] = []
    page.on("request", lambda request: languages.append((request.url, request.headers.get("accept-language", ""))))
    # When the officer picks Nederlands
    page.select_option("#language", "nl")
    # Then the page speaks Dutch, and the API was asked in Dutch (names of categories come back in Dutch)
    expect(page.locator('[data-kpi="volume"] .kpi-label')).to_have_text("Meldingen")
    expect(page.locator("#map-title")).to_have_text("Hotspots")
    expect(page.locator("#board-title")).to_have_text("Probleembord")
    dutch = {item["code"]: item["name"] for item in site.api("GET", "/categories", role=None, language="nl")["items"]}
    assert dutch["noise_night"] != "Noise at night"
    expect(page.locator('label[for="category-noise_night"]')).to_have_text(dutch["noise_night"])
    api_calls = [value for url, value in languages if "/v1/" in url]
    assert api_calls
    assert all(value.startswith("nl") for value in api_calls)
    assert page.evaluate("document.documentElement.lang") == "nl"
    watched.screenshot("dashboard-nl")
