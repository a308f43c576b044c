"""Two-way communication as a new user meets it, over HTTP through the local gateway, with the local home's stream
and queue pollers doing what Lambda does in the cloud: report anonymously, follow with the tracking token, confirm,
hear of the status change, answer the officer's question; publish an area alert and see whom it reached."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

import h3
import requests

from koban_local.home import LocalHome
from tests.e2e.conftest import bearer

TENANT = "pilot-nl"
CODE = re.compile(r"\b(\d{6})\b")
P256DH = "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4"
AUTH = "BTBZMqHH6r4Tts7J_aSIgg"


def settle(home: LocalHome) -> None:
    """Status changes through the stream consumer, then every queued job through the delivery worker."""
    home.poller.drain(timeout=120)
    home.queues.drain(timeout=120)


def eventually(check: Callable[[], Any], timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def centre(http: requests.Session, base_url: str) -> tuple[float, float]:
    tenant = http.get(f"{base_url}/v1/tenants/{TENANT}", timeout=10).json()
    west, south, east, north = tenant["area"]["bbox"]
    return (south + north) / 2, (west + east) / 2


def test_an_anonymous_reporter_follows_hears_of_the_status_change_and_answers_the_officer(
    http: requests.Session, base_url: str, home: LocalHome
) -> None:
    lat, lon = centre(http, base_url)
    api = f"{base_url}/v1/tenants/{TENANT}"
    # An anonymous report
    receipt = http.post(
        f"{api}/reports",
        json={
            "category": "noise_night",
            "description": "Loud music from the bar on the corner every night.",
            "location": {"lat": lat, "lon": lon},
            "answers": {"ongoing": True, "noise_source": "music"},
            "locale": "en",
        },
        timeout=10,
    ).json()
    reporter = {"X-Tracking-Token": receipt["tracking_token"]}
    report = f"{api}/reports/{receipt['id']}"
    # Follows it by e-mail with the tracking token alone
    subscribed = http.post(
        f"{report}/subscriptions",
        json={"channel": "email", "email": "sam@example.org", "language": "en", "consent": True},
        headers=reporter,
        timeout=10,
    )
    assert subscribed.status_code == 201, subscribed.text
    assert subscribed.json()["status"] == "pending"

    # The confirmation code arrives at the address (here: the local outbox, which staff read; never the token
    # holder, or they could confirm any address) and confirms it
    def code() -> str | None:
        outbox = http.get(f"{api}/notifications/outbox", headers=bearer(TENANT), timeout=10).json()["items"]
        subscription_id = subscribed.json()["id"]
        found = [
            CODE.search(item["text"])
            for item in outbox
            if item["kind"] == "confirmation" and item["subscription_id"] == subscription_id
        ]
        return found[0].group(1) if found and found[0] else None

    settle(home)
    sent_code = eventually(code)
    assert sent_code, "no confirmation code reached the outbox"
    confirmed = http.post(
        f"{api}/subscriptions/{subscribed.json()['id']}/confirmation", json={"code": sent_code}, timeout=10
    )
    assert confirmed.json()["status"] == "active"
    # An officer changes the status with a note, and asks a question
    officer = bearer(TENANT, "officer")
    changed = http.patch(
        report, json={"status": "verifying", "note": "An officer will visit tonight."}, headers=officer, timeout=10
    )
    assert changed.status_code == 200, changed.text
    asked = http.post(
        f"{report}/messages", json={"text": "Is it the bar with the green door?"}, headers=officer, timeout=10
    )
    assert asked.status_code == 201, asked.text
    settle(home)

    # The reporter sees both notifications, in English
    def notified() -> list[dict[str, Any]]:
        items = http.get(f"{report}/notifications", headers=reporter, timeout=10).json()["items"]
        return [item for item in items if item["kind"] in ("report_update", "thread_message")]

    notes = eventually(lambda: len(notified()) == 2 and notified())
    assert notes, "the reporter was not told of the status change and the question"
    update = next(item for item in notes if item["kind"] == "report_update")
    assert "Being verified" in update["text"]
    assert "An officer will visit tonight." in update["text"]
    assert update["to"] == "s***@example.org"
    # Reads the question and answers, still anonymous
    thread = http.get(f"{report}/messages", headers=reporter, timeout=10).json()["items"]
    assert [(item["author"], item["text"]) for item in thread] == [("staff", "Is it the bar with the green door?")]
    answered = http.post(f"{report}/messages", json={"text": "Yes, the green door."}, headers=reporter, timeout=10)
    assert answered.status_code == 201
    staff_thread = http.get(f"{report}/messages", headers=officer, timeout=10).json()["items"]
    assert [item["author"] for item in staff_thread] == ["staff", "reporter"]
    # And the staff outbox shows what went out, addresses masked
    outbox = http.get(f"{api}/notifications/outbox", headers=officer, timeout=10).json()["items"]
    assert {"confirmation", "report_update", "thread_message"} <= {item["kind"] for item in outbox}
    assert "sam@example.org" not in str(outbox)


def test_an_area_alert_is_approved_reaches_its_subscriber_is_counted_and_one_click_ends_it(
    http: requests.Session, base_url: str, home: LocalHome
) -> None:
    api = f"{base_url}/v1/tenants/{TENANT}"
    lat, lon = centre(http, base_url)
    street = h3.latlng_to_cell(lat - 0.03, lon + 0.05, 9)  # a block of this test's own
    key = http.get(f"{api}/notifications/push-key", timeout=10)
    assert key.status_code == 200
    assert len(key.json()["public_key"]) == 87  # 65 bytes, base64url
    # A resident subscribes to their block by web push (no account, active at once)
    subscription = http.post(
        f"{api}/subscriptions",
        json={
            "channel": "push",
            "push": {"endpoint": "https://fcm.googleapis.com/fcm/send/e2e", "keys": {"p256dh": P256DH, "auth": AUTH}},
            "language": "nl",
            "area": {"cells": [street]},
            "audiences": ["older_people"],
            "consent": True,
        },
        timeout=10,
    )
    assert subscription.status_code == 201, subscription.text
    # An officer drafts an alert for a polygon around the block; a supervisor approves it
    cell_lat, cell_lon = h3.cell_to_latlng(street)
    ring = [
        [cell_lon - 0.001, cell_lat - 0.001],
        [cell_lon + 0.001, cell_lat - 0.001],
        [cell_lon + 0.001, cell_lat + 0.001],
    ]
    drafted = http.post(
        f"{api}/alerts",
        json={
            "texts": {"nl": {"title": "Nepagenten aan de deur", "body": "De politie vraagt nooit om uw pinpas."}},
            "audience": "older_people",
            "severity": "urgent",
            "area": {"polygon": {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}},
        },
        headers=bearer(TENANT, "officer"),
        timeout=10,
    )
    assert drafted.status_code == 201, drafted.text
    alert = drafted.json()
    approved = http.post(
        f"{api}/alerts/{alert['id']}/decision",
        json={"version": alert["version"], "decision": "approve"},
        headers=bearer(TENANT, "supervisor"),
        timeout=10,
    )
    assert approved.status_code == 200, approved.text
    settle(home)
    # Then it reached the subscriber, and the app's receipt counts it opened
    supervisor = bearer(TENANT, "supervisor")
    reached = eventually(
        lambda: http.get(f"{api}/alerts/{alert['id']}", headers=supervisor, timeout=10).json()["counts"]["sent"] == 1
    )
    assert reached
    message = next(
        item
        for item in http.get(f"{api}/notifications/outbox", headers=supervisor, timeout=10).json()["items"]
        if item["alert_id"] == alert["id"]
    )
    assert message["subscription_id"] == subscription.json()["id"]
    assert message["channel"] == "push"
    opened = http.post(f"{api}/receipts", json={"receipt": message["receipt"], "event": "opened"}, timeout=10)
    assert opened.json() == {"counted": True}
    shown = http.get(f"{api}/alerts/{alert['id']}", headers=supervisor, timeout=10).json()
    assert shown["status"] == "sent"
    assert shown["counts"] == {"sent": 1, "delivered": 1, "opened": 1, "failed": 0}
    # And the one-click link of the message ends the subscription, as a mail client would POST it
    token = message["unsubscribe_url"].split("#unsubscribe=")[1]
    ended = http.post(
        f"{api}/unsubscribe",
        params={"token": token},
        data="List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=10,
    )
    assert ended.status_code == 200, ended.text
    assert ended.json() == {"unsubscribed": True}


def test_bad_input_and_foreign_tokens_get_problem_json_over_http(http: requests.Session, base_url: str) -> None:
    api = f"{base_url}/v1/tenants/{TENANT}"

    no_consent = http.post(
        f"{api}/subscriptions",
        json={"channel": "email", "email": "a@example.org", "language": "nl", "area": {"cells": ["891969c9b67ffff"]}},
        timeout=10,
    )
    foreign = http.get(f"{api}/notifications/outbox", headers=bearer("pilot-pl", "officer"), timeout=10)
    anonymous = http.get(f"{api}/alerts", timeout=10)
    preflight = http.options(
        f"{api}/subscriptions",
        headers={"Origin": "https://app.example", "Access-Control-Request-Method": "POST"},
        timeout=10,
    )

    assert no_consent.status_code == 422
    assert no_consent.headers["Content-Type"] == "application/problem+json"
    assert foreign.status_code == 403
    assert anonymous.status_code == 401
    assert preflight.status_code in (200, 204)
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
