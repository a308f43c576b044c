"""Area alerts over moto with the local queue poller: drafted by an officer, approved by another supervisor, fanned
out through SQS to exactly the subscribers inside the area (language and audience too), once each even when jobs
are delivered twice and sends fail for a while, and counted (sent, delivered, opened, failed)."""

from __future__ import annotations

import types
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import h3
import pytest

from koban.notifications import delivery, stores
from koban.notifications.adapters import OutboxAdapter
from koban.notifications.jobs import AlertBatchJob, AlertPlanJob
from koban.notifications.models import DeliveryStatus, NotificationChannel, Outgoing, SendResult
from koban.notifications.storage import NotificationRepository
from koban.plugins import hookimpl
from koban.plugins.host import plugin_manager
from koban_local.metering import AWS_THREADS, metered
from tests.api import Reply, staff_claims
from tests.integration.notifications_home import Notifications, notifications_fixture  # noqa: F401

TENANT = "pilot-nl"
OFFICER = staff_claims(TENANT, "officer", "officer-anna")
SUPERVISOR = staff_claims(TENANT, "supervisor", "supervisor-bram")
P256DH = "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4"
AUTH = "BTBZMqHH6r4Tts7J_aSIgg"
BLOCK = h3.latlng_to_cell(52.3731, 4.8922, 9)  # the alert's street block (Dam square)
NEXT_BLOCK = h3.grid_ring(BLOCK, 1)[0]  # next door: same neighbourhood, outside the alert
NEIGHBOURHOOD = h3.cell_to_parent(BLOCK, 7)
FAR_BLOCK = h3.latlng_to_cell(52.3000, 4.9500, 9)  # the south-east of the city


def elsewhere(index: int) -> str:
    """A block in a neighbourhood of its own (two rings of neighbourhoods away from the Dam), so that one test's
    subscribers are never inside another test's alert."""
    return str(h3.cell_to_center_child(h3.grid_ring(NEIGHBOURHOOD, 2)[index], 9))


def push_subscriber(
    notifications: Notifications, cells: list[str], language: str = "nl", audiences: list[str] | None = None
) -> str:
    device = f"device-{len(notifications.failures)}-{cells[0]}-{language}-{id(cells)}"
    reply = notifications.api.post(
        f"/v1/tenants/{TENANT}/subscriptions",
        body={
            "channel": "push",
            "push": {
                "endpoint": f"https://fcm.googleapis.com/fcm/send/{device}",
                "keys": {"p256dh": P256DH, "auth": AUTH},
            },
            "language": language,
            "audiences": audiences or [],
            "area": {"cells": cells},
            "consent": True,
        },
    )
    assert reply.status == 201, reply.body
    notifications.failures.append(device)  # only to make the next device name unique
    subscription_id: str = reply.json()["id"]
    return subscription_id


def draft(notifications: Notifications, **overrides: Any) -> dict[str, Any]:
    body = {
        "texts": {
            "nl": {"title": "Nepmonteurs aan de deur", "body": "Laat niemand binnen zonder afspraak."},
            "en": {"title": "Fake repairmen at the door", "body": "Let nobody in without an appointment."},
        },
        "audience": "everyone",
        "severity": "warning",
        "area": {"cells": [BLOCK]},
        **overrides,
    }
    reply = notifications.api.post(f"/v1/tenants/{TENANT}/alerts", body=body, claims=OFFICER)
    assert reply.status == 201, reply.body
    assert reply.headers["Location"] == f"/v1/tenants/{TENANT}/alerts/{reply.json()['id']}"
    created: dict[str, Any] = reply.json()
    return created


def decide(
    notifications: Notifications, alert: dict[str, Any], decision: str = "approve", claims: dict[str, str] | None = None
) -> Reply:
    return notifications.api.post(
        f"/v1/tenants/{TENANT}/alerts/{alert['id']}/decision",
        body={"version": alert["version"], "decision": decision},
        claims=claims or SUPERVISOR,
    )


def reached(notifications: Notifications, alert_id: str) -> Counter[str]:
    """Subscription id -> messages the outbox holds for this alert."""
    return Counter(item["subscription_id"] for item in notifications.outbox() if item["alert_id"] == alert_id)


def counts(notifications: Notifications, alert_id: str) -> dict[str, int]:
    reply = notifications.api.get(f"/v1/tenants/{TENANT}/alerts/{alert_id}", claims=OFFICER)
    assert reply.status == 200, reply.body
    found: dict[str, int] = reply.json()["counts"]
    return found


