"""Two-way communication without I/O: what messages say in each language, what the API refuses, tokens and
codes, which stream records become jobs, pacing, and how plugins choose the channel adapters."""

from __future__ import annotations

import types
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pluggy
import pytest
from pydantic import ValidationError

from koban.dynamo import serialize
from koban.i18n import SUPPORTED_LANGUAGES, translate
from koban.notifications import delivery, messages, report_updates, tokens
from koban.notifications.adapters import OutboxAdapter, SesEmailAdapter, SnsSmsAdapter, WebPushAdapter
from koban.notifications.jobs import AlertBatchJob, ReportUpdateJob, ThreadJob, parse_job
from koban.notifications.models import (
    Alert,
    AlertStatus,
    AlertText,
    Audience,
    NotificationChannel,
    Severity,
    Subscription,
    SubscriptionKind,
    SubscriptionStatus,
)
from koban.notifications.schemas import AlertIn, AreaSubscriptionIn, ReportSubscriptionIn
from koban.notifications.storage import IndexEntry
from koban.plugins import hookimpl
from koban.plugins.host import build_plugin_manager
from koban.tenants.service import get_tenant

NOW = datetime(2026, 11, 21, 12, tzinfo=UTC)
REPORT_ID = "01m7zvp22xsw2dr83akx"
P256DH = "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4"
AUTH = "BTBZMqHH6r4Tts7J_aSIgg"


def subscription(language: str = "nl", channel: NotificationChannel = NotificationChannel.EMAIL) -> Subscription:
    return Subscription(
        tenant="pilot-nl",
        id="01m7zvp283rh0ebpc92t",
        kind=SubscriptionKind.REPORT,
        channel=channel,
        address="anna.de.vries@example.org" if channel is NotificationChannel.EMAIL else "+31612345678",
        language=language,
        report_id=REPORT_ID,
        status=SubscriptionStatus.ACTIVE,
        unsubscribe_token="01m7zvp283rh0ebpc92t." + "A" * 43,
        created_at=NOW,
        expires_at=NOW + timedelta(days=365),
    )


# ------------------------------------------------------------------------------------------------ messages


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_given_every_language_then_each_notification_message_is_translated(language: str) -> None:
    keys = [
        "notify.confirm.subject",
        "notify.confirm.text",
        "notify.report_update.subject",
        "notify.report_update.text",
        "notify.report_update.note",
        "notify.report_update.private",
        "notify.thread.subject",
        "notify.thread.text",
        "notify.alert.more",
        "notify.unsubscribe",
    ]
    english = {key: translate(key, "en", code="1", report="R", status="S", note="N", url="U") for key in keys}

    for key in keys:
        text = translate(key, language, code="1", report="R", status="S", note="N", url="U")
        assert text != key
        if language != "en":
            assert text != english[key], f"{key} is not translated into {language}"


def test_given_a_status_change_with_a_note_then_the_reporter_reads_status_and_note_in_their_language() -> None:
    rendered = messages.report_update(subscription("pl"), REPORT_ID, "W trakcie", "Patrol sprawdzi.", False)

    assert rendered.subject == translate("notify.report_update.subject", "pl")
    assert "W trakcie" in rendered.text
    assert "Patrol sprawdzi." in rendered.text
    assert rendered.url is not None
    assert rendered.url.endswith(f"/app/pilot-nl/#report={REPORT_ID}")


def test_given_a_sensitive_report_then_the_note_stays_behind_the_tracking_code() -> None:
    rendered = messages.report_update(subscription("en"), REPORT_ID, "Confirmed", "The suspect was found.", True)

    assert "suspect" not in rendered.text
    assert translate("notify.report_update.private", "en") in rendered.text


def test_given_a_long_alert_when_sent_by_sms_then_it_stays_short_and_keeps_its_links() -> None:
    rendered = messages.Rendered(subject="Scam wave", text="x" * 2000, url="https://koban.example/app/pilot-nl/#a=1")

    sms = messages.for_channel(NotificationChannel.SMS, rendered, "en", "https://koban.example/u")
    email = messages.for_channel(NotificationChannel.EMAIL, rendered, "en", "https://koban.example/u")

    assert len(sms) <= messages.SMS_LIMIT
    assert "https://koban.example/u" in sms
    assert "https://koban.example/app/pilot-nl/#a=1" in sms
    assert "x" * 2000 in email


