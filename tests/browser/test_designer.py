"""/designer/ in headless Chromium: an admin changes the app's name and colour and adds a question with a condition,
sees it in the live preview (the app itself, fed the draft), publishes it and the citizen app shows it, then rolls
back; a theme whose text falls below WCAG AA cannot be published and the findings are shown next to the field; a
supervisor sees the draft and the versions and changes nothing."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from koban_local.tokens import issue_staff_token
from tests.browser.conftest import BROWSER_GROUP, Site, Watched
from tests.browser.test_app import APP, app_api, open_app, published, restore_app_config, rgb

pytestmark = pytest.mark.xdist_group(BROWSER_GROUP)

__all__ = ["restore_app_config"]  # the fixture, shared with the app's tests

PURPLE = "#6a1b9a"
CONDITION = '{"==": [{"var": "answers.ongoing"}, true]}'


def live_version(site: Site) -> int:
    version: int = app_api(site, "GET", "/app-config/versions", role="admin", params={"limit": 1})["live_version"]
    return version


def open_designer(open_page: Any, site: Site, role: str) -> Watched:
    watched: Watched = open_page("en-GB")
    watched.page.goto(f"{site.url}/designer/#token={issue_staff_token(APP, role)}")
    expect(watched.page.locator("#draft-state")).to_contain_text("Revision")
    return watched


def field(page: Page, pointer: str, control: str = "input") -> Any:
    """The control bound to a JSON pointer of the document."""
    return page.locator(f'[data-pointer="{pointer}"] {control}').first


def test_an_admin_designs_publishes_and_the_app_shows_it_then_rolls_back(
    open_page: Any, site: Site, restore_app_config: None
) -> None:
    # Given the live app and the designer open for an admin, whose preview shows the draft in the default language
    before, version_before = published(site, "en"), live_version(site)
    watched = open_designer(open_page, site, "admin")
    page = watched.page
    preview = page.frame_locator("#preview")
    expect(preview.locator("#app-name")).to_have_text(published(site, "pt")["name"])
    # When the admin renames the app in English and makes its primary colour purple
    field(page, "/name/en").fill("KOBAN Lisboa Norte")
    field(page, "/theme/colours/primary", "input.hex").fill(PURPLE)
    # Then the preview follows as they type
    page.select_option("#preview-language", "en")
    expect(preview.locator("#app-name")).to_have_text("KOBAN Lisboa Norte")
    expect(preview.locator(".app-header")).to_have_css("background-color", rgb(PURPLE))
    expect(page.locator("#draft-state")).to_contain_text("unsaved changes")
    # When they switch the priorities module off, then the preview's home has no tile for it
    expect(preview.locator('a.tile[data-type="priorities"]')).to_have_count(1)
    page.locator('[data-module="priorities"] .module-head input[type=checkbox]').uncheck()
    expect(preview.locator('a.tile[data-type="priorities"]')).to_have_count(0)
    # When they add a yes/no question to night noise, shown only while the noise is going on
    page.locator('[data-module="report"] .module-body > summary').click()
    category = page.locator('[data-category="noise_night"]')
    category.locator("summary").first.click()
    category.get_by_role("button", name="Add question").click()
    question = category.locator(".question-editor").last
    question.locator('[data-pointer$="/code"] input').fill("window_seen")
    question.locator('[data-pointer$="/type"] select').select_option("boolean")
    question.locator('[data-pointer$="/label/en"] input').fill("Did you see which window?")
    question.locator('[data-pointer$="/label/pt"] input').fill("Viu de que janela?")
    condition = question.locator('[data-pointer$="/visible_if"] textarea')
    condition.fill(CONDITION[:-2])
    # Then a condition that is not JSON is named at once, and one that is, is taken
    expect(question.locator(".parse-error").first).to_contain_text("Not valid JSON")
    condition.fill(CONDITION)
    expect(question.locator(".parse-error").first).to_be_empty()
    expect(page.locator("#findings-state")).to_contain_text("No findings")
    watched.screenshot("designer-question", full_page=False)
    # and, once the preview has shown the draft with the condition, it asks the question only while the noise is
    # going on (a draft arriving later would render the form afresh)
    expect(page.locator("#preview")).to_have_attribute("aria-busy", "false")
    preview.locator('a.tile[data-type="report"]').click()
    preview.locator("#report-category").select_option("noise_night")
    asked = preview.locator('[data-question="window_seen"]')
    expect(asked).to_be_hidden()
    preview.locator("#q-ongoing input[value=true]").check()
    expect(asked).to_be_visible()
    watched.screenshot("designer")
    # When they publish with a note
    page.fill("#note", "Purple theme and a window question")
    page.click("#publish")
    # Then the draft is saved and published as the next version, listed first and live
    newest = page.locator("#versions li").first
    expect(newest).to_contain_text("Purple theme and a window question")
    expect(newest).to_have_attribute("data-version", str(version_before + 1))
    expect(newest.locator(".badge")).to_have_text("live")
    assert live_version(site) == version_before + 1
    assert "priorities" not in [module["type"] for module in published(site)["modules"]]
    # and the citizen app shows it: name, colour and the conditional question
    app = open_app(open_page, site, "report")
    expect(app.page.locator("#app-name")).to_have_text("KOBAN Lisboa Norte")
    expect(app.page.locator(".app-header")).to_have_css("background-color", rgb(PURPLE))
    app.page.select_option("#report-category", "noise_night")
    expect(app.page.locator('[data-question="window_seen"]')).to_be_hidden()
    app.page.check("#q-ongoing input[value=true]")
    expect(app.page.locator('[data-question="window_seen"] .label')).to_contain_text("Did you see which window?")
    app.screenshot("app-after-publication")
    # When the admin rolls back to the version before, then that content is live again, as a new version
    page.locator(f'#versions li[data-version="{version_before}"] button').click()
    expect(page.locator("#versions li").first).to_contain_text(f"rollback to version {version_before}")
    assert live_version(site) == version_before + 2
    app.page.reload()
    expect(app.page.locator("#app-name")).to_have_text(before["name"])
    expect(app.page.locator(".app-header")).to_have_css("background-color", rgb(before["theme"]["colours"]["primary"]))


def test_a_theme_with_poor_contrast_cannot_be_published_and_the_findings_are_shown_at_the_field(
    open_page: Any, site: Site, restore_app_config: None
) -> None:
    # Given the designer open for an admin
    version_before, text_before = live_version(site), published(site)["theme"]["colours"]["text"]
    watched = open_designer(open_page, site, "admin")
    page = watched.page
    # When the text colour becomes light grey on the white background
    field(page, "/theme/colours/text", "input.hex").fill("#bbbbbb")
    # Then the contrast list flags the pair at once, and the API's finding appears next to the field
    expect(page.locator('#contrast li[data-pair="text/background"]')).to_have_class(re.compile(r"\bbad\b"))
    finding = page.locator('[data-pointer="/theme/colours/text"] .finding')
    expect(finding).to_have_attribute("data-code", "contrast_too_low")
    expect(finding).to_contain_text("4.5:1")
    # When the admin tries to publish anyway
    watched.expect("HTTP 422")
    watched.expect("status of 422")
    page.click("#publish")
    # Then publishing is refused with every finding listed, and nothing changed for the apps
    expect(page.locator("#alert")).to_contain_text("contrast_too_low")
    listed = page.locator('#findings li[data-code="contrast_too_low"]')
    expect(listed).to_have_count(1)
    expect(page.locator("#findings-state")).to_contain_text("1 stopping publication")
    assert live_version(site) == version_before
    assert published(site)["theme"]["colours"]["text"] == text_before
    watched.screenshot("designer-contrast")
    # and the listed finding takes the keyboard to the field
    listed.get_by_role("button").click()
    expect(field(page, "/theme/colours/text")).to_be_focused()


def test_a_supervisor_signs_in_sees_the_draft_and_the_versions_and_changes_nothing(open_page: Any, site: Site) -> None:
    # Given a supervisor's token pasted into the sign-in form
    watched: Watched = open_page("en-GB")
    page = watched.page
    page.goto(f"{site.url}/designer/")
    page.fill("#token-input", issue_staff_token(APP, "supervisor"))
    page.get_by_role("button", name="Sign in").click()
    # Then the draft and the versions are shown, and nothing can be changed, saved, published or rolled back
    expect(page.locator("#draft-state")).to_contain_text("Revision")
    expect(field(page, "/name/en")).to_be_disabled()
    expect(field(page, "/theme/colours/primary", "input.hex")).to_be_disabled()
    expect(page.locator("#publish")).to_be_disabled()
    expect(page.locator("#save")).to_be_disabled()
    expect(page.locator("#versions li").first).to_be_visible()
    expect(page.locator("#versions button")).to_have_count(0)
    expect(page.locator("#who")).to_have_text("Supervisor")