@dataclass
class Flaky:
    """An e-mail/SMS/push adapter that fails for a while for some subscriptions, then delivers to the outbox."""

    failing: dict[str, int] = field(default_factory=dict)  # subscription id -> failures left
    permanent: set[str] = field(default_factory=set)
    calls: Counter[str] = field(default_factory=Counter)

    def adapters(self) -> dict[str, Any]:
        return {str(channel): FlakyAdapter(channel, self) for channel in NotificationChannel}


class FlakyAdapter:
    def __init__(self, channel: NotificationChannel, flaky: Flaky) -> None:
        self.channel = channel
        self.flaky = flaky
        self.outbox = OutboxAdapter(channel)

    def send(self, message: Outgoing) -> SendResult:
        self.flaky.calls[message.subscription_id] += 1
        if message.subscription_id in self.flaky.permanent:
            return SendResult(status=DeliveryStatus.FAILED, error="refused", gone=True)
        if self.flaky.failing.get(message.subscription_id, 0) > 0:
            self.flaky.failing[message.subscription_id] -= 1
            return SendResult(status=DeliveryStatus.RETRY, error="Throttling")
        return self.outbox.send(message)


@pytest.fixture
def flaky() -> Iterator[Flaky]:
    """A city plugin whose adapters (koban_notification_adapters) fail on purpose, for this test only."""
    state = Flaky()
    plugin = types.ModuleType("flaky_channels")

    @hookimpl
    def koban_notification_adapters(tenant: Any, delivery: str) -> dict[str, Any]:
        return state.adapters()

    plugin.koban_notification_adapters = koban_notification_adapters  # type: ignore[attr-defined]
    plugin_manager().register(plugin, name="flaky_channels")
    delivery.adapters_for.cache_clear()
    try:
        yield state
    finally:
        plugin_manager().unregister(name="flaky_channels")
        delivery.adapters_for.cache_clear()


# ------------------------------------------------------------------------------------------------ workflow


def test_given_a_draft_then_only_a_supervisor_other_than_its_author_approves_it(notifications: Notifications) -> None:
    alert = draft(notifications)
    author_supervisor = staff_claims(TENANT, "supervisor", OFFICER["sub"])

    by_officer = decide(notifications, alert, claims=staff_claims(TENANT, "officer", "officer-cees"))
    by_author = decide(notifications, alert, claims=author_supervisor)
    by_other_tenant = decide(notifications, alert, claims=staff_claims("pilot-pl", "supervisor"))
    approved = decide(notifications, alert)
    stale = decide(notifications, alert)  # version 1 again, now approved: queues the fan-out again, harmlessly

    assert [reply.status for reply in (by_officer, by_author, by_other_tenant)] == [403, 403, 403]
    assert approved.status == 200, approved.body
    assert approved.json()["status"] == "approved"
    assert approved.json()["decided_by"] == SUPERVISOR["sub"]
    assert stale.status == 200
    notifications.settle()
    assert (
        notifications.api.get(f"/v1/tenants/{TENANT}/alerts/{alert['id']}", claims=OFFICER).json()["status"] == "sent"
    )


def test_given_a_rejection_then_it_needs_a_note_and_ends_the_draft(notifications: Notifications) -> None:
    alert = draft(notifications)
    path = f"/v1/tenants/{TENANT}/alerts/{alert['id']}/decision"

    silent = notifications.api.post(path, body={"version": 1, "decision": "reject"}, claims=SUPERVISOR)
    explained = notifications.api.post(
        path, body={"version": 1, "decision": "reject", "note": "Wait for the press release."}, claims=SUPERVISOR
    )
    edit = notifications.api.patch(
        f"/v1/tenants/{TENANT}/alerts/{alert['id']}", body={"version": 2, "severity": "urgent"}, claims=OFFICER
    )

    assert silent.status == 422
    assert silent.json()["errors"][0]["field"] == "note"
    assert explained.json()["status"] == "rejected"
    assert explained.json()["decision_note"] == "Wait for the press release."
    assert edit.status == 422


