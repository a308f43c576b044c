"""Area alerts and the outbox on /dashboard/ in headless Chromium: an officer composes an alert for a neighbourhood on
the map, a supervisor (a second token) approves it, the counters show it reached the one confirmed subscriber inside
the area and not the one outside, and the outbox lists that delivery with the address masked; the author of an alert
cannot decide it, another supervisor rejects one with a reason; the outbox pages and filters by channel."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

import h3
import pytest
import requests
from playwright.sync_api import Page, Request, expect

from koban.tenants.service import get_tenant
from koban_local.tokens import issue_staff_token
from tests.browser.conftest import BROWSER_GROUP, TENANT, Site, Watched

pytestmark = pytest.mark.xdist_group(BROWSER_GROUP)

CODE = re.compile(r"\b(\d{6})\b")
# Delivery goes through the local queue poller (plan job, then delivery jobs): generous on two shared cores.
DELIVERY_TIMEOUT_MS = 90_000


def eventually(check: Callable[[], Any], timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def outbox(site: Site) -> list[dict[str, Any]]:
    """Every message the outbox kept, newest first (all pages)."""
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = site.api("GET", "/notifications/outbox", params={"limit": 100, **({"cursor": cursor} if cursor else {})})
        items += page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            return items


def subscribe(site: Site, cell: str, **contact: Any) -> str:
    """An area subscription for one block, confirmed with the code the outbox kept (double opt-in)."""
    body = {"language": "en", "area": {"cells": [cell]}, "consent": True, **contact}
    created = site.api("POST", "/subscriptions", role=None, json=body)
    assert created["status"] == "pending"

    def code() -> str | None:
        for item in outbox(site):
            found = CODE.search(item["text"]) if item["subscription_id"] == created["id"] else None
            if found and item["kind"] == "confirmation":
                return found.group(1)
        return None

    sent = eventually(code)
    assert sent, "no confirmation code reached the outbox"
    confirmed = site.api("POST", f"/subscriptions/{created['id']}/confirmation", role=None, json={"code": sent})
    assert confirmed["status"] == "active"
    subscription_id: str = created["id"]
    return subscription_id


def areas() -> tuple[str, str, str]:
    """A neighbourhood (H3 r7) near the centre of the force's area, a block inside it and a block outside it (in a
    neighbourhood two rings away, within the area too)."""
    tenant = get_tenant(TENANT)
    assert tenant.area.centre
    neighbourhood = str(h3.latlng_to_cell(*tenant.area.centre, 7))
    ring = sorted(set(h3.grid_disk(neighbourhood, 2)) - set(h3.grid_disk(neighbourhood, 1)))
    far = next(cell for cell in ring if tenant.area.contains(*h3.cell_to_latlng(cell)))
    return neighbourhood, str(h3.cell_to_center_child(neighbourhood, 9)), str(h3.cell_to_center_child(far, 9))


def signed_in(open_page: Any, site: Site, role: str, view: str = "alerts") -> Watched:
    """The dashboard opened with a token of `role` in the fragment, on `view`."""
    watched: Watched = open_page()
    page = watched.page
    page.goto(f"{site.url}/dashboard/#token={issue_staff_token(TENANT, role)}")
    expect(page.locator("#workspace")).to_be_visible()
    page.locator(f'#views-nav a[data-view="{view}"]').click()
    expect(page.locator(f"#view-{view}")).to_be_visible()
    return watched


def compose(page: Page, neighbourhood: str, titles: dict[str, str], bodies: dict[str, str]) -> None:
    """Fill the composer: a neighbourhood chosen on the map's grid, a title and a message in each language."""
    page.select_option("#alert-resolution", "7")
    cell = page.locator(f"#alert-map path.koban-grid.cell-{neighbourhood}")
    expect(cell).to_have_count(1)
    cell.click()
    expect(page.locator("#alert-map")).to_have_attribute("data-cells", "1")
    expect(page.locator(f"#alert-map path.koban-chosen.cell-{neighbourhood}")).to_have_count(1)
    for language, title in titles.items():
        page.fill(f"#alert-title-{language}", title)
        page.fill(f"#alert-body-{language}", bodies[language])


