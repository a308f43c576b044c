"""Privacy over moto with the local pollers: a reporter erases their personal data with the tracking token (contact,
thread, subscriptions, photos and free text gone; counters and their rebuild unchanged), an admin's subject request
finds a person's reports and subscriptions by e-mail or phone in any notation and only in their tenant, and the
export for partners carries no personal field and redacted text."""

from __future__ import annotations

import base64
import csv
import io
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import h3
import pytest

from koban.aggregation.service import rebuild_aggregates, tenant_counters
from koban.errors import StorageError
from koban.notifications import stores
from koban.reports.service import personal_data_repository, reports_repository
from koban_local.functions import load_handler
from koban_local.streams import StreamPoller
from koban_local.template import Template
from tests.api import Reply, staff_claims
from tests.integration.notifications_home import Notifications, notifications_fixture  # noqa: F401
from tests.security.world import tiny_png

TENANT = "pilot-nl"
ADMIN = staff_claims(TENANT, "admin", "admin-nl")


@pytest.fixture(scope="module", name="aggregation")
def aggregation_fixture(notifications: Notifications, template: Template) -> Iterator[StreamPoller]:
    """The dashboard's stream consumer, as in the embedded default."""
    function = template.functions["AggregationFunction"]
    poller = StreamPoller(
        template,
        {"AggregationFunction": load_handler(function.code_uri, function.handler, {})},
        notifications.names,
        dynamodb_client=boto3.client("dynamodb"),
        streams_client=boto3.client("dynamodbstreams"),
        poll_interval=0.05,
    )
    with poller:
        yield poller


def _photo(notifications: Notifications, tenant: str = TENANT) -> str:
    reply = notifications.api.post(
        f"/v1/tenants/{tenant}/attachments",
        base64_body=base64.b64encode(tiny_png()).decode(),
        headers={"Content-Type": "image/png"},
    )
    assert reply.status == 201, reply.body
    photo: str = reply.json()["id"]
    return photo


def _report_with_everything(notifications: Notifications, email: str, phone: str) -> dict[str, Any]:
    """A report with contact, photo, free text, a thread and a confirmed subscription."""
    report = notifications.report(
        TENANT,
        description="The bar at Kerkstraat 12 is loud; call me on 06-1234 5678 or jan@example.org.",
        answers={"ongoing": True, "noise_source": "music"},
        address="Kerkstraat 12, Amsterdam",
        attachments=[_photo(notifications)],
        contact={"name": "Jan", "email": email, "phone": phone, "consent": True},
    )
    token = {"X-Tracking-Token": report["tracking_token"]}
    path = f"/v1/tenants/{TENANT}/reports/{report['id']}"
    assert (
        notifications.api.post(f"{path}/messages", body={"text": "Which floor?"}, claims=staff_claims(TENANT)).status
        == 201
    )
    assert notifications.api.post(f"{path}/messages", body={"text": "Second, flat 2b."}, headers=token).status == 201
    body = {"channel": "email", "email": email, "language": "nl", "consent": True}
    followed = notifications.api.post(f"{path}/subscriptions", body=body, headers=token)
    assert followed.status == 201, followed.body
    notifications.confirm(TENANT, followed.json()["id"])
    report["subscription_id"] = followed.json()["id"]
    return report


def _erase(notifications: Notifications, report: dict[str, Any], token: str | None = None) -> Reply:
    return notifications.api.request(
        "DELETE",
        f"/v1/tenants/{TENANT}/reports/{report['id']}/personal-data",
        headers={"X-Tracking-Token": token or report["tracking_token"]},
    )


def _objects(names: dict[str, str], tenant: str = TENANT) -> set[str]:
    listed = boto3.client("s3").list_objects_v2(Bucket=names["AttachmentsBucket"], Prefix=f"tenants/{tenant}/")
    return {item["Key"] for item in listed.get("Contents", [])}