def test_given_a_draft_then_its_author_edits_it_with_its_version_and_can_withdraw_it(
    notifications: Notifications,
) -> None:
    alert = draft(notifications)
    path = f"/v1/tenants/{TENANT}/alerts/{alert['id']}"

    edited = notifications.api.patch(path, body={"version": 1, "audience": "older_people"}, claims=OFFICER)
    conflict = notifications.api.patch(path, body={"version": 1, "severity": "urgent"}, claims=OFFICER)
    no_text = notifications.api.patch(path, body={"version": 2, "languages": ["pl"]}, claims=OFFICER)
    withdrawn = notifications.api.patch(path, body={"version": 2, "status": "cancelled"}, claims=OFFICER)

    assert edited.status == 200
    assert edited.json()["audience"] == "older_people"
    assert conflict.status == 409
    assert no_text.status == 422
    assert withdrawn.json()["status"] == "cancelled"
    assert decide(notifications, withdrawn.json()).status == 422


@pytest.mark.parametrize(
    ("area", "field"),
    [
        ({"cells": [h3.latlng_to_cell(50.06, 19.94, 9)]}, "area.cells.0"),  # Kraków
        ({"cells": ["not-a-cell-at-all"]}, "area.cells.0"),
        ({"cells": [h3.cell_to_parent(BLOCK, 3)]}, "area.cells.0"),  # wider than a district
    ],
)
def test_given_an_area_outside_the_tenant_or_malformed_then_the_draft_is_refused(
    notifications: Notifications, area: dict[str, Any], field: str
) -> None:
    reply = notifications.api.post(
        f"/v1/tenants/{TENANT}/alerts",
        body={"texts": {"nl": {"title": "T", "body": "B"}}, "area": area},
        claims=OFFICER,
    )

    assert reply.status == 422
    assert reply.json()["errors"][0]["field"] == field


def test_given_another_tenant_then_its_staff_neither_read_nor_list_these_alerts(notifications: Notifications) -> None:
    alert = draft(notifications)
    foreign = staff_claims("pilot-pl")

    read = notifications.api.get(f"/v1/tenants/{TENANT}/alerts/{alert['id']}", claims=foreign)
    listed = notifications.api.get(f"/v1/tenants/{TENANT}/alerts", claims=foreign)
    elsewhere = notifications.api.get(f"/v1/tenants/pilot-pl/alerts/{alert['id']}", claims=foreign)
    outbox = notifications.api.get(f"/v1/tenants/{TENANT}/notifications/outbox", claims=foreign)

    assert (read.status, listed.status, elsewhere.status, outbox.status) == (403, 403, 404, 403)


# ------------------------------------------------------------------------------------------------ fan-out


def test_given_an_alert_to_one_block_then_exactly_the_subscribers_inside_are_reached_once_each_despite_retries(
    notifications: Notifications, flaky: Flaky
) -> None:
    # Given subscribers inside the block, around it and far away, in two languages and for two audiences
    inside = {
        push_subscriber(notifications, [BLOCK]),
        push_subscriber(notifications, [NEIGHBOURHOOD]),  # the whole neighbourhood contains the block
        push_subscriber(notifications, [FAR_BLOCK, BLOCK], language="en"),
        push_subscriber(notifications, [BLOCK], audiences=["older_people"]),
    }
    outside = {
        push_subscriber(notifications, [NEXT_BLOCK]),
        push_subscriber(notifications, [FAR_BLOCK]),
        push_subscriber(notifications, [BLOCK], language="pl"),  # the alert is limited to nl and en
    }
    # And two of the inside ones whose channel fails twice before it works
    flaky.failing = dict.fromkeys(sorted(inside)[:2], 2)
    alert = draft(notifications, languages=["nl", "en"])
    # When it is approved, and its plan and batches are delivered twice (SQS delivers at least once)
    assert decide(notifications, alert).status == 200
    stores.jobs().send([AlertPlanJob(tenant=TENANT, alert_id=alert["id"])])
    notifications.settle()
    stores.jobs().send([AlertBatchJob(tenant=TENANT, alert_id=alert["id"], subscription_ids=sorted(inside | outside))])
    notifications.settle()
    # Then exactly the subscribers inside got it, once each, and it is counted so
    assert reached(notifications, alert["id"]) == dict.fromkeys(inside, 1)
    assert not outside & set(flaky.calls)
    assert {sid: flaky.calls[sid] for sid in sorted(inside)[:2]} == dict.fromkeys(sorted(inside)[:2], 3)
    assert counts(notifications, alert["id"]) == {"sent": 4, "delivered": 4, "opened": 0, "failed": 0}
    # And each reached the subscriber in their language
    languages = {
        item["subscription_id"]: item["language"] for item in notifications.outbox() if item["alert_id"] == alert["id"]
    }
    assert sorted(languages.values()) == ["en", "nl", "nl", "nl"]


