"""/app/{tenant}/ in headless Chromium: the citizen app renders the force's published configuration (revalidated
by its ETag), evaluates conditional questions with json-logic-js, keeps a report made without a network and sends it
once when the network returns (also when only the answer was lost: the same Idempotency-Key), lets an anonymous
reporter follow the report, answer the team and stop the messages, subscribes to web push with the force's VAPID
key, is installable and opens offline, and can be used from the keyboard."""

from __future__ import annotations

import io
import json
import re
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
from PIL import Image
from playwright.sync_api import FilePayload, Page, Response, Route, expect

from koban_local.tokens import issue_staff_token
from tests.browser.conftest import BROWSER_GROUP, Site, Watched
from tests.browser.test_alerts import CODE, eventually

pytestmark = pytest.mark.xdist_group(BROWSER_GROUP)

# The app's tests use a force of their own: what they report and publish must not move the seeded force's figures,
# which the dashboard's tests check.
APP = "pilot-pt"
OFFLINE = "ERR_INTERNET_DISCONNECTED"
PICKED = re.compile(r"^-?[0-9.]+,-?[0-9.]+$")


# ---------------------------------------------------------------------------------------------- the configuration


def app_api(site: Site, method: str, path: str, **kwargs: Any) -> Any:
    """The app's force's `path`, as Site.api gives the seeded force's."""
    return site.api(method, path, tenant=APP, **kwargs)


def app_outbox(site: Site) -> list[dict[str, Any]]:
    """The newest hundred messages the outbox kept for the app's force (more than its tests make)."""
    items: list[dict[str, Any]] = app_api(site, "GET", "/notifications/outbox", params={"limit": 100})["items"]
    return items


def published(site: Site, locale: str = "en") -> dict[str, Any]:
    """What the app receives: GET …/app-config for the web in `locale`."""
    config: dict[str, Any] = app_api(
        site, "GET", "/app-config", role=None, params={"platform": "web", "locale": locale}
    )
    return config


def put_draft(site: Site, document: dict[str, Any], if_match: str = "*") -> dict[str, Any]:
    reply = requests.put(
        f"{site.url}/v1/tenants/{APP}/app-config/draft",
        json=document,
        headers={"Authorization": f"Bearer {issue_staff_token(APP, 'admin')}", "If-Match": if_match},
        timeout=30,
    )
    assert reply.ok, reply.text
    draft: dict[str, Any] = reply.json()
    return draft


def publish_changed(site: Site, change: Callable[[dict[str, Any]], None], note: str) -> int:
    """Change the draft with `change`, save it and publish it; the new live version."""
    draft = app_api(site, "GET", "/app-config/draft", role="admin")
    document = draft["document"]
    change(document)
    put_draft(site, document, f'"r{draft["revision"]}"')
    publication = app_api(site, "POST", "/app-config/publish", role="admin", json={"note": note})
    assert publication["published"], publication
    version: int = publication["version"]["version"]
    return version


@pytest.fixture
def restore_app_config(site: Site) -> Iterator[None]:
    """Tests that publish leave the live version and the draft as they found them (the others expect those)."""

    def live() -> tuple[int, dict[str, Any]]:
        version = app_api(site, "GET", "/app-config/versions", role="admin", params={"limit": 1})["live_version"]
        return version, app_api(site, "GET", f"/app-config/versions/{version}", role="admin")["document"]

    version, document = live()
    yield
    if live()[1] != document:  # (a test that rolled back itself may have made it live again already)
        restore = {"version": version, "note": "browser test restores"}
        app_api(site, "POST", "/app-config/rollback", role="admin", json=restore)
    put_draft(site, document)


def report_module(document: dict[str, Any]) -> dict[str, Any]:
    module: dict[str, Any] = next(module for module in document["modules"] if module["type"] == "report")
    return module


def noise_category(document: dict[str, Any]) -> dict[str, Any]:
    category: dict[str, Any] = next(
        c for c in report_module(document)["settings"]["categories"] if c["code"] == "noise_night"
    )
    return category


# ---------------------------------------------------------------------------------------------- helpers


def open_app(open_page: Any, site: Site, path: str = "", locale: str = "en-GB") -> Watched:
    watched: Watched = open_page(locale)
    watched.page.goto(f"{site.url}/app/{APP}/{path}")
    expect(watched.page.locator("#view-title")).to_be_visible()
    return watched


def fill_noise_report(page: Page, description: str) -> None:
    """A night-noise report with the taxonomy's required answers and the map's centre as the place."""
    page.select_option("#report-category", "noise_night")
    page.fill("#report-description", description)
    choose(page, "noise_source", "music")
    choose(page, "ongoing", "false")
    page.click("#report-place-centre")
    expect(page.locator("#report-place-map")).to_have_attribute("data-picked", PICKED)


def choose(page: Page, question: str, option: str) -> None:
    """Answer a choice or yes/no question of the report form (`q-` ids), or of another form by its full id."""
    control = question if question.startswith("survey-") else f"q-{question}"
    page.check(f'#{control} input[value="{option}"]')


