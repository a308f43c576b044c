"""/dashboard/'s Capability view in headless Chromium, as a pilot's admin uses it: a round is opened, the
self-assessment completed (five levels in plain words per capability, chosen with the mouse and the keyboard, an
evidence note), then the scorecard read (each of the six dimensions with its score beside its live indicators, the
training recommended for the weakest) and exported as CSV and PDF through blob URLs."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from koban_local.tokens import issue_staff_token
from tests.browser.conftest import BROWSER_GROUP, TENANT, Site, Watched

pytestmark = pytest.mark.xdist_group(BROWSER_GROUP)

ROUND_TITLE = "Spring 2027 (browser)"
EVIDENCE = "Leaflets in Dutch, English and Arabic; interpreters at every meeting."
WEAK = "transformation"  # the dimension the admin rates lowest


def _open_capability(open_page: Any, site: Site) -> Watched:
    """The dashboard signed in as the pilot's admin, then its Capability view chosen from the navigation."""
    watched: Watched = open_page()
    page = watched.page
    page.goto(f"{site.url}/dashboard/#token={issue_staff_token(TENANT, 'admin')}")
    expect(page.locator("#kpis .kpi")).to_have_count(5)
    page.locator('#views-nav a[data-view="capability"]').click()
    expect(page.locator("#view-capability")).to_be_visible()
    expect(page.locator("#capability-title")).to_be_focused()
    return watched


def _download(page: Page, button: str) -> tuple[str, bytes]:
    """Click an export button; the file the browser saves (its suggested name and bytes)."""
    with page.expect_download() as started:
        page.locator(button).click()
    download = started.value
    assert download.failure() is None
    return download.suggested_filename, Path(download.path()).read_bytes()


def _rate_every_capability(page: Page) -> int:
    """Level 1 for the weak dimension's capabilities, 4 for the others (the first chosen from the keyboard: level 3,
    then the arrow key to 4); evidence for the first capability. The number of capabilities rated."""
    fields = page.locator("#capability-assessment-fields .capability-field")
    count = fields.count()
    assert count >= 12  # six dimensions, two capabilities each at least
    for index in range(count):
        field = fields.nth(index)
        levels = field.get_by_role("radio")
        expect(levels).to_have_count(5)
        weak = field.locator(f'xpath=ancestor::fieldset[@data-dimension="{WEAK}"]').count() == 1
        if index == 0:
            levels.nth(2).focus()
            page.keyboard.press("Space")
            page.keyboard.press("ArrowRight")
            expect(levels.nth(3)).to_be_checked()
            field.get_by_label("Evidence (optional)").fill(EVIDENCE)
        else:
            levels.nth(0 if weak else 3).check()
    return count