class AppliedTwice:
    """A DynamoDB client whose transactions reach DynamoDB twice, as when the SDK times out on an applied
    transaction and sends it again (DynamoDB would recognise the ClientRequestToken; moto applies it again)."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def __getattr__(self, name: str) -> Any:
        return getattr(self.client, name)

    def transact_write_items(self, **request: Any) -> Any:
        self.client.transact_write_items(**request)
        return self.client.transact_write_items(**request)


def test_given_transactions_the_sdk_sends_twice_then_each_subscriber_is_reached_and_counted_once(
    notifications: Notifications, monkeypatch: pytest.MonkeyPatch
) -> None:
    street = elsewhere(5)
    subscribers = {push_subscriber(notifications, [street]) for _ in range(3)}
    alert = draft(notifications, area={"cells": [street]})
    real = NotificationRepository._client.fget  # type: ignore[attr-defined]
    monkeypatch.setattr(NotificationRepository, "_client", property(lambda self: AppliedTwice(real(self))))

    decide(notifications, alert)
    notifications.settle()

    assert reached(notifications, alert["id"]) == dict.fromkeys(subscribers, 1)
    assert counts(notifications, alert["id"]) == {"sent": 3, "delivered": 3, "opened": 0, "failed": 0}


def test_given_an_audience_then_only_subscribers_of_that_audience_are_reached(notifications: Notifications) -> None:
    street = elsewhere(0)
    older = push_subscriber(notifications, [street], audiences=["older_people", "parents"])
    push_subscriber(notifications, [street], audiences=["parents"])
    push_subscriber(notifications, [street])
    alert = draft(notifications, audience="older_people", area={"cells": [street]})

    decide(notifications, alert)
    notifications.settle()

    assert reached(notifications, alert["id"]) == {older: 1}


def test_given_a_channel_that_keeps_failing_then_the_delivery_is_given_up_and_counted_failed(
    notifications: Notifications, flaky: Flaky
) -> None:
    street = elsewhere(1)
    stubborn = push_subscriber(notifications, [street])
    gone = push_subscriber(notifications, [h3.grid_ring(street, 1)[0]])
    flaky.failing = {stubborn: 100}
    flaky.permanent = {gone}
    alert = draft(notifications, area={"cells": [street, h3.grid_ring(street, 1)[0]]})

    decide(notifications, alert)
    notifications.settle()

    assert flaky.calls[stubborn] == delivery.MAX_ATTEMPTS
    assert counts(notifications, alert["id"]) == {"sent": 0, "delivered": 0, "opened": 0, "failed": 2}
    assert stores.subscriptions().get(TENANT, gone, datetime.now(UTC)) is None  # its address is gone: removed
    assert stores.subscriptions().get(TENANT, stubborn, datetime.now(UTC)) is not None


def test_given_many_subscribers_then_the_plan_continues_in_steps_and_batches_reach_all_once(
    notifications: Notifications, monkeypatch: pytest.MonkeyPatch
) -> None:
    street = elsewhere(2)
    subscribers = {push_subscriber(notifications, [street]) for _ in range(120)}
    monkeypatch.setattr(delivery, "PLAN_BUDGET", 40)
    monkeypatch.setattr(delivery, "PLAN_PAGE", 25)
    alert = draft(notifications, area={"cells": [street]})

    decide(notifications, alert)
    notifications.settle()

    assert reached(notifications, alert["id"]) == dict.fromkeys(subscribers, 1)
    assert counts(notifications, alert["id"])["sent"] == 120


def test_given_a_drawn_polygon_then_the_subscribers_inside_it_are_reached(notifications: Notifications) -> None:
    lat, lon = h3.cell_to_latlng(elsewhere(3))
    inside = push_subscriber(notifications, [h3.latlng_to_cell(lat, lon, 9)])
    push_subscriber(notifications, [h3.latlng_to_cell(lat + 0.02, lon, 9)])
    ring = [
        [lon - 0.002, lat - 0.002],
        [lon + 0.002, lat - 0.002],
        [lon + 0.002, lat + 0.002],
        [lon - 0.002, lat + 0.002],
    ]
    alert = draft(notifications, area={"polygon": {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}})

    assert alert["area"]["type"] == "FeatureCollection"
    decide(notifications, alert)
    notifications.settle()

    assert reached(notifications, alert["id"]) == {inside: 1}


def test_given_receipts_from_the_app_then_delivered_and_opened_are_counted_once(notifications: Notifications) -> None:
    subscriber_cell = elsewhere(4)
    push_subscriber(notifications, [subscriber_cell])
    alert = draft(notifications, area={"cells": [subscriber_cell]})
    decide(notifications, alert)
    notifications.settle()
    receipt = next(item["receipt"] for item in notifications.outbox() if item["alert_id"] == alert["id"])
    path = f"/v1/tenants/{TENANT}/receipts"

    opened = notifications.api.post(path, body={"receipt": receipt, "event": "opened"})
    again = notifications.api.post(path, body={"receipt": receipt, "event": "opened"})
    forged = notifications.api.post(path, body={"receipt": receipt[:-3] + "xyz", "event": "opened"})
    garbage = notifications.api.post(path, body={"receipt": "'; DROP TABLE alerts;--", "event": "opened"})

    assert opened.json() == {"counted": True}
    assert again.json() == {"counted": False}
    assert forged.json() == {"counted": False}
    assert garbage.status == 422
    assert counts(notifications, alert["id"]) == {"sent": 1, "delivered": 1, "opened": 1, "failed": 0}


def test_given_every_notifications_route_and_the_workers_then_dynamodb_is_only_read_by_key_or_index(
    notifications: Notifications,
) -> None:
    """Every route of the notifications function, the stream consumer and the delivery worker, metered."""
    api = notifications.api
    base = f"/v1/tenants/{TENANT}"
    with metered(ignore_threads=AWS_THREADS) as meter:  # the workers are counted too
        subscriber = push_subscriber(notifications, [BLOCK])
        api.get(f"{base}/notifications/push-key")
        report = notifications.report()
        reporter = {"X-Tracking-Token": report["tracking_token"]}
        followed = api.post(
            f"{base}/reports/{report['id']}/subscriptions",
            body={"channel": "email", "email": "scan@example.org", "language": "en", "consent": True},
            headers=reporter,
        ).json()
        notifications.confirm(TENANT, followed["id"])
        api.get(f"{base}/reports/{report['id']}/subscriptions", headers=reporter)
        api.patch(f"{base}/reports/{report['id']}", body={"status": "verifying", "note": "On it."}, claims=OFFICER)
        api.post(f"{base}/reports/{report['id']}/messages", body={"text": "When?"}, claims=OFFICER)
        api.post(f"{base}/reports/{report['id']}/messages", body={"text": "At night."}, headers=reporter)
        api.get(f"{base}/reports/{report['id']}/messages", claims=OFFICER)
        api.get(f"{base}/reports/{report['id']}/messages", headers=reporter)
        alert = draft(notifications)
        api.patch(f"{base}/alerts/{alert['id']}", body={"version": 1, "severity": "urgent"}, claims=OFFICER)
        api.get(f"{base}/alerts", claims=OFFICER, query={"status": "draft"})
        decide(notifications, {**alert, "version": 2})
        notifications.settle()
        api.get(f"{base}/alerts/{alert['id']}", claims=OFFICER)
        sent = [item for item in notifications.outbox() if item["subscription_id"] == subscriber]
        api.post(f"{base}/receipts", body={"receipt": sent[0]["receipt"], "event": "opened"})
        api.get(f"{base}/reports/{report['id']}/notifications", headers=reporter)
        token = str(sent[0]["unsubscribe_url"]).split("#unsubscribe=")[1]
        assert api.post(f"{base}/unsubscribe", query={"token": token}).status == 200

    calls = {name for name in meter.calls if name.startswith("dynamodb.")}
    assert {"dynamodb.TransactWriteItems", "dynamodb.BatchGetItem", "dynamodb.Query"} <= calls  # all were seen
    assert "dynamodb.Scan" not in calls


def test_given_a_page_of_alerts_then_the_cursor_leads_to_the_next_and_a_foreign_cursor_is_refused(
    notifications: Notifications,
) -> None:
    for _ in range(3):
        draft(notifications)
    path = f"/v1/tenants/{TENANT}/alerts"

    first = notifications.api.get(path, claims=OFFICER, query={"limit": "2"}).json()
    second = notifications.api.get(path, claims=OFFICER, query={"limit": "2", "cursor": first["next_cursor"]}).json()
    bad = notifications.api.get(path, claims=OFFICER, query={"cursor": "eyJhZnRlciI6IjxzY3JpcHQ-In0"})

    assert len(first["items"]) == 2
    assert not {item["id"] for item in first["items"]} & {item["id"] for item in second["items"]}
    assert first["items"][0]["created_at"] >= second["items"][0]["created_at"]
    assert bad.status == 422
    assert bad.json()["errors"][0]["field"] == "query.cursor"