def reports_with(site: Site, marker: str) -> list[dict[str, Any]]:
    """The staff queue's reports whose text starts with `marker` (newest first, the first 100)."""
    queue = app_api(site, "GET", "/reports", params={"category": "noise_night", "limit": 100})
    return [item for item in queue["items"] if item["excerpt"].startswith(marker)]


def photo() -> bytes:
    """A small PNG, as a phone's camera roll would give one."""
    image = Image.new("RGB", (64, 48), (200, 60, 40))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def marker() -> str:
    return f"app-{uuid.uuid4().hex[:10]}"


def tracking_code(page: Page) -> tuple[str, str]:
    """(report id, tracking token) from the receipt the app shows."""
    report_id, _, token = page.locator("#tracking-code").inner_text().strip().partition(".")
    return report_id, token


def confirmation_code(site: Site, subscription_id: str) -> str:
    """The six digits the outbox kept for a subscription's double opt-in."""

    def found() -> str | None:
        for item in app_outbox(site):
            match = CODE.search(item["text"]) if item["subscription_id"] == subscription_id else None
            if match and item["kind"] == "confirmation":
                return match.group(1)
        return None

    code = eventually(found)
    assert code, "no confirmation code reached the outbox"
    return str(code)


# ---------------------------------------------------------------------------------------------- tests


def test_the_app_renders_the_published_configuration_and_revalidates_it(open_page: Any, site: Site) -> None:
    # Given what the API delivers to the web in English and in Portuguese
    english, portuguese = published(site, "en"), published(site, "pt")
    # When a resident opens the app
    watched: Watched = open_page("en-GB")
    page = watched.page
    answers: list[Response] = []
    page.on("response", lambda response: answers.append(response) if "/app-config" in response.url else None)
    page.goto(f"{site.url}/app/{APP}/")
    # Then it shows the force's name, the 112 button and one tile per enabled module but the 112 one, in order
    expect(page.locator("#app-name")).to_have_text(english["name"])
    emergency = next(module for module in english["modules"] if module["type"] == "emergency")
    expect(page.locator("#emergency-call")).to_have_attribute("href", f"tel:{emergency['settings']['number']}")
    expect(page.locator("#emergency-call")).to_have_text(emergency["settings"]["label"])
    tiles = [module["title"] for module in english["modules"] if module["type"] != "emergency"]
    expect(page.locator("#modules .tile-title")).to_have_text(tiles)
    # and draws with the theme's colours
    primary = page.evaluate("() => getComputedStyle(document.documentElement).getPropertyValue('--app-primary')")
    assert primary.strip() == english["theme"]["colours"]["primary"]
    assert page.evaluate("() => getComputedStyle(document.querySelector('.app-header')).backgroundColor") == rgb(
        english["theme"]["colours"]["primary"]
    )
    expect(page.locator("body")).to_have_attribute("data-config-source", "network")
    watched.screenshot("app-home")
    # When it is opened again, then it asks with the ETag it kept and the API answers 304 Not Modified
    page.reload()
    expect(page.locator("body")).to_have_attribute("data-config-source", "revalidated")
    assert [answer.status for answer in answers] == [200, 304]
    assert answers[1].request.headers["if-none-match"] == answers[0].headers["etag"]
    # When the resident switches to Portuguese, then the app shows the Portuguese configuration
    page.locator("#settings summary").click()
    page.select_option("#language", "pt")
    expect(page.locator("#modules .tile-title")).to_have_text(
        [module["title"] for module in portuguese["modules"] if module["type"] != "emergency"]
    )
    expect(page.locator("html")).to_have_attribute("lang", "pt")
    watched.screenshot("app-home-pt")
    # When the resident asks for high contrast and larger text (the force offers them), then the app follows,
    # and keeps the choice on this device
    assert portuguese["accessibility"]["offer_high_contrast"]
    page.check("#high-contrast")
    expect(page.locator(".app-header")).to_have_css("background-color", rgb("#ffeb3b"))
    expect(page.locator("body")).to_have_css("background-color", rgb("#000000"))
    page.locator("#text-size").fill("1.5")
    expect(page.locator("html")).to_have_css("font-size", "24px")
    watched.screenshot("app-high-contrast")
    page.reload()
    expect(page.locator(".app-header")).to_have_css("background-color", rgb("#ffeb3b"))


def rgb(hex_colour: str) -> str:
    red, green, blue = (int(hex_colour[index : index + 2], 16) for index in (1, 3, 5))
    return f"rgb({red}, {green}, {blue})"