@pytest.mark.parametrize(
    ("channel", "address", "expected"),
    [
        (NotificationChannel.EMAIL, "anna.de.vries@example.org", "a***@example.org"),
        (NotificationChannel.SMS, "+31612345678", "+31******678"),
    ],
)
def test_given_an_address_when_shown_to_staff_then_it_is_masked(
    channel: NotificationChannel, address: str, expected: str
) -> None:
    assert messages.mask(channel, address, None) == expected


def test_given_an_alert_then_each_subscriber_gets_their_language_else_the_tenants_else_the_first() -> None:
    alert = Alert(
        tenant="pilot-nl",
        id="01m7zvp22xsw2dr83akx",
        texts={"nl": AlertText(title="Oplichting", body="…"), "en": AlertText(title="Scam", body="…")},
        audience=Audience.OLDER_PEOPLE,
        severity=Severity.WARNING,
        cells=("871969c9bffffff",),
        status=AlertStatus.SENDING,
        created_by="officer",
        created_at=NOW,
        updated_at=NOW,
    )

    assert messages.alert_language(alert, "en", "nl") == "en"
    assert messages.alert_language(alert, "pl", "nl") == "nl"
    assert messages.alert_language(alert, "pl", "fi") == "nl"


# ------------------------------------------------------------------------------------------------ input


def contact(**overrides: Any) -> dict[str, Any]:
    return {"channel": "email", "email": "anna@example.org", "language": "nl", "consent": True, **overrides}


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (contact(consent=False), "consent"),
        (contact(channel="sms"), "needs 'phone'"),
        (contact(phone="+31612345678"), "needs 'email'"),
        (contact(channel="sms", email=None, phone="0612345678"), "phone"),
        (contact(language="xx"), "language"),
        (contact(email="not-an-address"), "email"),
        (contact(extra="field"), "extra"),
        (contact(channel="push", email=None, push={"endpoint": "https://fcm.googleapis.com/x", "keys": {}}), "keys"),
        (
            contact(
                channel="push",
                email=None,
                push={"endpoint": "https://fcm.googleapis.com/x", "keys": {"p256dh": "AAAA" * 5, "auth": AUTH}},
            ),
            "65-byte",
        ),
    ],
)
def test_given_a_bad_subscription_when_validated_then_it_is_refused_naming_the_problem(
    body: dict[str, Any], fragment: str
) -> None:
    with pytest.raises(ValidationError, match=fragment):
        ReportSubscriptionIn.model_validate(body)


def test_given_a_browser_push_subscription_then_it_is_accepted_as_the_push_api_gives_it() -> None:
    request = ReportSubscriptionIn.model_validate(
        contact(
            channel="push",
            email=None,
            push={
                "endpoint": "https://fcm.googleapis.com/fcm/send/x",
                "expirationTime": None,
                "keys": {"p256dh": P256DH, "auth": AUTH},
            },
        )
    )

    assert request.push is not None
    assert request.push.keys["auth"] == AUTH