def test_given_a_report_with_personal_data_when_its_reporter_erases_it_then_only_anonymous_counts_remain(
    notifications: Notifications, aggregation: StreamPoller
) -> None:
    # Given a report with contact, photo, free text, thread and subscription, counted on the dashboard
    report = _report_with_everything(notifications, "jan.erase@example.org", "+31 6 1111 2222")
    aggregation.drain(timeout=60)
    before = tenant_counters(TENANT)
    stored = reports_repository().get(TENANT, report["id"])
    assert stored is not None
    assert stored.report.location is not None
    photo = stored.report.attachments[0]
    assert f"tenants/{TENANT}/attachments/{photo}" in _objects(notifications.names)
    block = h3.latlng_to_cell(stored.report.location.lat, stored.report.location.lon, 9)

    # When the reporter erases their personal data, twice
    first = _erase(notifications, report)
    again = _erase(notifications, report)

    # Then both answers are the same
    assert first.status == again.status == 200, first.body
    assert first.json() == again.json()
    assert first.json()["id"] == report["id"]
    # And contact, thread, subscription and photo are gone
    assert personal_data_repository().get(TENANT, report["id"]) is None
    assert stores.threads().message_keys(TENANT, report["id"]) == []
    assert stores.subscriptions().of_report(TENANT, report["id"], stored.report.received_at) == []
    assert stores.subscriptions().get(TENANT, report["subscription_id"], stored.report.received_at) is None
    assert f"tenants/{TENANT}/attachments/{photo}" not in _objects(notifications.names)
    # And the report keeps category, status, dates and its block, with no free text, and an erasure event
    erased = reports_repository().get(TENANT, report["id"])
    assert erased is not None
    kept = erased.report
    assert (kept.category, kept.status, kept.received_at) == (stored.report.category, "new", stored.report.received_at)
    assert kept.description == ""
    assert kept.address is None
    assert kept.attachments == ()
    assert not kept.has_contact
    assert kept.answers == {"ongoing": True, "noise_source": "music"}  # choices and yes/no are no free text
    assert kept.location is not None
    assert kept.location != stored.report.location
    assert h3.latlng_to_cell(kept.location.lat, kept.location.lon, 9) == block
    assert [event.kind for event in erased.events][-1] == "personal_data_erased"
    # And the counters are as before, and a rebuild from the reports agrees
    aggregation.drain(timeout=60)
    assert tenant_counters(TENANT) == before
    assert rebuild_aggregates(TENANT).corrected == 0
    # And the reporter still sees the status, the thread is empty for staff
    view = notifications.api.get(
        f"/v1/tenants/{TENANT}/reports/{report['id']}", headers={"X-Tracking-Token": report["tracking_token"]}
    )
    assert view.status == 200
    assert view.json()["status"] == "new"
    thread = notifications.api.get(f"/v1/tenants/{TENANT}/reports/{report['id']}/messages", claims=staff_claims(TENANT))
    assert thread.status == 200
    assert thread.json()["items"] == []


def test_given_a_wrong_token_or_another_tenants_report_then_erasure_is_the_same_404(
    notifications: Notifications,
) -> None:
    # Given a report of pilot-nl and one of pilot-pl
    report = notifications.report(TENANT, contact={"email": "other@example.org", "consent": True})
    elsewhere = notifications.report("pilot-pl")
    # When erasure is asked with a wrong token, or for another tenant's report
    wrong = _erase(notifications, report, token="x" * 43)
    foreign = notifications.api.request(
        "DELETE",
        f"/v1/tenants/{TENANT}/reports/{elsewhere['id']}/personal-data",
        headers={"X-Tracking-Token": elsewhere["tracking_token"]},
    )
    missing = _erase(notifications, {"id": "0" * 20, "tracking_token": report["tracking_token"]})
    # Then all three are the same 404, and the contact is still there
    assert wrong.status == foreign.status == missing.status == 404
    assert wrong.json()["title"] == foreign.json()["title"] == missing.json()["title"]
    assert personal_data_repository().get(TENANT, report["id"]) is not None