def test_a_conditional_question_appears_only_while_its_rule_holds_and_hidden_answers_are_not_sent(
    open_page: Any, site: Site, restore_app_config: None
) -> None:
    # Given a published app whose night-noise form asks two questions of its own, the second only after the first:
    # "do you know the address?" only for a party, "which address?" only after a yes (and required while ongoing)
    def add_questions(document: dict[str, Any]) -> None:
        noise_category(document)["questions"] = [
            {
                "code": "address_known",
                "type": "boolean",
                "label": {"en": "Do you know the address of the party?", "pt": "Sabe a morada da festa?"},
                "visible_if": {"==": [{"var": "answers.noise_source"}, "party"]},
            },
            {
                "code": "party_address",
                "type": "string",
                "label": {"en": "Which address?", "pt": "Que morada?"},
                "visible_if": {"==": [{"var": "answers.address_known"}, True]},
                "required_if": {"==": [{"var": "answers.ongoing"}, True]},
            },
        ]

    publish_changed(site, add_questions, "browser test: conditional questions")
    watched = open_app(open_page, site, "report")
    page = watched.page
    known, address = page.locator('[data-question="address_known"]'), page.locator('[data-question="party_address"]')
    # When the resident chooses night noise, then neither question is shown
    page.select_option("#report-category", "noise_night")
    page.fill("#report-description", f"{marker()} A party with loud music next door")
    expect(known).to_be_hidden()
    expect(address).to_be_hidden()
    # When the source is music, then still not; when it is a party, then the first one appears
    choose(page, "noise_source", "music")
    expect(known).to_be_hidden()
    choose(page, "noise_source", "party")
    expect(known).to_be_visible()
    expect(address).to_be_hidden()
    # When they know the address, then the second appears: optional while the noise is not going on, then required
    choose(page, "address_known", "true")
    expect(address).to_be_visible()
    choose(page, "ongoing", "false")
    expect(address.locator(".required-mark")).to_have_text("(Optional)")
    choose(page, "ongoing", "true")
    expect(address.locator(".required-mark")).to_have_text("(Required)")
    watched.screenshot("app-conditional")
    # When the source is music again, then both go: the hidden yes no longer shows the address question
    choose(page, "noise_source", "music")
    expect(known).to_be_hidden()
    expect(address).to_be_hidden()
    # When it is a party again and the required address is left empty, then the app asks for it
    choose(page, "noise_source", "party")
    expect(address).to_be_visible()
    page.click("#report-place-centre")
    page.click("#report-submit")
    expect(address.locator(".field-error")).to_be_visible()
    expect(page.locator("#q-party_address")).to_be_focused()
    # When it is given, then the report carries both answers
    page.fill("#q-party_address", "Dijkstraat 12")
    page.click("#report-submit")
    report_id, _ = tracking_code(page)
    answers = app_api(site, "GET", f"/reports/{report_id}")["answers"]
    assert answers == {
        "noise_source": "party",
        "ongoing": True,
        "address_known": True,
        "party_address": "Dijkstraat 12",
    }
    # When another report answers the questions and then hides them, then the hidden answers are not sent
    page.goto(f"{site.url}/app/{APP}/report")
    page.select_option("#report-category", "noise_night")
    page.fill("#report-description", f"{marker()} Music again")
    choose(page, "noise_source", "party")
    choose(page, "address_known", "true")
    page.fill("#q-party_address", "Dijkstraat 14")
    choose(page, "ongoing", "false")
    choose(page, "noise_source", "music")
    page.click("#report-place-centre")
    page.click("#report-submit")
    report_id, _ = tracking_code(page)
    assert app_api(site, "GET", f"/reports/{report_id}")["answers"] == {"noise_source": "music", "ongoing": False}


def test_a_report_made_offline_is_kept_on_the_device_and_arrives_once_when_the_network_returns(
    open_page: Any, site: Site
) -> None:
    # Given the app open on a device (its service worker keeps the shell)
    watched = open_app(open_page, site, "report")
    page = watched.page
    expect(page.locator("body")).to_have_attribute("data-installable", "true")
    text = f"{marker()} Loud music from the flat above the bakery"
    fill_noise_report(page, text)
    page.set_input_files("#report-photos", files=FilePayload(name="door.png", mimeType="image/png", buffer=photo()))
    expect(page.locator("#report-photo-list li")).to_have_count(1)
    # When the network is gone and the resident sends the report (with its photo)
    watched.expect(OFFLINE)
    watched.expect("request failed: POST")
    page.context.set_offline(True)
    page.click("#report-submit")
    # Then the app says it is kept on the device and will be sent, and the API has nothing yet
    expect(page.locator("#queued-title")).to_be_visible()
    expect(page.locator("#connection")).to_be_visible()
    assert reports_with(site, text[:14]) == []
    watched.screenshot("app-offline-queued")
    # and, still offline, the app opens from its kept shell and lists the report as not sent yet
    page.goto(f"{site.url}/app/{APP}/tracking")
    expect(page.locator("#waiting li")).to_have_count(1)
    expect(page.locator("#waiting li")).to_have_attribute("data-state", "queued")
    expect(page.locator("body")).to_have_attribute("data-config-source", "offline")
    # When the network returns, then the report is sent and the app says so
    page.context.set_offline(False)
    expect(page.locator(".toast").last).to_contain_text("has been sent")
    # and the API has it exactly once, with its photo, also after the app starts again (and retries what is left)
    stored = eventually(lambda: reports_with(site, text[:14]), timeout=20)
    assert len(stored) == 1
    assert len(app_api(site, "GET", f"/reports/{stored[0]['id']}")["attachments"]) == 1
    page.reload()
    expect(page.locator("#my-reports a")).to_have_count(1)
    expect(page.locator("#waiting")).to_be_hidden()
    assert len(reports_with(site, text[:14])) == 1