def test_an_alert_for_a_neighbourhood_is_approved_and_reaches_only_the_subscriber_inside(
    open_page: Any, site: Site
) -> None:
    # Given one resident subscribed (and confirmed) in a block of the neighbourhood, one in a block outside it
    neighbourhood, inside_block, outside_block = areas()
    inside = subscribe(site, inside_block, channel="email", email="alice@example.org")
    outside = subscribe(site, outside_block, channel="email", email="bob@example.org")
    # When an officer composes an alert for the neighbourhood, chosen on the map, in both of the force's languages
    officer = signed_in(open_page, site, "officer")
    page = officer.page
    assert get_tenant(TENANT).languages == ("nl", "en")
    expect(page.locator(".alert-language")).to_have_count(2)
    expect(page.locator('.alert-language[data-language="nl"] legend')).to_contain_text("required")
    compose(
        page,
        neighbourhood,
        {"nl": "Nepagenten aan de deur", "en": "Fake police officers at the door"},
        {"nl": "De politie vraagt nooit om uw pinpas.", "en": "The police never ask for your bank card."},
    )
    page.select_option("#alert-audience", "everyone")
    page.select_option("#alert-severity", "warning")
    page.click("#alert-preview-button")
    # Then the preview shows what residents will receive, in each language
    preview = page.locator("#alert-preview")
    expect(preview).to_be_visible()
    expect(preview.locator(".preview-message")).to_have_count(2)
    expect(preview.locator('.preview-message[data-language="en"] h4')).to_have_text("Fake police officers at the door")
    officer.screenshot("alerts-composer")
    # When they submit it for approval
    page.click("#alert-submit")
    # Then the alert waits for a supervisor, and its author is told that someone else decides
    dialog = page.locator("#alert-dialog")
    expect(dialog.locator("#alert-dialog-title")).to_have_text("Nepagenten aan de deur")
    expect(dialog.locator(".alert-status")).to_have_text("Awaiting approval")
    expect(dialog.locator(".own-alert")).to_be_visible()
    expect(dialog.get_by_role("button", name="Approve")).to_have_count(0)
    alert_id = dialog.get_attribute("data-alert")
    assert alert_id
    stored = site.api("GET", f"/alerts/{alert_id}")
    assert (stored["status"], stored["cells"], stored["severity"]) == ("draft", [neighbourhood], "warning")
    assert set(stored["texts"]) == {"nl", "en"}

    # When a supervisor (a second token) opens it from the list and approves it
    supervisor = signed_in(open_page, site, "supervisor")
    page = supervisor.page
    row = page.locator(f'#alerts-rows tr[data-alert="{alert_id}"]')
    expect(row).to_have_attribute("data-status", "draft")
    row.get_by_role("button").click()
    dialog = page.locator("#alert-dialog")
    expect(dialog.locator(".own-alert")).to_have_count(0)
    dialog.get_by_role("button", name="Approve").click()
    # Then the counters show it reached one subscriber (the outbox delivers at once)
    sent = dialog.locator('[data-counter="sent"] .counter-value')
    expect(sent).to_have_text("1", timeout=DELIVERY_TIMEOUT_MS)
    expect(dialog.locator('[data-counter="delivered"] .counter-value')).to_have_text("1")
    expect(dialog.locator('[data-counter="failed"] .counter-value')).to_have_text("0")
    expect(dialog.locator(".alert-status")).to_have_text("Sent", timeout=DELIVERY_TIMEOUT_MS)
    expect(dialog.locator(".dialog-map path.koban-chosen")).to_have_count(1)
    supervisor.screenshot("alert-approved", full_page=False)
    # and the API agrees: the subscriber inside was reached once, the one outside not at all
    counts = site.api("GET", f"/alerts/{alert_id}")["counts"]
    assert counts == {"sent": 1, "delivered": 1, "opened": 0, "failed": 0}
    reached = [item for item in outbox(site) if item["alert_id"] == alert_id]
    assert [item["subscription_id"] for item in reached] == [inside]
    assert outside not in {item["subscription_id"] for item in reached}
    # When the supervisor follows "see whom it reached"
    dialog.get_by_role("link", name="See whom it reached in the outbox").click()
    # Then the outbox shows that one message, the address masked as the API gives it
    expect(page.locator("#view-outbox")).to_be_visible()
    expect(page.locator("#outbox-alert")).to_be_visible()
    rows = page.locator("#outbox-rows tr[data-kind]")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-alert", alert_id)
    expect(rows.first.locator(".recipient")).to_have_text(reached[0]["to"])
    assert "alice@example.org" not in page.content()
    expect(rows.first).to_contain_text("E-mail")
    expect(rows.first).to_contain_text("Area alert")
    supervisor.screenshot("outbox-alert")
    # and the list shows the alert sent, with its counters
    page.locator('#views-nav a[data-view="alerts"]').click()
    listed = page.locator(f'#alerts-rows tr[data-alert="{alert_id}"]')
    expect(listed).to_have_attribute("data-status", "sent")
    expect(listed.locator('[data-counter="sent"]')).to_have_text("1")
    supervisor.screenshot("alerts-list")