def test_given_photos_that_fail_to_delete_then_the_erasure_is_committed_and_a_retry_finishes_it(
    notifications: Notifications, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a report with a photo, and S3 failing to delete
    report = notifications.report(
        TENANT, attachments=[_photo(notifications)], contact={"email": "s3@example.org", "consent": True}
    )
    from koban.attachments.storage import AttachmentRepository

    def failing(self: AttachmentRepository, tenant: str, attachment_id: str) -> None:
        raise StorageError("injected")

    with monkeypatch.context() as patch:
        patch.setattr(AttachmentRepository, "delete", failing)
        # When the reporter erases
        refused = _erase(notifications, report)
    # Then they are told to come back, the personal data in DynamoDB is gone already, the photo still there
    assert refused.status == 503
    assert personal_data_repository().get(TENANT, report["id"]) is None
    assert len([key for key in _objects(notifications.names) if key.endswith(stored_photo(report))]) == 1
    # When they come back, Then the erasure is finished: the photo is gone
    assert _erase(notifications, report).status == 200
    assert not [key for key in _objects(notifications.names) if key.endswith(stored_photo(report))]


def stored_photo(report: dict[str, Any]) -> str:
    from koban.privacy.stores import privacy_repository

    marker = privacy_repository().marker(TENANT, report["id"])
    return marker.attachments[0] if marker else "no marker left"


def _subject(notifications: Notifications, action: str, tenant: str = TENANT, **who: str) -> Reply:
    return notifications.api.post(
        f"/v1/tenants/{tenant}/privacy/subject-requests",
        body={"action": action, **who},
        claims=staff_claims(tenant, "admin", f"admin-{tenant}"),
    )


def test_given_a_subject_with_reports_and_subscriptions_when_an_admin_erases_them_then_all_are_found_by_address(
    notifications: Notifications,
) -> None:
    # Given a person's two reports (e-mail on one, a national phone number on the other), an area subscription by
    # SMS in E.164, and a report of someone else; and the same address in another tenant
    tag = uuid.uuid4().hex[:8]
    email = f"Subject.{tag}@Example.org"
    by_mail = notifications.report(TENANT, contact={"email": email, "consent": True})
    by_phone = notifications.report(TENANT, contact={"phone": "06-2345 6789", "consent": True})
    other = notifications.report(TENANT, contact={"email": f"other.{tag}@example.org", "consent": True})
    foreign = notifications.report("pilot-pl", contact={"email": email, "consent": True})
    block = h3.latlng_to_cell(52.37, 4.89, 9)
    area = notifications.api.post(
        f"/v1/tenants/{TENANT}/subscriptions",
        body={"channel": "sms", "phone": "+31623456789", "language": "nl", "consent": True, "area": {"cells": [block]}},
    )
    assert area.status == 201, area.body

    # When an admin asks what is held, by the address in another case and the number in E.164
    access = _subject(notifications, "access", email=email.lower(), phone="+31 6 2345 6789")
    # Then both reports and the subscription are found, with what they hold, and not the other person's
    assert access.status == 200, access.body
    assert sorted(access.json()["reports"]) == sorted([by_mail["id"], by_phone["id"]])
    assert access.json()["subscriptions"] == [area.json()["id"]]
    assert {held["contact"]["email"] for held in access.json()["held"]} == {email, None}

    # When the admin erases
    erased = _subject(notifications, "erase", email=email, phone="0623456789")
    # Then the reports are erased, the subscription removed, and nothing is found any more
    assert erased.status == 200, erased.body
    assert sorted(erased.json()["reports"]) == sorted([by_mail["id"], by_phone["id"]])
    assert erased.json()["complete"] is True
    for report in (by_mail, by_phone):
        stored = reports_repository().get(TENANT, report["id"])
        assert stored is not None
        assert stored.report.erased_at is not None
        assert personal_data_repository().get(TENANT, report["id"]) is None
    again = _subject(notifications, "access", email=email, phone="0623456789")
    assert again.json()["reports"] == []
    assert again.json()["subscriptions"] == []
    # And the other person's report and the other tenant's are untouched
    assert personal_data_repository().get(TENANT, other["id"]) is not None
    assert personal_data_repository().get("pilot-pl", foreign["id"]) is not None


def test_given_reports_when_a_partner_exports_them_then_no_personal_field_and_the_text_is_redacted(
    notifications: Notifications,
) -> None:
    # Given a report whose text holds a phone number and an e-mail address, and a formula
    report = notifications.report(
        TENANT,
        description='=HYPERLINK("x") noise; ring 06-1234 5678 or jan@example.org, since 2025-03-12',
        contact={"name": "Jan Jansen", "email": "jan.export@example.org", "consent": True},
    )
    # When a partner exports the last days
    reply = notifications.api.get(
        f"/v1/tenants/{TENANT}/reports/export", claims=staff_claims(TENANT, "partner", "partner-nl")
    )
    officer = notifications.api.get(f"/v1/tenants/{TENANT}/reports/export", claims=staff_claims(TENANT))
    # Then it is a UTF-8 CSV with only the anonymous columns; the text redacted and not run as a formula
    assert reply.status == 200, reply.body
    assert officer.status == 403
    assert reply.headers["Content-Type"].startswith("text/csv")
    assert reply.body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(reply.body.lstrip("\ufeff"))))
    assert rows[0] == ["id", "category", "status", "received_at", "closed_at", "h3_cell", "description"]
    row = next(row for row in rows if row[0] == report["id"])
    assert row[6] == '\'=HYPERLINK("x") noise; ring [phone] or [e-mail], since 2025-03-12'
    assert h3.is_valid_cell(row[5])
    assert h3.get_resolution(row[5]) == 9
    for personal in ("Jan Jansen", "jan.export@example.org", "06-1234", report["tracking_token"]):
        assert personal not in reply.body
