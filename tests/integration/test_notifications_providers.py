"""With NOTIFICATION_DELIVERY=providers the same jobs really send: e-mail by SES (with RFC 8058 one-click
unsubscribe headers), SMS by SNS, web push to the browser's push service; nothing is kept in the outbox."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends
from moto.sns.models import sns_backends

from koban import aws
from koban.notifications import delivery
from koban.settings import get_settings
from tests.api import staff_claims
from tests.integration.notifications_home import CODE, Notifications, notifications_fixture  # noqa: F401

TENANT = "pilot-fi"
REGION = "eu-west-1"
SENDER = "poliisi@example.fi"


@pytest.fixture(scope="module")
def providers(notifications: Notifications) -> Iterator[Notifications]:
    """Given the providers switched on and the sender verified in SES."""
    patch = pytest.MonkeyPatch()
    patch.setenv("NOTIFICATION_DELIVERY", "providers")
    patch.setenv("NOTIFICATION_EMAIL_FROM", SENDER)
    get_settings.cache_clear()
    delivery.adapters_for.cache_clear()
    boto3.client("ses", region_name=REGION).verify_email_identity(EmailAddress=SENDER)
    try:
        yield notifications
    finally:
        patch.undo()
        get_settings.cache_clear()
        delivery.adapters_for.cache_clear()


def sent_emails() -> list[Any]:
    return list(ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages)


def sent_sms() -> list[tuple[str, str]]:
    return list(sns_backends[DEFAULT_ACCOUNT_ID][REGION].sms_messages.values())


def test_given_providers_when_a_reporter_follows_by_email_then_ses_carries_code_and_update_with_one_click_headers(
    providers: Notifications,
) -> None:
    calls: list[dict[str, Any]] = []
    aws.client("sesv2").meta.events.register(
        "provide-client-params.sesv2.SendEmail", lambda params, **_: calls.append(params)
    )
    report = providers.report(TENANT, locale="fi")
    before = len(sent_emails())
    subscription = providers.api.post(
        f"/v1/tenants/{TENANT}/reports/{report['id']}/subscriptions",
        body={"channel": "email", "email": "liisa@example.fi", "language": "fi", "consent": True},
        headers={"X-Tracking-Token": report["tracking_token"]},
    ).json()
    providers.settle()
    code_mail = sent_emails()[before]
    found = CODE.search(code_mail.body)
    assert found is not None
    assert code_mail.destinations == {"ToAddresses": ["liisa@example.fi"]}
    assert code_mail.source == SENDER
    confirmed = providers.api.post(
        f"/v1/tenants/{TENANT}/subscriptions/{subscription['id']}/confirmation", body={"code": found.group(1)}
    )
    assert confirmed.status == 200

    providers.api.patch(
        f"/v1/tenants/{TENANT}/reports/{report['id']}",
        body={"status": "verifying", "note": "Tarkistamme asian."},
        claims=staff_claims(TENANT),
    )
    providers.settle()

    update = sent_emails()[before + 1]
    assert "Tarkistamme asian." in update.body
    headers = {header["Name"]: header["Value"] for header in calls[-1]["Content"]["Simple"]["Headers"]}
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert headers["List-Unsubscribe"].startswith(f"<http://127.0.0.1:8000/v1/tenants/{TENANT}/unsubscribe?token=")
    assert providers.reporter_outbox(TENANT, report) == []  # nothing kept when really sent


def test_given_providers_when_a_resident_subscribes_by_sms_then_sns_sends_the_code_to_the_number(
    providers: Notifications,
) -> None:
    before = len(sent_sms())

    reply = providers.api.post(
        f"/v1/tenants/{TENANT}/subscriptions",
        body={
            "channel": "sms",
            "phone": "+358401234567",
            "language": "fi",
            "area": {"polygon": _square_around_helsinki()},
            "consent": True,
        },
    )
    providers.settle()

    assert reply.status == 201, reply.body
    number, text = sent_sms()[before]
    assert number == "+358401234567"
    assert CODE.search(text)
    assert len(text) <= 450


def _square_around_helsinki() -> dict[str, Any]:
    from koban.tenants.service import get_tenant

    lat, lon = get_tenant(TENANT).area.centre or (60.17, 24.94)
    ring = [[lon - 0.01, lat - 0.005], [lon + 0.01, lat - 0.005], [lon + 0.01, lat + 0.005], [lon - 0.01, lat + 0.005]]
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


def test_given_web_push_unconfigured_in_providers_then_the_push_key_route_says_so(providers: Notifications) -> None:
    from koban.notifications import webpush

    webpush.vapid_key.cache_clear()
    reply = providers.api.get(f"/v1/tenants/{TENANT}/notifications/push-key")
    webpush.vapid_key.cache_clear()

    assert reply.status == 503
    assert reply.json()["type"].endswith("/unavailable")