def test_the_author_cannot_decide_their_alert_another_supervisor_rejects_it_with_a_reason(
    open_page: Any, site: Site
) -> None:
    # Given an alert a supervisor drafted
    neighbourhood, _, _ = areas()
    texts = {"en": {"title": "Road closed for the market", "body": "Damrak is closed on Saturday."}}
    drafted = site.api("POST", "/alerts", role="supervisor", json={"texts": texts, "area": {"cells": [neighbourhood]}})
    # When its author opens it
    author = signed_in(open_page, site, "supervisor")
    page = author.page
    page.locator(f'#alerts-rows tr[data-alert="{drafted["id"]}"]').get_by_role("button").click()
    dialog = page.locator("#alert-dialog")
    # Then they are told they cannot decide it, and are offered no decision
    expect(dialog.locator(".own-alert")).to_have_text(re.compile("cannot approve or reject"))
    expect(dialog.get_by_role("button", name="Approve")).to_have_count(0)
    expect(dialog.get_by_role("button", name="Reject")).to_have_count(0)
    author.screenshot("alert-own", full_page=False)
    # and the API refuses them too
    refused = requests.post(
        f"{site.url}/v1/tenants/{TENANT}/alerts/{drafted['id']}/decision",
        json={"version": drafted["version"], "decision": "approve"},
        headers={"Authorization": f"Bearer {issue_staff_token(TENANT, 'supervisor')}"},
        timeout=30,
    )
    assert refused.status_code == 403
    # When an admin (someone else) rejects it without a reason
    admin = signed_in(open_page, site, "admin")
    page = admin.page
    page.locator(f'#alerts-rows tr[data-alert="{drafted["id"]}"]').get_by_role("button").click()
    dialog = page.locator("#alert-dialog")
    dialog.get_by_role("button", name="Reject").click()
    # Then the page asks for one and nothing changed
    expect(dialog.locator(".dialog-error")).to_contain_text("Say why the alert is rejected.")
    assert site.api("GET", f"/alerts/{drafted['id']}")["status"] == "draft"
    # When they give the reason
    dialog.locator("#alert-decision-note").fill("Send it through the municipality's channel instead.")
    dialog.get_by_role("button", name="Reject").click()
    # Then the alert is rejected with that reason, shown in the dialog and kept by the API
    expect(dialog.locator(".alert-status")).to_have_text("Rejected")
    expect(dialog.locator(".decision-note")).to_have_text("Send it through the municipality's channel instead.")
    stored = site.api("GET", f"/alerts/{drafted['id']}")
    assert (stored["status"], stored["decision_note"]) == (
        "rejected",
        "Send it through the municipality's channel instead.",
    )


def test_a_drawn_area_is_previewed_as_the_blocks_the_api_reaches(open_page: Any, site: Site) -> None:
    # Given the composer in "draw an area" mode
    watched = signed_in(open_page, site, "officer")
    page = watched.page
    page.check('input[name="alert-area-mode"][value="polygon"]')
    expect(page.locator("#alert-resolution-field")).to_be_hidden()
    # When the officer clicks three corners around the middle of the map
    box = page.locator("#alert-map").bounding_box()
    assert box
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    for dx, dy in ((-60, -40), (60, -40), (0, 60)):
        page.mouse.click(x + dx, y + dy)
    # Then the blocks inside are previewed, and the draft the API stores reaches exactly those blocks
    expect(page.locator("#alert-map")).to_have_attribute("data-corners", "3")
    previewed = int(page.locator("#alert-map").get_attribute("data-cells") or 0)
    assert previewed > 0
    classes = page.locator("#alert-map path.koban-chosen").evaluate_all("paths => paths.map(p => p.className.baseVal)")
    shown = {match.group(1) for name in classes if (match := re.search(r"cell-([0-9a-f]{15})", name))}
    assert len(shown) == previewed
    for language in ("nl", "en"):
        page.fill(f"#alert-title-{language}", "Fietsendiefstal / Bike theft")
        page.fill(f"#alert-body-{language}", "Zet uw fiets op slot. / Lock your bike.")
    page.click("#alert-preview-button")
    page.click("#alert-submit")
    dialog = page.locator("#alert-dialog")
    expect(dialog.locator(".alert-status")).to_have_text("Awaiting approval")
    stored = site.api("GET", f"/alerts/{dialog.get_attribute('data-alert')}")
    blocks = {block for cell in stored["cells"] for block in h3.cell_to_children(cell, 9)}  # the API compacts them
    assert blocks == shown
    watched.screenshot("alerts-polygon", full_page=False)


