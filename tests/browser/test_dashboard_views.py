"""/dashboard/'s views in headless Chromium: the navigation (links with hash routes, used from the keyboard, the
browser's Back, a view opened from its address) and the problem dialog's forms: a partner and an action with an
owner and a due date are added, the action is marked done, all through the API."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import h3
import pytest
from playwright.sync_api import Page, Request, expect

from koban.tenants.service import get_tenant
from koban_local.tokens import issue_staff_token
from tests.browser.conftest import BROWSER_GROUP, TENANT, Site, Watched

pytestmark = pytest.mark.xdist_group(BROWSER_GROUP)

VIEWS = ("overview", "problems", "alerts", "outbox")
HEADINGS = {
    "overview": "view-overview-title",
    "problems": "board-title",
    "alerts": "view-alerts-title",
    "outbox": "outbox-title",
}


def _open(open_page: Any, site: Site, fragment: str = "") -> Watched:
    """The dashboard signed in as an officer (token in the fragment), then at `fragment` if one is given."""
    watched: Watched = open_page()
    page = watched.page
    page.goto(f"{site.url}/dashboard/#token={issue_staff_token(TENANT, 'officer')}")
    expect(page.locator("#kpis .kpi")).to_have_count(5)
    if fragment:
        page.goto(f"{site.url}/dashboard/{fragment}")
    return watched


def _shown(page: Page, view: str) -> None:
    """Only `view` is shown, its link is the current page, and the address names it."""
    for other in VIEWS:
        section = page.locator(f"#view-{other}")
        link = page.locator(f'#views-nav a[data-view="{other}"]')
        if other == view:
            expect(section).to_be_visible()
            expect(link).to_have_attribute("aria-current", "page")
        else:
            expect(section).to_be_hidden()
            expect(link).not_to_have_attribute("aria-current", "page")
    assert page.url.split("#", 1)[1].split("?")[0] == view


def test_the_views_are_links_that_work_from_the_keyboard_and_the_back_button(open_page: Any, site: Site) -> None:
    # Given the dashboard just signed in: the Overview
    watched = _open(open_page, site)
    page = watched.page
    _shown(page, "overview")
    # When the officer tabs to each view's link and presses Enter
    for view in ("problems", "alerts", "outbox"):
        page.locator(f'#views-nav a[data-view="{view}"]').focus()
        page.keyboard.press("Enter")
        # Then that view is shown, the address names it and its heading has the focus (a screen reader says where)
        _shown(page, view)
        expect(page.locator(f"#{HEADINGS[view]}")).to_be_focused()
        watched.screenshot(f"dashboard-view-{view}")
    # When they go back twice, then the browser's history walks the views
    page.go_back()
    _shown(page, "alerts")
    page.go_back()
    _shown(page, "problems")
    # and the overview's map is drawn again at its size once it is shown (it had none while hidden)
    page.locator('#views-nav a[data-view="overview"]').click()
    _shown(page, "overview")
    box = page.locator("#map").bounding_box()
    assert box
    assert box["width"] > 400
    assert box["height"] > 300
    expect(page.locator("#map path.koban-cell").first).to_be_visible()


def test_a_view_opens_from_its_address_and_an_unknown_one_falls_back_to_the_overview(
    open_page: Any, site: Site
) -> None:
    # Given a signed-in officer who opens a link to the outbox filtered by channel
    watched = _open(open_page, site, "#outbox?channel=email")
    page = watched.page
    # Then the outbox is shown with that filter chosen
    _shown(page, "outbox")
    expect(page.locator("#outbox-channel")).to_have_value("email")
    # When the address names no view, then the overview is shown and the address says so
    page.goto(f"{site.url}/dashboard/#nowhere")
    _shown(page, "overview")


def test_a_partner_and_an_action_are_added_to_a_problem_and_the_action_is_marked_done(
    open_page: Any, site: Site
) -> None:
    # Given a problem in planning with no partner and no action
    tenant = get_tenant(TENANT)
    assert tenant.area.centre
    cell = h3.latlng_to_cell(*tenant.area.centre, 7)
    problem = site.api(
        "POST",
        "/problems",
        json={
            "title": "Drug dealing in the stairwells",
            "description": "Residents of three blocks report dealing in the stairwells at night.",
            "category": "drug_nuisance",
            "cells": [cell],
        },
    )
    site.api("PATCH", f"/problems/{problem['id']}", json={"version": problem["version"], "stage": "planning"})
    # When an officer opens it on the board
    watched = _open(open_page, site, "#problems")
    page = watched.page
    page.locator(f'[data-stage="planning"] [data-problem="{problem["id"]}"]').click()
    dialog = page.locator("#problem-dialog")
    expect(dialog.locator("#problem-dialog-title")).to_have_text("Drug dealing in the stairwells")
    # and adds the housing association as a partner
    dialog.locator("#partner-name").fill("Woningcorporatie Ymere")
    dialog.locator("#partner-kind").select_option("housing")
    dialog.locator("#partner-role").fill("area manager")
    dialog.locator('[data-form="partner"] button').click()
    # Then the dialog shows it, and the API has it
    partner = dialog.locator('[data-partner="Woningcorporatie Ymere"]')
    expect(partner).to_contain_text("Housing · area manager")
    stored = site.api("GET", f"/problems/{problem['id']}")
    assert stored["partners"] == [{"name": "Woningcorporatie Ymere", "kind": "housing", "contact_role": "area manager"}]
    # When they add an action owned by that partner, due in a week
    due = (datetime.now(tenant.zone).date() + timedelta(days=7)).isoformat()
    dialog.locator("#action-title").fill("Lock the stairwell doors at night")
    dialog.locator("#action-owner").select_option("Woningcorporatie Ymere")
    dialog.locator("#action-due").fill(due)
    dialog.locator('[data-form="action"] button').click()
    # Then it is listed as open, and the API has it with its owner and due date
    action = dialog.locator('[data-section="actions"] li[data-action]')
    expect(action).to_have_count(1)
    expect(action).to_have_attribute("data-status", "open")
    stored = site.api("GET", f"/problems/{problem['id']}")
    assert [(a["title"], a["owner"], a["owner_kind"], a["due_on"], a["status"]) for a in stored["actions"]] == [
        ("Lock the stairwell doors at night", "Woningcorporatie Ymere", "partner", due, "open")
    ]
    watched.screenshot("dashboard-problem-partner-action", full_page=False)
    # When they mark it done
    action.get_by_role("button", name="Mark “Lock the stairwell doors at night” done").click()
    # Then it shows done, without the buttons, and the API recorded when
    expect(action).to_have_attribute("data-status", "done")
    expect(action.get_by_role("button")).to_have_count(0)
    done = site.api("GET", f"/problems/{problem['id']}")["actions"][0]
    assert done["status"] == "done"
    assert done["done_at"]
    # and the board's card no longer counts an open action
    page.keyboard.press("Escape")
    card = page.locator(f'[data-problem="{problem["id"]}"]')
    expect(card.locator(".badge")).to_have_count(0)


def test_an_action_without_an_owner_is_not_sent(open_page: Any, site: Site) -> None:
    # Given the problem the fixture put in planning, opened
    watched = _open(open_page, site, "#problems")
    page = watched.page
    page.locator('[data-stage="planning"] .problem-card', has_text="Bike theft").first.click()
    dialog = page.locator("#problem-dialog")
    before = site.api("GET", "/problems", params={"limit": 100})["items"]
    posted: list[str] = []

    def record(request: Request) -> None:
        if request.method == "POST":
            posted.append(request.url)

    page.on("request", record)
    # When an action is added with a title only
    dialog.locator("#action-title").fill("Talk to the station manager")
    dialog.locator('[data-form="action"] button').click()
    # Then the owner is marked invalid and has the focus, and nothing was posted
    expect(dialog.locator("#action-owner")).to_have_attribute("aria-invalid", "true")
    expect(dialog.locator("#action-owner")).to_be_focused()
    assert posted == []
    assert site.api("GET", "/problems", params={"limit": 100})["items"] == before
    # and the owners offered are the force's units and the problem's partners
    units = {unit.code for unit in get_tenant(TENANT).units}
    offered = set(dialog.locator("#action-owner option").evaluate_all("options => options.map(o => o.value)"))
    assert units | {"ProRail station management", ""} == offered