def test_a_pilot_admin_assesses_and_reads_the_scorecard_with_its_exports(open_page: Any, site: Site) -> None:
    # Given a pilot's admin on the dashboard's Capability view
    watched = _open_capability(open_page, site)
    page = watched.page
    # When they try to open a round without a title, then the page says what is missing and sends nothing
    page.locator("#capability-open-form button[type=submit]").click()
    expect(page.locator("#alert")).to_contain_text("A round needs a title.")
    expect(page.locator("#capability-round-title")).to_have_attribute("aria-invalid", "true")

    # When they open a round with a title
    page.get_by_label("Title of the new round").fill(ROUND_TITLE)
    page.get_by_role("button", name="Open a round").click()
    # Then it is the current round (the earlier message is gone) and the self-assessment form asks for their
    # (the police's) view
    expect(page.locator("#alert")).to_be_hidden()
    expect(page.locator("#capability-round-text")).to_contain_text(f"Current round: {ROUND_TITLE}")
    expect(page.locator("#capability-assessment-form")).to_be_visible()
    expect(page.locator("#capability-assessment-status")).to_contain_text("You give the police's view.")
    # and each level is described in plain words
    first_level = page.locator("#capability-assessment-fields .capability-level").first
    expect(first_level.locator(".level-text")).not_to_be_empty()
    expect(first_level).to_contain_text("Level 1 ·")

    # When they rate every capability and save
    rated = _rate_every_capability(page)
    page.get_by_role("button", name="Save my assessment").click()
    # Then the assessment is stored as given
    expect(page.locator("#capability-assessment-status")).to_contain_text("Saved")
    rounds = site.api("GET", "/capability/rounds", role="admin")
    newest = rounds["items"][0]
    assert (newest["title"], newest["status"]) == (ROUND_TITLE, "open")
    mine = site.api("GET", f"/capability/rounds/{newest['id']}/assessments/mine", role="admin")
    assert len(mine["ratings"]) == rated
    assert mine["ratings"][0]["level"] == 4
    assert mine["ratings"][0]["evidence"] == EVIDENCE

    # And the scorecard shows each of the six dimensions with its score beside its live indicators
    card = site.api("GET", "/capability/scorecard", role="admin", params={"round": newest["id"]})
    cards = page.locator("#capability-dimensions .capability-card")
    expect(cards).to_have_count(6)
    assert len(card["dimensions"]) == 6
    expect(page.locator("#capability-period")).to_contain_text(ROUND_TITLE)
    for dimension in card["dimensions"]:
        shown = page.locator(f'#capability-dimensions .capability-card[data-dimension="{dimension["id"]}"]')
        expect(shown.locator("h3")).to_have_text(dimension["name"])
        assert dimension["score"] is not None
        expect(shown).to_have_attribute("data-score", str(dimension["score"]).removesuffix(".0"))
        expect(shown.locator(".capability-figure.score dd")).not_to_have_text("–")
        expect(shown.locator(".capability-indicators tbody tr")).to_have_count(len(dimension["indicators"]))
        assert dimension["indicators"]
        for indicator in dimension["indicators"]:
            row = shown.locator(f'tr[data-indicator="{indicator["id"]}"]')
            expect(row.locator("summary")).to_have_text(indicator["name"])
            expect(row.locator("details")).to_have_attribute("title", indicator["definition"])
            expect(row.locator("td").nth(2)).to_have_text(str(indicator["level"] or "–"))
        # the trend over rounds is drawn (this round included)
        expect(shown.locator("canvas")).to_have_attribute("data-points", str(len(dimension["trend"])))
        assert dimension["trend"]
    # and an indicator's definition opens from the keyboard
    first_indicator = cards.first.locator(".indicator-definition").first
    first_indicator.locator("summary").focus()
    page.keyboard.press("Enter")
    expect(first_indicator.locator("p").first).to_be_visible()
    expect(first_indicator.locator("p").first).to_have_text(card["dimensions"][0]["indicators"][0]["definition"])

    # And the weakest dimension is marked, with the training recommended for it
    assert WEAK in card["weakest"]
    weakest_names = [d["name"] for d in card["dimensions"] if d["id"] in card["weakest"]]
    expect(page.locator("#capability-dimensions .capability-card.weakest")).to_have_count(len(card["weakest"]))
    expect(page.locator(f'.capability-card[data-dimension="{WEAK}"]')).to_have_class("card capability-card weakest")
    expect(page.locator("#capability-weakest")).to_have_text(f"For the weakest dimension: {', '.join(weakest_names)}.")
    training = [item for item in card["recommendations"] if item["kind"] == "training"]
    assert any(item["dimension"] == WEAK for item in training)
    recommendations = page.locator("#capability-recommendations .recommendation")
    expect(recommendations).to_have_count(len(card["recommendations"]))
    expect(recommendations.first.locator("strong")).to_have_text(card["recommendations"][0]["title"])
    expect(page.locator(f'#capability-recommendations .recommendation[data-dimension="{WEAK}"]').first).to_be_visible()
    page.locator("#capability-dimensions").scroll_into_view_if_needed()
    watched.screenshot("capability")

    # When they export the scorecard as CSV, then the file has each dimension's row with its score
    name, content = _download(page, "#capability-export-csv")
    assert name.endswith(".csv")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    for dimension in card["dimensions"]:
        line = next(line for line in rows if line[0] == dimension["name"] and line[2] == dimension["name"])
        assert float(line[6]) == pytest.approx(dimension["score"])
    assert any(line[2] == training[0]["title"] for line in rows)
    # and as PDF, then the file is a PDF
    name, content = _download(page, "#capability-export-pdf")
    assert name.endswith(".pdf")
    assert content.startswith(b"%PDF-")
    assert content.rstrip().endswith(b"%%EOF")
    expect(page.locator("#alert")).to_be_hidden()