def test_a_report_whose_answer_was_lost_is_sent_again_with_the_same_key_and_stored_once(
    open_page: Any, site: Site
) -> None:
    # Given a connection that delivers the first report to the API but loses the API's answer
    watched = open_app(open_page, site, "report")
    page = watched.page
    keys: list[str] = []

    def lose_the_first_answer(route: Route) -> None:
        keys.append(route.request.headers["idempotency-key"])
        if len(keys) == 1:
            route.fetch()  # the API stores the report...
            route.abort("connectionreset")  # ...and its answer never arrives
        else:
            route.continue_()

    page.route("**/v1/tenants/*/reports", lose_the_first_answer)
    watched.expect("request failed: POST")
    watched.expect("ERR_CONNECTION_RESET")
    text = f"{marker()} Shouting in the street every night"
    fill_noise_report(page, text)
    # When the resident sends it, then the app keeps it (it cannot know the API has it)
    page.click("#report-submit")
    expect(page.locator("#queued-title")).to_be_visible()
    assert len(reports_with(site, text[:14])) == 1
    # When the connection is back, then the app sends it again with the same Idempotency-Key
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    expect(page.locator(".toast").last).to_contain_text("has been sent")
    assert len(keys) == 2
    assert keys[0] == keys[1]
    # and the API stored it once, and gave the app the receipt of that one report
    stored = reports_with(site, text[:14])
    assert len(stored) == 1
    page.goto(f"{site.url}/app/{APP}/tracking")
    expect(page.locator(f'#my-reports a[data-report="{stored[0]["id"]}"]')).to_be_visible()


def test_an_anonymous_reporter_follows_the_report_answers_the_team_and_stops_the_messages(
    open_page: Any, site: Site
) -> None:
    # Given a report sent from the app, anonymously
    watched = open_app(open_page, site, "report")
    page = watched.page
    fill_noise_report(page, f"{marker()} Music until 4 am, again")
    page.click("#report-submit")
    report_id, token = tracking_code(page)
    watched.screenshot("app-report-sent")
    # When the reporter follows it by e-mail, with consent, and enters the code that was sent
    page.get_by_role("link", name="Follow this report").click()
    expect(page.locator("#report-status-label")).to_have_text(reporter_view(site, report_id, token)["status_label"])
    page.fill("#follow-email", "resident@example.org")
    page.click("#follow-form button[type=submit]")
    expect(page.locator("#follow-consent-error")).to_be_visible()  # consent is never assumed
    page.check("#follow-consent")
    page.click("#follow-form button[type=submit]")
    pending = page.locator("#subscriptions li[data-status=pending]")
    expect(pending).to_contain_text("r***@example.org")
    subscription_id = str(pending.get_attribute("data-subscription"))
    page.fill(f"#confirm-{subscription_id}-code", confirmation_code(site, subscription_id))
    page.locator(f"#confirm-{subscription_id}-confirm button").click()
    # Then the subscription is active
    expect(page.locator(f'#subscriptions li[data-subscription="{subscription_id}"]')).to_have_attribute(
        "data-status", "active"
    )
    # When an officer moves the report on with a note and asks a question in the private thread
    app_api(site, "PATCH", f"/reports/{report_id}", json={"status": "verifying", "note": "We are looking into it."})
    app_api(site, "POST", f"/reports/{report_id}/messages", json={"text": "Which floor does the music come from?"})
    # Then the reporter sees the new status, the note and the question
    page.reload()
    expect(page.locator("#report-status-label")).to_have_text(reporter_view(site, report_id, token)["status_label"])
    expect(page.locator("#notes")).to_contain_text("We are looking into it.")
    expect(page.locator("#thread .from-staff")).to_contain_text("Which floor does the music come from?")
    # When the reporter answers, then the team reads the answer
    page.fill("#thread-answer", "The second floor, the flat on the left.")
    page.click("#thread-form button[type=submit]")
    expect(page.locator("#thread .from-reporter")).to_contain_text("The second floor")
    staff = app_api(site, "GET", f"/reports/{report_id}/messages")["items"]
    assert [(item["author"], item["text"]) for item in staff][-1] == (
        "reporter",
        "The second floor, the flat on the left.",
    )
    # and what was sent to the reporter about it is listed (the status change reached the outbox)
    assert eventually(lambda: any(item["kind"] == "report_update" for item in sent_about(site, report_id, token)))
    page.reload()
    expect(page.locator('#sent li[data-kind="report_update"]')).to_have_count(1)
    watched.screenshot("app-tracking")
    # When the reporter stops the messages, then the subscription is gone
    page.locator(f'#subscriptions li[data-subscription="{subscription_id}"] button', has_text="Stop").click()
    expect(page.locator(f'#subscriptions li[data-subscription="{subscription_id}"]')).to_have_count(0)
    listed = requests.get(
        f"{site.url}/v1/tenants/{APP}/reports/{report_id}/subscriptions",
        headers={"X-Tracking-Token": token},
        timeout=30,
    ).json()["items"]
    assert subscription_id not in [item["id"] for item in listed]