@pytest.mark.parametrize(
    "area",
    [
        {},
        {"cells": []},
        {"cells": ["871969c9bffffff"], "polygon": {"type": "Polygon", "coordinates": [[[4.8, 52.3]] * 4]}},
        {"polygon": {"type": "Polygon", "coordinates": [[[4.8, 52.3], [4.9, 52.3], [4.9, 52.4], [4.8, 52.4]]]}},
        {"polygon": {"type": "Polygon", "coordinates": [[[4.8, 52.3], [4.9, 52.3], [float("nan"), 1], [4.8, 52.3]]]}},
        {"polygon": {"type": "Point", "coordinates": [4.8, 52.3]}},
    ],
)
def test_given_a_bad_area_then_it_is_refused(area: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        AreaSubscriptionIn.model_validate(contact(area=area))


def test_given_alert_languages_without_a_text_then_the_alert_is_refused() -> None:
    with pytest.raises(ValidationError, match="have no text"):
        AlertIn.model_validate(
            {
                "texts": {"nl": {"title": "T", "body": "B"}},
                "languages": ["nl", "en"],
                "area": {"cells": ["871969c9bffffff"]},
            }
        )


# ------------------------------------------------------------------------------------------------ tokens


def test_given_a_receipt_when_parsed_then_it_names_its_delivery_and_only_its_digest_is_comparable() -> None:
    token, digest = tokens.new_receipt(f"alert:{REPORT_ID}", "01m7zvp283rh0ebpc92t")

    assert tokens.parse_receipt(token) == (f"alert:{REPORT_ID}", "01m7zvp283rh0ebpc92t", digest)
    assert tokens.parse_receipt(token + "x") is None
    assert tokens.parse_receipt("alert:x~y~z") is None


def test_given_a_confirmation_code_then_only_it_matches_its_subscription() -> None:
    code = tokens.new_code()
    stored = tokens.code_digest("01m7zvp283rh0ebpc92t", code)

    assert len(code) == 6
    assert code.isdigit()
    assert tokens.code_matches("01m7zvp283rh0ebpc92t", code, stored)
    assert not tokens.code_matches("01m7zvp283rh0ebpc92u", code, stored)
    assert not tokens.code_matches("01m7zvp283rh0ebpc92t", f"{(int(code) + 1) % 10**6:06d}", stored)


def test_given_a_job_from_the_queue_then_unknown_kinds_and_extra_fields_are_refused() -> None:
    job = parse_job(
        AlertBatchJob(tenant="pilot-nl", alert_id=REPORT_ID, subscription_ids=[REPORT_ID]).model_dump_json()
    )

    assert isinstance(job, AlertBatchJob)
    with pytest.raises(ValidationError):
        parse_job('{"kind": "drop_tables", "tenant": "pilot-nl"}')
    with pytest.raises(ValidationError):
        parse_job(job.model_dump_json()[:-1] + ', "address": "a@b.c"}')


# ------------------------------------------------------------------------------------------------ stream


def stream_record(event: dict[str, Any], name: str = "INSERT", sort_key: str = "EVENT#2026#a1") -> dict[str, Any]:
    return {
        "eventName": name,
        "dynamodb": {
            "Keys": serialize({"pk": f"REPORT#pilot-nl#{REPORT_ID}", "sk": sort_key}),
            "NewImage": serialize(event),
        },
    }


def status_event(**overrides: Any) -> dict[str, Any]:
    return {
        "kind": "status_changed",
        "at": (NOW - timedelta(minutes=5)).isoformat(),
        "to_status": "in_progress",
        "public_note": "A patrol will check tonight.",
        "sensitive": False,
        **overrides,
    }


MESSAGE_ID = "01abcdefghjkmnpqrstv"


def message_event(**overrides: Any) -> dict[str, Any]:
    return {
        "kind": "message_posted",
        "at": (NOW - timedelta(seconds=2)).isoformat(),
        "actor": "officer-1",
        "author": "staff",
        "message_id": MESSAGE_ID,
        **overrides,
    }


def test_given_a_fresh_status_change_when_streamed_then_it_becomes_a_report_update_job() -> None:
    job = report_updates.job_for(stream_record(status_event()), now=NOW)

    assert isinstance(job, ReportUpdateJob)
    assert (job.tenant, job.report_id, job.status, job.note) == (
        "pilot-nl",
        REPORT_ID,
        "in_progress",
        "A patrol will check tonight.",
    )
    assert job == report_updates.job_for(stream_record(status_event()), now=NOW)  # the same event, the same job


@pytest.mark.parametrize(
    "record",
    [
        stream_record(status_event(), name="MODIFY"),
        stream_record(status_event(), sort_key="#REPORT"),
        stream_record(status_event(kind="contact_viewed")),
        stream_record(status_event(at=(NOW - timedelta(days=3)).isoformat())),  # history being seeded
        stream_record(status_event(at="yesterday")),
        stream_record(message_event(author="reporter")),  # the reporter's own answer
        stream_record(message_event(message_id=None)),  # an event of before messages carried their id
    ],
)
def test_given_anything_else_on_the_stream_then_no_job_is_made(record: dict[str, Any]) -> None:
    assert report_updates.job_for(record, now=NOW) is None


def test_given_a_message_of_the_team_when_streamed_then_it_becomes_a_thread_job_keyed_by_the_message() -> None:
    # Given the message_posted event stored in one transaction with the team's message (the outbox entry)
    record = stream_record(message_event())
    # When the stream delivers it (at least once)
    job = report_updates.job_for(record, now=NOW)
    # Then it is the nudge for that message, the same job each time (the ledger sends it once)
    assert job == ThreadJob(tenant="pilot-nl", report_id=REPORT_ID, message_id=MESSAGE_ID)
    assert job == report_updates.job_for(record, now=NOW)


# ------------------------------------------------------------------------------------------------ pacing


def test_given_a_pace_when_sending_then_sends_are_spaced_by_its_interval(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = {"now": 100.0}
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock["now"] += seconds

    monkeypatch.setattr("koban.notifications.delivery.time.monotonic", lambda: clock["now"])
    monkeypatch.setattr("koban.notifications.delivery.time.sleep", sleep)
    pacer = delivery.Pacer(rate=20)

    for _ in range(5):
        pacer.wait()

    assert slept == pytest.approx([0.05] * 4)
    assert delivery.Pacer(rate=0).interval == 0


def replace_alert(alert: Alert, **changes: Any) -> Alert:
    return alert.model_copy(update=changes)


def test_given_an_index_entry_then_language_audience_and_area_decide_whether_an_alert_wants_it() -> None:
    alert = Alert(
        tenant="pilot-nl",
        id=REPORT_ID,
        texts={"nl": AlertText(title="T", body="B")},
        languages=("nl",),
        audience=Audience.OLDER_PEOPLE,
        severity=Severity.INFO,
        cells=("891969c9b67ffff",),
        status=AlertStatus.SENDING,
        created_by="o",
        created_at=NOW,
        updated_at=NOW,
    )
    entry = IndexEntry("s", "email", "nl", "active", ("871969c9bffffff",), ("older_people",))
    inside = frozenset({"891969c9b67ffff"})

    assert delivery.wanted(alert, entry, inside)
    assert not delivery.wanted(alert, replace(entry, language="en"), inside)
    assert not delivery.wanted(alert, replace(entry, audiences=("parents",)), inside)
    assert not delivery.wanted(alert, replace(entry, cells=("891969c9b63ffff",)), inside)
    assert not delivery.wanted(alert, replace(entry, status="pending"), inside)
    assert delivery.wanted(replace_alert(alert, audience=Audience.EVERYONE), replace(entry, audiences=()), inside)


# ------------------------------------------------------------------------------------------------ the hook


class CitySms:
    """A city's own SMS gateway."""

    channel = NotificationChannel.SMS

    def send(self, message: Any) -> Any:  # pragma: no cover - only chosen, not called
        raise NotImplementedError


@pytest.fixture
def city_manager(monkeypatch: pytest.MonkeyPatch) -> Iterator[pluggy.PluginManager]:
    manager = build_plugin_manager()
    city = types.ModuleType("city_sms")

    @hookimpl
    def koban_notification_adapters(tenant: Any, delivery: str) -> dict[str, Any]:
        return {"sms": CitySms()} if tenant.id == "pilot-nl" else {}

    city.koban_notification_adapters = koban_notification_adapters  # type: ignore[attr-defined]
    manager.register(city, name="city_sms")
    monkeypatch.setattr(delivery, "plugin_manager", lambda: manager)
    delivery.adapters_for.cache_clear()
    yield manager
    delivery.adapters_for.cache_clear()


def test_given_the_default_plugin_then_koban_notification_adapters_gives_the_outbox_or_the_providers() -> None:
    import koban_default

    tenant = get_tenant("pilot-nl")
    outbox = koban_default.koban_notification_adapters(tenant=tenant, delivery="outbox")
    providers = koban_default.koban_notification_adapters(tenant=tenant, delivery="providers")

    assert set(outbox) == set(providers) == {"email", "sms", "push"}
    assert all(isinstance(adapter, OutboxAdapter) for adapter in outbox.values())
    assert isinstance(providers["email"], SesEmailAdapter)
    assert isinstance(providers["sms"], SnsSmsAdapter)
    assert isinstance(providers["push"], WebPushAdapter)


def test_given_a_city_plugin_with_its_own_sms_gateway_then_it_wins_for_sms_only(
    city_manager: pluggy.PluginManager,
) -> None:
    nl = delivery.adapters_for("pilot-nl")
    pl = delivery.adapters_for("pilot-pl")

    assert isinstance(nl[NotificationChannel.SMS], CitySms)
    assert isinstance(nl[NotificationChannel.EMAIL], OutboxAdapter)
    assert isinstance(pl[NotificationChannel.SMS], OutboxAdapter)
