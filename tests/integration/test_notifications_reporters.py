"""Reporters hear back, over moto with the local pollers: an anonymous reporter follows a report with the tracking
token alone (double opt-in by e-mail and SMS, web push at once), hears of status changes in their language, talks
privately with the team (audited, redacted for partners), and leaves with a signed one-click link."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import boto3
import pytest

from koban.errors import StorageError
from koban.i18n import translate
from koban.notifications import stores, tokens
from koban.notifications.jobs import ReportUpdateJob
from koban.notifications.subscriptions import PENDING_LIFETIME
from koban.reports.service import reports_repository
from tests.api import staff_claims
from tests.integration.notifications_home import CODE, Notifications, notifications_fixture  # noqa: F401

TENANT = "pilot-nl"
P256DH = "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4"
AUTH = "BTBZMqHH6r4Tts7J_aSIgg"
OFFICER = staff_claims(TENANT)


def follow(notifications: Notifications, report: dict[str, Any], token: str | None = None, **contact: Any) -> Any:
    body = {"channel": "email", "email": "anna@example.org", "language": "nl", "consent": True, **contact}
    headers = {"X-Tracking-Token": token or report["tracking_token"]}
    return notifications.api.post(
        f"/v1/tenants/{TENANT}/reports/{report['id']}/subscriptions", body=body, headers=headers
    )


def change(notifications: Notifications, report: dict[str, Any], status: str, note: str) -> None:
    reply = notifications.api.patch(
        f"/v1/tenants/{TENANT}/reports/{report['id']}", body={"status": status, "note": note}, claims=OFFICER
    )
    assert reply.status == 200, reply.body


def kinds(items: list[dict[str, Any]]) -> list[str]:
    return sorted(item["kind"] for item in items)


def test_given_an_anonymous_reporter_when_they_follow_by_email_then_a_code_confirms_and_updates_follow(
    notifications: Notifications,
) -> None:
    # Given a report and its tracking token only
    report = notifications.report()
    # When the reporter follows it by e-mail
    created = follow(notifications, report)
    assert created.status == 201, created.body
    subscription = created.json()
    assert subscription["status"] == "pending"
    assert subscription["to"] == "a***@example.org"  # the address is never echoed
    # Then a status change before confirming reaches nobody (double opt-in)
    change(notifications, report, "verifying", "We are looking into it.")
    notifications.settle()
    assert kinds(notifications.reporter_outbox(TENANT, report)) == []
    # (the code went to the address only: the token holder never reads it, or they could confirm any address)
    assert "confirmation" in kinds(notifications.outbox(TENANT))
    # And once confirmed with the code sent, the next change is told in Dutch with the officer's note
    assert notifications.confirm(TENANT, subscription["id"])["status"] == "active"
    change(notifications, report, "confirmed", "Er komt vannacht een patrouille langs.")
    notifications.settle()
    sent = notifications.reporter_outbox(TENANT, report)
    assert kinds(sent) == ["report_update"]
    update = next(item for item in sent if item["kind"] == "report_update")
    assert translate("status.confirmed", "nl") in update["text"]
    assert "Er komt vannacht een patrouille langs." in update["text"]
    assert "#unsubscribe=" in str(update["unsubscribe_url"])
    assert update["receipt"]


def test_given_the_same_status_change_streamed_twice_then_the_reporter_is_told_once(
    notifications: Notifications,
) -> None:
    report = notifications.report()
    notifications.confirm(TENANT, follow(notifications, report).json()["id"])
    change(notifications, report, "verifying", "Checking.")
    notifications.settle()
    # When the stream delivers the same record again (Lambda retries batches), the job is queued again
    event = next(item for item in notifications.reporter_outbox(TENANT, report) if item["kind"] == "report_update")
    parsed = tokens.parse_receipt(event["receipt"])
    assert parsed is not None
    _, report_id, digest = parsed[0].split(":")
    job = ReportUpdateJob(tenant=TENANT, report_id=report_id, event=digest, status="verifying", note="Checking.")
    stores.jobs().send([job, job])
    notifications.settle()
    # Then the ledger keeps it at one message
    assert kinds(notifications.reporter_outbox(TENANT, report)) == ["report_update"]


def test_given_a_wrong_code_five_times_then_the_subscription_needs_a_new_one(notifications: Notifications) -> None:
    report = notifications.report()
    subscription = follow(notifications, report, channel="sms", email=None, phone="+31612345678").json()
    path = f"/v1/tenants/{TENANT}/subscriptions/{subscription['id']}/confirmation"
    notifications.settle()
    sent = [
        item
        for item in notifications.outbox(TENANT)
        if item["kind"] == "confirmation" and item["subscription_id"] == subscription["id"]
    ]
    found = CODE.search(sent[0]["text"])
    assert found is not None
    real = found.group(1)
    wrong = f"{(int(real) + 1) % 10**6:06d}"

    answers = [notifications.api.post(path, body={"code": wrong}) for _ in range(5)]
    after = notifications.api.post(path, body={"code": real})

    assert [answer.status for answer in answers] == [422] * 5
    assert answers[0].json()["errors"][0]["code"] == "wrong_code"
    assert after.status == 422
    assert after.json()["errors"][0]["code"] == "too_many_attempts"


class _RefusingQueue:
    def send(self, jobs: object) -> None:
        raise StorageError("The notification queue is unavailable; try again shortly.")


def test_given_the_queue_refuses_the_code_then_following_is_refused_and_leaves_nothing_a_retry_completes(
    notifications: Notifications, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a report whose reporter follows it while the queue refuses the confirmation code
    report = notifications.report()
    with monkeypatch.context() as patch:
        patch.setattr(stores, "jobs", _RefusingQueue)
        refused = follow(notifications, report)
    # Then they are told to come back later, and no pending subscription waits for a code that never comes
    assert refused.status == 503, refused.body
    listed = notifications.api.get(
        f"/v1/tenants/{TENANT}/reports/{report['id']}/subscriptions",
        headers={"X-Tracking-Token": report["tracking_token"]},
    )
    assert listed.status == 200, listed.body
    assert listed.json()["items"] == []
    # And the same request once the queue is back gets a code that confirms
    retried = follow(notifications, report)
    assert retried.status == 201, retried.body
    assert notifications.confirm(TENANT, retried.json()["id"])["status"] == "active"


def test_given_the_queue_and_then_the_table_fail_then_the_pending_subscription_left_expires_unused(
    notifications: Notifications, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the queue refuses the code and the table refuses to remove the subscription again
    report = notifications.report()

    def refuse(self: object, subscription: object) -> None:
        raise StorageError("The table is unavailable.")

    with monkeypatch.context() as patch:
        patch.setattr(stores, "jobs", _RefusingQueue)
        patch.setattr(type(stores.subscriptions()), "delete", refuse)
        refused = follow(notifications, report)
    # Then the reporter still hears 503, and what stays is pending, codeless to anyone, and expires within 48 hours
    assert refused.status == 503, refused.body
    entries = stores.subscriptions().of_report(TENANT, report["id"], datetime.now(UTC))
    assert [entry.status for entry in entries] == ["pending"]
    left = stores.subscriptions().get(TENANT, entries[0].subscription_id, datetime.now(UTC))
    assert left is not None
    assert left.expires_at <= left.created_at + PENDING_LIFETIME  # stored in whole seconds
    notifications.settle()
    assert not [item for item in notifications.outbox(TENANT) if item["subscription_id"] == left.id]


def test_given_web_push_when_followed_then_it_is_active_at_once_and_an_unknown_push_service_is_refused(
    notifications: Notifications,
) -> None:
    report = notifications.report()
    push = {"endpoint": "https://fcm.googleapis.com/fcm/send/device-1", "keys": {"p256dh": P256DH, "auth": AUTH}}
    attacker = {**push, "endpoint": "https://169.254.169.254/latest/meta-data"}

    accepted = follow(notifications, report, channel="push", email=None, push=push)
    refused = follow(notifications, report, channel="push", email=None, push=attacker)

    assert accepted.status == 201
    assert accepted.json()["status"] == "active"
    assert accepted.json()["to"] == "web push via fcm.googleapis.com"
    assert refused.status == 422
    assert refused.json()["errors"][0]["field"] == "push.endpoint"
    listed = notifications.api.get(
        f"/v1/tenants/{TENANT}/reports/{report['id']}/subscriptions",
        headers={"X-Tracking-Token": report["tracking_token"]},
    )
    assert [item["channel"] for item in listed.json()["items"]] == ["push"]


@pytest.mark.parametrize(
    ("token", "status"),
    [("wrong-token-but-well-formed-0123456789", 404), (None, 422)],
)
def test_given_no_or_a_wrong_tracking_token_then_nobody_follows_the_report(
    notifications: Notifications, token: str | None, status: int
) -> None:
    report = notifications.report()
    headers = {"X-Tracking-Token": token} if token else {}

    reply = notifications.api.post(
        f"/v1/tenants/{TENANT}/reports/{report['id']}/subscriptions",
        body={"channel": "email", "email": "a@example.org", "language": "en", "consent": True},
        headers=headers,
    )

    assert reply.status == status
    assert reply.headers["Content-Type"] == "application/problem+json"
    assert stores.subscriptions().of_report(TENANT, report["id"], datetime.now(UTC)) == []


def test_given_another_tenants_path_then_a_report_cannot_be_followed_there(notifications: Notifications) -> None:
    report = notifications.report()

    reply = notifications.api.post(
        f"/v1/tenants/pilot-pl/reports/{report['id']}/subscriptions",
        body={"channel": "email", "email": "a@example.org", "language": "en", "consent": True},
        headers={"X-Tracking-Token": report["tracking_token"]},
    )

    assert reply.status == 404


def test_given_a_question_from_the_team_then_the_reporter_is_nudged_reads_it_and_answers_anonymously(
    notifications: Notifications,
) -> None:
    report = notifications.report(locale="en")
    notifications.confirm(TENANT, follow(notifications, report, language="en").json()["id"])
    thread = f"/v1/tenants/{TENANT}/reports/{report['id']}/messages"
    reporter = {"X-Tracking-Token": report["tracking_token"]}
    # When an officer asks a follow-up question
    asked = notifications.api.post(thread, body={"text": "Which door is it, the red one?"}, claims=OFFICER)
    assert asked.status == 201, asked.body
    notifications.settle()
    # Then the reporter is told there is a message (not what it says) and reads it with the token
    nudge = next(item for item in notifications.reporter_outbox(TENANT, report) if item["kind"] == "thread_message")
    assert "red one" not in nudge["text"]
    read = notifications.api.get(thread, headers=reporter).json()["items"]
    assert [(item["author"], item["text"], item["actor"]) for item in read] == [
        ("staff", "Which door is it, the red one?", None)
    ]
    # And answers with the token, still anonymous
    answered = notifications.api.post(thread, body={"text": "Yes, the red door, number 12."}, headers=reporter)
    assert answered.status == 201
    staff_view = notifications.api.get(thread, claims=OFFICER).json()["items"]
    assert [(item["author"], item["actor"]) for item in staff_view] == [
        ("staff", OFFICER["sub"]),
        ("reporter", "reporter"),
    ]
    # And every write and every staff read is in the report's audited history
    history = reports_repository().get(TENANT, report["id"])
    assert history is not None
    audit = [(event.kind.value, event.actor) for event in history.events if event.kind.value != "received"]
    assert audit == [
        ("message_posted", OFFICER["sub"]),
        ("message_posted", "reporter"),
        ("thread_viewed", OFFICER["sub"]),
    ]


def test_given_a_partner_then_the_thread_is_redacted_and_partners_cannot_write(notifications: Notifications) -> None:
    report = notifications.report()
    thread = f"/v1/tenants/{TENANT}/reports/{report['id']}/messages"
    notifications.api.post(
        thread, body={"text": "My neighbour's name is Jan."}, headers={"X-Tracking-Token": report["tracking_token"]}
    )
    partner = staff_claims(TENANT, "partner")

    seen = notifications.api.get(thread, claims=partner)
    written = notifications.api.post(thread, body={"text": "Hello"}, claims=partner)

    assert seen.status == 200
    assert seen.json()["items"] == [
        {**seen.json()["items"][0], "text": None, "actor": None, "redacted": True, "author": "reporter"}
    ]
    assert "Jan" not in seen.body
    assert written.status == 403


@pytest.mark.parametrize(
    ("claims", "headers", "status"),
    [
        (staff_claims("pilot-pl"), {}, 403),  # another tenant's officer
        (None, {}, 401),
        (None, {"X-Tracking-Token": "not-this-reports-token-0123456789"}, 404),
    ],
)
def test_given_no_right_to_the_thread_then_it_is_neither_read_nor_written(
    notifications: Notifications, claims: dict[str, str] | None, headers: dict[str, str], status: int
) -> None:
    report = notifications.report()
    thread = f"/v1/tenants/{TENANT}/reports/{report['id']}/messages"

    read = notifications.api.get(thread, claims=claims, headers=headers)
    write = notifications.api.post(thread, body={"text": "hi"}, claims=claims, headers=headers)

    assert (read.status, write.status) == (status, status)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "value_error"),
        ("   ", "value_error"),
        ("a" * 2001, "string_too_long"),
        ("bad\u202etext", "value_error"),
    ],
)
def test_given_a_bad_message_then_it_is_refused_and_nothing_is_stored(
    notifications: Notifications, text: str, code: str
) -> None:
    report = notifications.report()
    thread = f"/v1/tenants/{TENANT}/reports/{report['id']}/messages"

    reply = notifications.api.post(thread, body={"text": text}, headers={"X-Tracking-Token": report["tracking_token"]})

    assert reply.status == 422
    assert reply.json()["errors"][0]["field"] == "text"
    assert reply.json()["errors"][0]["code"] == code
    assert notifications.api.get(thread, claims=OFFICER).json()["items"] == []


def test_given_a_thread_message_then_it_expires_with_the_reporters_data(notifications: Notifications) -> None:
    report = notifications.report()
    notifications.api.post(
        f"/v1/tenants/{TENANT}/reports/{report['id']}/messages", body={"text": "A question"}, claims=OFFICER
    )

    items = boto3.client("dynamodb").query(
        TableName=notifications.names["PersonalDataTable"],
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": f"THREAD#{TENANT}#{report['id']}"}},
    )["Items"]

    assert len(items) == 1
    created = datetime.fromisoformat(items[0]["at"]["S"]).timestamp()
    assert int(items[0]["expires_at"]["N"]) == pytest.approx(created + 365 * 86400, abs=5)


def test_given_an_unsubscribe_link_then_one_click_ends_it_a_forged_one_does_nothing(
    notifications: Notifications,
) -> None:
    report = notifications.report()
    subscription = follow(notifications, report).json()
    notifications.confirm(TENANT, subscription["id"])
    change(notifications, report, "verifying", "Checking.")
    notifications.settle()
    link = next(item for item in notifications.reporter_outbox(TENANT, report) if item["kind"] == "report_update")
    token = link["unsubscribe_url"].split("#unsubscribe=")[1]
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    other = notifications.report()
    other_subscription = follow(notifications, other).json()
    other_token_for_wrong_tenant = f"{other_subscription['id']}.{token.split('.')[1]}"

    refused = [
        notifications.api.post(f"/v1/tenants/{TENANT}/unsubscribe", query={"token": forged}),
        notifications.api.post("/v1/tenants/pilot-pl/unsubscribe", query={"token": token}),
        notifications.api.post(f"/v1/tenants/{TENANT}/unsubscribe", query={"token": other_token_for_wrong_tenant}),
    ]
    done = notifications.api.post(
        f"/v1/tenants/{TENANT}/unsubscribe",
        query={"token": token},
        raw_body="List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    again = notifications.api.post(f"/v1/tenants/{TENANT}/unsubscribe", query={"token": token})
    change(notifications, report, "confirmed", "Patrol tonight.")
    notifications.settle()

    assert [reply.status for reply in refused] == [404, 404, 404]
    assert done.status == 200, done.body
    assert done.json() == {"unsubscribed": True}
    assert again.status == 200
    assert kinds(notifications.reporter_outbox(TENANT, report)) == ["report_update"]