def reporter_view(site: Site, report_id: str, token: str) -> dict[str, Any]:
    reply = requests.get(
        f"{site.url}/v1/tenants/{APP}/reports/{report_id}",
        headers={"X-Tracking-Token": token, "Accept-Language": "en"},
        timeout=30,
    )
    assert reply.ok, reply.text
    view: dict[str, Any] = reply.json()
    return view


def sent_about(site: Site, report_id: str, token: str) -> list[dict[str, Any]]:
    reply = requests.get(
        f"{site.url}/v1/tenants/{APP}/reports/{report_id}/notifications",
        headers={"X-Tracking-Token": token},
        timeout=30,
    )
    assert reply.ok, reply.text
    items: list[dict[str, Any]] = reply.json()["items"]
    return items


# The browser's push service, replaced at its boundary (see the test below): PushManager.subscribe records the key
# it is given and answers a subscription of its own making, with a real P-256 key and an FCM-style endpoint.
PUSH_SERVICE_STAND_IN = """
(() => {
  const b64 = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes)))
    .replace(/\\+/g, "-").replace(/\\//g, "_").replace(/=+$/, "");
  let current = null;
  window.__kobanPushKeys = [];
  PushManager.prototype.getSubscription = async function () { return current; };
  PushManager.prototype.subscribe = async function (options) {
    window.__kobanPushKeys.push(b64(options.applicationServerKey));
    const pair = await crypto.subtle.generateKey({ name: "ECDH", namedCurve: "P-256" }, true, ["deriveBits"]);
    const p256dh = b64(await crypto.subtle.exportKey("raw", pair.publicKey));
    const auth = b64(crypto.getRandomValues(new Uint8Array(16)));
    const id = b64(crypto.getRandomValues(new Uint8Array(12)));
    const endpoint = "https://fcm.googleapis.com/fcm/send/koban-test-" + id;
    current = {
      endpoint,
      options: { applicationServerKey: options.applicationServerKey },
      toJSON: () => ({ endpoint, expirationTime: null, keys: { p256dh, auth } }),
      unsubscribe: async () => { current = null; return true; },
    };
    return current;
  };
})();
"""


def test_web_push_the_app_subscribes_with_the_forces_key_and_its_worker_shows_what_arrives(
    open_page: Any, site: Site
) -> None:
    """Headless Chromium here cannot subscribe at a real push service (the machine's network is closed, and
    `pushManager.subscribe` answers "Registration failed - permission denied"). So the push service is replaced
    where it meets the browser: `PushManager.subscribe` by the stand-in above, and the push itself is handed to the
    app's service worker by the DevTools protocol (`ServiceWorker.deliverPushMessage`) with the payload the API's
    web push adapter sends. Real: the permission, the service worker, the VAPID key fetched from the API and given
    to the browser, the subscription request to our API, the notification the worker shows and its receipt."""
    # Given a report of the resident, and a browser that may show notifications
    created = app_api(
        site,
        "POST",
        "/reports",
        role=None,
        json={
            "category": "noise_night",
            "description": f"{marker()} Barking dog all night",
            "location": centre(site),
            "answers": {"noise_source": "other", "ongoing": True},
        },
    )
    watched: Watched = open_page("en-GB")
    page = watched.page
    page.context.grant_permissions(["notifications"], origin=site.url)
    page.add_init_script(PUSH_SERVICE_STAND_IN)
    page.goto(f"{site.url}/app/{APP}/tracking")
    expect(page.locator("body")).to_have_attribute("data-installable", "true")
    page.fill("#tracking-code-input", f"{created['id']}.{created['tracking_token']}")
    page.click("#tracking-form button[type=submit]")
    # When the resident asks for notifications on this device, with consent
    sent: list[Any] = []
    page.on("request", lambda request: sent.append(request) if request.url.endswith("/subscriptions") else None)
    page.check("#follow-channel input[value=push]")
    page.check("#follow-consent")
    page.click("#follow-form button[type=submit]")
    # Then the browser was given the force's VAPID key, and the API holds an active push subscription
    active = page.locator("#subscriptions li[data-status=active]")
    expect(active).to_contain_text("web push via fcm.googleapis.com")
    key = app_api(site, "GET", "/notifications/push-key", role=None)["public_key"]
    assert page.evaluate("() => window.__kobanPushKeys") == [key]
    body = json.loads(sent[0].post_data or "{}")
    assert body["channel"] == "push"
    assert body["consent"] is True
    assert body["language"] == "en"
    assert body["push"]["endpoint"].startswith("https://fcm.googleapis.com/")
    assert set(body["push"]["keys"]) == {
        "p256dh",
        "auth",
    }
    subscription_id = str(active.get_attribute("data-subscription"))
    # When the officer moves the report on, then a push message for this subscription is sent (to the outbox)
    app_api(
        site, "PATCH", f"/reports/{created['id']}", json={"status": "verifying", "note": "A patrol will pass tonight."}
    )

    def pushed() -> dict[str, Any] | None:
        return next(
            (
                item
                for item in app_outbox(site)
                if item["subscription_id"] == subscription_id and item["channel"] == "push"
            ),
            None,
        )

    message = eventually(pushed)
    assert message
    assert message["kind"] == "report_update"
    # When the push service delivers it to the app's worker, then the worker shows it and sends its receipt
    with page.context.expect_event("response", lambda answer: answer.url.endswith("/receipts")) as delivered:
        deliver_push(page, site, message)
    shown = eventually(lambda: page.evaluate(SHOWN_NOTIFICATIONS), timeout=20)
    assert shown == [[message["subject"], message["text"], message["url"]]]
    receipt = delivered.value
    assert json.loads(receipt.request.post_data or "{}") == {"receipt": message["receipt"], "event": "delivered"}
    # (accepted, not counted again: the outbox counts its messages as delivered when it keeps them)
    assert receipt.status == 200
    assert receipt.json() == {"counted": False}
    # When the resident opens the message's link, then the app opens the report and counts it opened, once
    fragment = message["url"].partition("#")[2]
    with page.expect_response(lambda answer: answer.url.endswith("/receipts")) as opened:
        page.goto(f"{site.url}/app/{APP}/#{fragment}")
    expect(page.locator("#report-status-label")).to_have_text(
        reporter_view(site, created["id"], created["tracking_token"])["status_label"]
    )
    assert json.loads(opened.value.request.post_data or "{}") == {"receipt": message["receipt"], "event": "opened"}
    assert opened.value.json() == {"counted": True}