def test_the_composer_names_what_is_missing_before_anything_is_sent(open_page: Any, site: Site) -> None:
    # Given the composer with only the Dutch title filled in and no area
    watched = signed_in(open_page, site, "officer")
    page = watched.page
    posted: list[str] = []

    def record(request: Request) -> None:
        if request.method == "POST":
            posted.append(request.url)

    page.on("request", record)
    page.fill("#alert-title-nl", "Alleen een titel")
    page.fill("#alert-link", "http://example.org/not-https")
    # When they ask for a preview
    page.click("#alert-preview-button")
    # Then every missing text, the link and the area are named, the first field has the focus, and nothing was posted
    error = page.locator("#alert-form-error")
    expect(error).to_be_visible()
    for text in ("Dutch: a message is required.", "English: a title is required.", "https://", "Choose the area"):
        expect(error).to_contain_text(text)
    expect(page.locator("#alert-body-nl")).to_be_focused()
    expect(page.locator("#alert-preview")).to_be_hidden()
    assert posted == []


def test_the_outbox_pages_and_filters_by_channel(open_page: Any, site: Site) -> None:
    # Given 27 residents who asked for SMS alerts (each got a confirmation code by SMS)
    _, inside_block, _ = areas()
    before = sum(item["channel"] == "sms" for item in outbox(site))
    for n in range(27):
        site.api(
            "POST",
            "/subscriptions",
            role=None,
            json={
                "channel": "sms",
                "phone": f"+3161234{n:04d}",
                "language": "nl",
                "area": {"cells": [inside_block]},
                "consent": True,
            },
        )

    def sms_count() -> int:
        return sum(item["channel"] == "sms" for item in outbox(site))

    total = eventually(lambda: sms_count() >= before + 27 and sms_count())
    assert total == before + 27
    # When an officer opens the outbox and shows SMS only
    watched = signed_in(open_page, site, "officer", view="outbox")
    page = watched.page
    page.select_option("#outbox-channel", "sms")
    # Then a page of 25 SMS messages shows, numbers masked, and "Show more" brings the rest
    rows = page.locator("#outbox-rows tr[data-kind]")
    expect(rows).to_have_count(25)
    assert set(rows.evaluate_all("rows => rows.map(r => r.dataset.channel)")) == {"sms"}
    assert "+31612340001" not in page.content()
    assert "channel=sms" in page.url
    expect(page.locator("#outbox-more")).to_be_visible()
    watched.screenshot("outbox")
    page.click("#outbox-more")
    expect(rows).to_have_count(total)
    expect(page.locator("#outbox-status")).to_contain_text("That is all.")
    expect(page.locator("#outbox-more")).to_be_hidden()
    # When push is chosen instead, then nothing matches (no one subscribed by push here)
    page.select_option("#outbox-channel", "push")
    expect(page.locator("#outbox-rows .empty")).to_have_text("No messages match.")


def test_the_composer_follows_the_language_switch_and_keeps_what_was_typed(open_page: Any, site: Site) -> None:
    # Given an officer writing an alert in English
    watched = signed_in(open_page, site, "officer")
    page = watched.page
    page.fill("#alert-title-nl", "Inbraakgolf in de Jordaan")
    page.select_option("#alert-audience", "older_people")
    # When they switch the page to Dutch
    page.select_option("#language", "nl")
    # Then the composer speaks Dutch (the languages named in Dutch), and nothing typed or chosen is lost
    expect(page.locator('#views-nav a[data-view="alerts"]')).to_have_text("Waarschuwingen")
    expect(page.locator('.alert-language[data-language="en"] legend')).to_contain_text("Engels")
    expect(page.locator('.alert-language[data-language="nl"] legend')).to_contain_text("verplicht")
    expect(page.locator('label[for="alert-title-nl"]')).to_have_text("Titel")
    expect(page.locator("#alert-title-nl")).to_have_value("Inbraakgolf in de Jordaan")
    expect(page.locator("#alert-audience")).to_have_value("older_people")
    expect(page.locator("#alert-audience option:checked")).to_have_text("Ouderen")
    expect(page.locator("#alert-pick-centre")).to_have_text("Kies de cel in het midden van de kaart")
    watched.screenshot("alerts-nl")