SHOWN_NOTIFICATIONS = """async () => {
  const registration = await navigator.serviceWorker.ready;
  return (await registration.getNotifications()).map((n) => [n.title, n.body, n.data.url]);
}"""


def deliver_push(page: Page, site: Site, message: dict[str, Any]) -> None:
    """Hand the app's service worker the payload the web push adapter would send for `message`."""
    cdp = page.context.new_cdp_session(page)
    registrations: list[dict[str, Any]] = []
    cdp.on("ServiceWorker.workerRegistrationUpdated", lambda event: registrations.extend(event["registrations"]))
    cdp.send("ServiceWorker.enable")
    for _ in range(100):  # the events arrive while Playwright waits
        if registrations:
            break
        page.wait_for_timeout(100)
    registration = next(item for item in registrations if item["scopeURL"] == f"{site.url}/app/")
    payload = {
        "title": message["subject"],
        "body": message["text"],
        "url": message["url"],
        "receipt": message["receipt"],
        "kind": message["kind"],
        "tag": f"report-{message['report_id']}",
    }
    cdp.send(
        "ServiceWorker.deliverPushMessage",
        {"origin": site.url, "registrationId": registration["registrationId"], "data": json.dumps(payload)},
    )


def centre(site: Site) -> dict[str, float]:
    tenant = app_api(site, "GET", "", role=None)
    lat, lon = tenant["area"]["centre"]
    return {"lat": lat, "lon": lon}


def test_the_app_is_installable_with_a_manifest_from_its_theme_and_opens_without_a_network(
    open_page: Any, site: Site
) -> None:
    # Given the app opened once on a device
    config = published(site, "en")
    watched = open_app(open_page, site)
    page = watched.page
    expect(page.locator("body")).to_have_attribute("data-installable", "true")
    # Then its manifest is made from the theme and served from the app's own origin, with its icons
    manifest = page.evaluate("async () => (await fetch(document.querySelector('link[rel=manifest]').href)).json()")
    assert manifest["name"] == config["name"]
    assert manifest["short_name"] == config["short_name"]
    assert manifest["theme_color"] == config["theme"]["colours"]["primary"]
    assert manifest["start_url"] == manifest["scope"] == f"/app/{APP}/"
    assert {icon["sizes"] for icon in manifest["icons"]} >= {"192x192", "512x512"}
    sizes = page.evaluate(
        """async (icons) => Promise.all(icons.map(async (icon) => {
             const bitmap = await createImageBitmap(await (await fetch(icon.src)).blob());
             return `${bitmap.width}x${bitmap.height}`;
           }))""",
        manifest["icons"],
    )
    assert sizes == [icon["sizes"] for icon in manifest["icons"]]
    # and Chromium reads the manifest without an error and finds nothing that stops installing the app (but that a
    # Playwright context is an incognito profile, where nothing can be installed)
    cdp = page.context.new_cdp_session(page)
    parsed = cdp.send("Page.getAppManifest")
    assert parsed["errors"] == []
    assert parsed["url"].startswith(f"{site.url}/app/{APP}/manifest.webmanifest")
    errors = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
    assert [error["errorId"] for error in errors] == ["in-incognito"]
    # When the device has no network and the app is opened again, then it opens from what it kept
    watched.expect(OFFLINE)
    page.context.set_offline(True)
    page.reload()
    expect(page.locator("#app-name")).to_have_text(config["name"])
    expect(page.locator("#connection")).to_contain_text(config["strings"]["app.offline"])
    expect(page.locator("body")).to_have_attribute("data-config-source", "offline")
    watched.screenshot("app-offline")
    # When the network is back, then the app finds out by itself (this page may never get an `online` event)
    page.context.set_offline(False)
    expect(page.locator("#connection")).to_be_hidden(timeout=30_000)


def test_the_assistant_shows_an_emergency_first_and_turns_a_matter_into_a_prefilled_report(
    open_page: Any, site: Site
) -> None:
    # Given the assistant in the app
    watched = open_app(open_page, site, "assistant")
    page = watched.page
    # When the resident describes a nuisance, then the answer offers a report of the matching category
    page.fill("#chat-input", "My neighbours play loud music every night until 3 am")
    page.click("#chat-send")
    offer = page.locator("#chat-report")
    expect(offer).to_be_visible()
    # When they describe an emergency, then the answer says so first, with the button that calls 112
    page.fill("#chat-input", "Someone is breaking into the house next door right now!")
    page.press("#chat-input", "Enter")
    emergency = page.locator("#chat-emergency")
    expect(emergency).to_be_visible()
    expect(emergency.get_by_role("link")).to_have_attribute("href", "tel:112")
    watched.screenshot("app-assistant")
    # When they take the offer, then the report form opens with its category and their words
    offer.click()
    expect(page.locator("#report-category")).to_have_value("noise_night")
    expect(page.locator("#report-description")).to_have_value("My neighbours play loud music every night until 3 am")


def test_a_resident_subscribes_to_alerts_around_a_place_and_confirms_the_code(open_page: Any, site: Site) -> None:
    # Given the area alerts of the app
    watched = open_app(open_page, site, "area_alerts")
    page = watched.page
    # When the device's location is far outside the force's area, then the app says so and keeps no place
    page.context.grant_permissions(["geolocation"], origin=site.url)
    page.context.set_geolocation({"latitude": 60.17, "longitude": 24.94})
    page.click("#alert-place-locate")
    expect(page.locator("#alert-place-error")).to_be_visible()
    expect(page.locator("#alert-place-map")).not_to_have_attribute("data-picked", PICKED)
    # When it is in the area, then the place is the device's
    lat, lon = centre(site).values()
    page.context.set_geolocation({"latitude": lat, "longitude": lon})
    page.click("#alert-place-locate")
    expect(page.locator("#alert-place-map")).to_have_attribute("data-picked", f"{lat:.5f},{lon:.5f}")
    # When the resident chooses a group, SMS and consents
    page.check('#alert-audiences input[value="older_people"]')
    page.check("#alert-channel input[value=sms]")
    page.fill("#alert-phone", "+31 6 1234 5678")
    page.check("#alert-consent")
    sent: list[Any] = []
    page.on("request", lambda request: sent.append(request) if request.url.endswith("/subscriptions") else None)
    page.click("#alert-submit")
    # Then the app asks for the code sent by SMS, and the request named the circle around the place
    expect(page.locator("#alert-confirm")).to_be_visible()
    body = json.loads(sent[0].post_data or "{}")
    assert body["phone"] == "+31612345678"
    assert body["audiences"] == ["older_people"]
    assert body["consent"] is True
    ring = body["area"]["polygon"]["coordinates"][0]
    assert ring[0] == ring[-1]
    assert len(ring) == 25
    # When the code is entered, then the subscription is active
    subscription_id = str(page.locator("#alert-confirm").get_attribute("data-subscription"))
    page.fill("#alert-code", confirmation_code(site, subscription_id))
    page.locator("#alert-confirm button").click()
    expect(page.locator("#alert-done")).to_be_visible()
    watched.screenshot("app-alerts")


def test_the_report_form_has_a_label_for_every_control_and_works_from_the_keyboard(open_page: Any, site: Site) -> None:
    # Given the report form
    watched = open_app(open_page, site, "report")
    page = watched.page
    page.select_option("#report-category", "noise_night")
    # Then every control has an accessible name
    unnamed = page.evaluate(
        """() => [...document.querySelectorAll('#main input, #main select, #main textarea, #main button')]
             .filter((el) => !el.closest('[hidden]'))
             .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
                             && !el.getAttribute('aria-labelledby') && !el.textContent.trim())
             .map((el) => el.outerHTML.slice(0, 80))"""
    )
    assert unnamed == []
    # and the theme's text is drawn with at least WCAG AA contrast where it matters
    for selector in ["#view-title", "#report-submit", ".emergency-call", ".back a", "label[for=report-description]"]:
        assert contrast_of(page, selector) >= 4.5, selector
    # When the resident goes through the form with the keyboard alone, then they reach and use every part
    page.focus("#report-category")
    page.keyboard.press("Tab")
    expect(page.locator("#report-description")).to_be_focused()
    page.keyboard.type(f"{marker()} Reported from the keyboard")
    page.focus("#q-noise_source input[value=music]")
    page.keyboard.press("Space")
    page.focus("#q-ongoing input[value=true]")
    page.keyboard.press("Space")
    page.focus("#report-place-map")
    page.keyboard.press("ArrowDown")  # the map pans
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Zoom in")).to_be_focused()  # the map's own controls come next
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Zoom out")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.locator("#report-place-locate")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.locator("#report-place-centre")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#report-place-map")).to_have_attribute("data-picked", PICKED)
    page.focus("#report-submit")
    page.keyboard.press("Enter")
    expect(page.locator("#receipt-title")).to_be_focused()


def contrast_of(page: Page, selector: str) -> float:
    """The WCAG contrast of an element's text colour on the first opaque background behind it."""
    ratio: float = page.evaluate(
        """(selector) => {
          const parse = (c) => c.match(/[0-9.]+/g).map(Number);
          const lum = ([r, g, b]) => [r, g, b].map((v) => v / 255)
            .map((v) => (v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4))
            .reduce((sum, v, i) => sum + v * [0.2126, 0.7152, 0.0722][i], 0);
          let el = document.querySelector(selector);
          const fg = parse(getComputedStyle(el).color);
          let bg = null;
          for (; el && !bg; el = el.parentElement) {
            const c = parse(getComputedStyle(el).backgroundColor);
            if (c.length === 3 || c[3] === 1) bg = c;
          }
          bg ??= [255, 255, 255];
          const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
          return (a + 0.05) / (b + 0.05);
        }""",
        selector,
    )
    return ratio


def test_the_survey_asks_its_follow_up_questions_only_when_they_apply_and_says_it_cannot_send_yet(
    open_page: Any, site: Site
) -> None:
    # Given the force's survey (the default one: satisfaction only after a report, "what to do better" only when
    # unsatisfied)
    watched = open_app(open_page, site, "survey")
    page = watched.page
    satisfied, improve = page.locator('[data-question="satisfied"]'), page.locator('[data-question="improve"]')
    expect(satisfied).to_be_hidden()
    # When the resident says they reported something, then the satisfaction question appears, required, as a scale
    choose(page, "survey-reported", "true")
    expect(satisfied).to_be_visible()
    expect(satisfied.locator(".required-mark")).to_have_text("(Required)")
    expect(satisfied.locator("input[type=radio]")).to_have_count(5)
    # When they are unsatisfied, then they are asked what to do better; when satisfied, not
    choose(page, "survey-satisfied", "2")
    expect(improve).to_be_visible()
    choose(page, "survey-satisfied", "4")
    expect(improve).to_be_hidden()
    # and the app says plainly that answers cannot be sent yet (the API has no route for them)
    expect(page.locator("#survey-not-yet")).to_be_visible()
    expect(page.locator("#survey-submit")).to_be_disabled()


def test_priorities_take_one_vote_per_device_and_the_team_and_the_advice_are_shown(open_page: Any, site: Site) -> None:
    # Given a neighbourhood priority of the app's force open for votes
    proposed = app_api(
        site,
        "POST",
        "/priorities",
        json={"title": "Speeding on the avenue", "description": "Cars race at night.", "area_name": "Arroios"},
    )
    config = published(site, "en")
    watched = open_app(open_page, site, "priorities")
    page = watched.page
    priority_id = proposed["id"]
    item = page.locator(f'[data-priority="{priority_id}"]')
    expect(item).to_contain_text("Speeding on the avenue")
    # When the resident votes, then it counts once: the button is spent, here and after a reload
    item.get_by_role("button", name=config["strings"]["priorities.vote"]).click()
    expect(item.locator(".votes")).to_have_text("1 vote")
    expect(item.get_by_role("button")).to_be_disabled()
    page.reload()
    expect(item.get_by_role("button")).to_be_disabled()
    listed = {entry["id"]: entry["votes"] for entry in app_api(site, "GET", "/public/priorities", role=None)["items"]}
    assert listed[priority_id] == 1
    # When the resident opens the team and the safety advice, then they read what the force configured
    team = next(module for module in config["modules"] if module["type"] == "neighbourhood_team")
    page.goto(f"{site.url}/app/{APP}/{team['id']}")
    expect(page.locator("#team")).to_contain_text(team["settings"]["unit_name"])
    expect(page.locator("#team")).to_contain_text(team["settings"]["introduction"])
    advice = next(module for module in config["modules"] if module["type"] == "safety_info")
    page.goto(f"{site.url}/app/{APP}/{advice['id']}")
    article = advice["settings"]["articles"][0]
    article_id = article["id"]
    page.locator(f'#articles a[data-article="{article_id}"]').click()
    expect(page.locator("#view-title")).to_have_text(article["title"])
    expect(page.locator("#view-title")).to_be_focused()
    first_paragraph = article["body"].split("\n\n")[0].strip()
    expect(page.locator(f"#article-{article_id}")).to_contain_text(first_paragraph)
    watched.screenshot("app-advice")
