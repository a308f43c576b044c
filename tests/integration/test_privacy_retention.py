"""The retention rule for reports over moto: the hourly privacy maintenance anonymises a closed report once its
tenant's retention has passed since its last change (through the erasure: photos, text and contact gone, the point in
the same cells, counters unchanged, one audit entry by `system`), and nothing else: not a report closed within the
period, not an open case however old, not another tenant's report under a longer retention. It reads lifecycle
changes from a per-tenant bookmark, so a run with nothing new reads nothing, and it goes on where a full run stopped.

Reports are aged by the reports' clock (`koban.reports.service._now`): they are submitted and closed in the past
through the API, as they would have been, with their events, index keys and audit entries dated then. Each test has
tenants of its own: a report dated before a tenant's bookmark (which never happens outside tests) is not seen."""

from __future__ import annotations

import base64
import functools
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import h3
import pytest

import koban.reports.service as reports_service
import koban.tenants.service as tenants_service
from koban.aggregation.service import rebuild_aggregates, tenant_counters
from koban.attachments.storage import AttachmentRepository
from koban.audit.service import audit_log
from koban.errors import StorageError
from koban.geo import RESOLUTIONS
from koban.privacy.maintenance import maintain
from koban.privacy.stores import privacy_repository
from koban.reports.models import ReportWithHistory
from koban.reports.service import reports_repository
from koban.tenants.service import list_tenants
from koban_local.metering import metered
from koban_local.streams import StreamPoller
from tests.api import staff_claims
from tests.integration.notifications_home import Notifications, notifications_fixture  # noqa: F401
from tests.integration.test_privacy import aggregation_fixture  # noqa: F401
from tests.security.world import tiny_png

SHORT, LONG = "pilot-be", "pilot-pt"  # retention 30 days, and 400 days
PAGED = "pilot-fi"  # retention 30 days
FAILING = "pilot-nl"  # retention 30 days
RETENTION_DAYS = {SHORT: 30, LONG: 400, PAGED: 30, FAILING: 30}
# The way to each status from new, as staff would go.
PATHS = {
    "resolved": ("confirmed", "resolved"),
    "rejected": ("rejected",),
    "in_progress": ("confirmed", "in_progress"),
}


class Clock:
    """The reports' clock, set to a moment; each reading moves it on a millisecond, as real time would."""

    def __init__(self) -> None:
        self.at: datetime | None = None

    def __call__(self) -> datetime:
        if self.at is None:
            return datetime.now(UTC)
        self.at += timedelta(milliseconds=1)
        return self.at

    def days_ago(self, days: float) -> None:
        self.at = datetime.now(UTC) - timedelta(days=days)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(reports_service, "_now", clock)
    return clock


@pytest.fixture(autouse=True)
def retention_days(monkeypatch: pytest.MonkeyPatch) -> None:
    """Given the tenants' own retention periods (the others keep the deployment's 365 days)."""
    tenants = {
        tenant.id: tenant.model_copy(update={"personal_data_retention_days": RETENTION_DAYS.get(tenant.id)})
        for tenant in list_tenants()
    }
    monkeypatch.setattr(tenants_service, "_tenants_by_id", functools.cache(lambda: tenants))


def _closed(
    notifications: Notifications, clock: Clock, tenant: str, *, received: float, closed: float, status: str
) -> dict[str, Any]:
    """A report with a photo, a contact, an address and text, received `received` days ago and moved to `status`
    `closed` days ago."""
    upload = notifications.api.post(
        f"/v1/tenants/{tenant}/attachments",
        base64_body=base64.b64encode(tiny_png()).decode(),
        headers={"Content-Type": "image/png"},
    )
    assert upload.status == 201, upload.body
    clock.days_ago(received)
    report = notifications.report(
        tenant,
        description="The bar at Kerkstraat 12 is loud; call me on 06-1234 5678.",
        address="Kerkstraat 12",
        attachments=[upload.json()["id"]],
        contact={"name": "Jan", "email": f"jan.{tenant}@example.org", "consent": True},
    )
    clock.days_ago(closed)
    for step in PATHS[status]:
        change = {"status": step, "note": "Done."}
        reply = notifications.api.patch(
            f"/v1/tenants/{tenant}/reports/{report['id']}", body=change, claims=staff_claims(tenant, "supervisor")
        )
        assert reply.status == 200, reply.body
    clock.at = None
    return report


def _stored(tenant: str, report: dict[str, Any]) -> ReportWithHistory:
    stored = reports_repository().get(tenant, report["id"])
    assert stored is not None
    return stored


def _photos(names: dict[str, str], tenant: str) -> set[str]:
    listed = boto3.client("s3").list_objects_v2(Bucket=names["AttachmentsBucket"], Prefix=f"tenants/{tenant}/")
    return {item["Key"].rsplit("/", 1)[-1] for item in listed.get("Contents", [])}


def _contact_item(names: dict[str, str], tenant: str, report: dict[str, Any]) -> bool:
    key = {"pk": {"S": f"CONTACT#{tenant}#{report['id']}"}, "sk": {"S": "CONTACT"}}
    return "Item" in boto3.client("dynamodb").get_item(TableName=names["PersonalDataTable"], Key=key)


def _erasure_entries(tenant: str, report: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        entry
        for entry in audit_log().stored_entries(tenant)
        if entry["action"] == "erasure" and entry["target"] == f"report/{report['id']}"
    ]


def test_given_closed_and_open_reports_when_maintenance_runs_then_only_those_closed_past_retention_are_anonymised(
    notifications: Notifications, aggregation: StreamPoller, clock: Clock
) -> None:
    # Given, in a tenant keeping personal data 30 days: a report resolved 40 days ago, one resolved 10 days ago,
    # one received 60 days ago but resolved 10 days ago, and an open case received 40 days ago
    old = _closed(notifications, clock, SHORT, received=41, closed=40, status="resolved")
    recent = _closed(notifications, clock, SHORT, received=11, closed=10, status="resolved")
    late = _closed(notifications, clock, SHORT, received=60, closed=10, status="resolved")
    open_case = _closed(notifications, clock, SHORT, received=41, closed=40, status="in_progress")
    # And a report resolved 40 days ago in a tenant keeping personal data 400 days
    kept_longer = _closed(notifications, clock, LONG, received=41, closed=40, status="resolved")
    aggregation.drain(timeout=60)
    counters = tenant_counters(SHORT)
    before = {report["id"]: _stored(tenant, report) for tenant, report in
              [(SHORT, old), (SHORT, recent), (SHORT, late), (SHORT, open_case), (LONG, kept_longer)]}  # fmt: skip
    old_before = before[old["id"]].report
    assert old_before.location is not None
    photo = old_before.attachments[0]
    assert photo in _photos(notifications.names, SHORT)

    # When the maintenance runs
    outcome = maintain()

    # Then exactly the report resolved 40 days ago is anonymised
    assert (outcome.anonymised, outcome.still_failing, outcome.more_left) == (1, 0, False)
    erased = _stored(SHORT, old)
    kept = erased.report
    assert kept.erased_at is not None
    assert (kept.description, kept.address, kept.attachments, kept.has_contact) == ("", None, (), False)
    assert kept.answers == old_before.answers  # choices and yes/no are no free text
    assert (kept.category, kept.status, kept.received_at, kept.updated_at) == (
        old_before.category, "resolved", old_before.received_at, old_before.updated_at
    )  # fmt: skip
    assert photo not in _photos(notifications.names, SHORT)
    assert not _contact_item(notifications.names, SHORT, old)
    # And its point moved within the very cells the dashboard counts it in
    assert kept.location is not None
    assert kept.location != old_before.location
    for resolution in RESOLUTIONS:
        assert h3.latlng_to_cell(kept.location.lat, kept.location.lon, resolution) == h3.latlng_to_cell(
            old_before.location.lat, old_before.location.lon, resolution
        )
    # And its history says so, and the audit log has one erasure entry, by the system, for the retention
    assert (erased.events[-1].kind, erased.events[-1].actor) == ("personal_data_erased", "system")
    (entry,) = _erasure_entries(SHORT, old)
    assert (entry["actor"], entry["detail"]["via"], entry["detail"]["photos"]) == ("system", "retention", "1")
    # And nothing else changed: closed within the period, closed lately, open, or under a longer retention
    for tenant, report in [(SHORT, recent), (SHORT, late), (SHORT, open_case), (LONG, kept_longer)]:
        assert _stored(tenant, report) == before[report["id"]], report
        assert _contact_item(notifications.names, tenant, report)
    # And the counters are as they were, and a rebuild from the reports agrees
    aggregation.drain(timeout=60)
    assert tenant_counters(SHORT) == counters
    assert rebuild_aggregates(SHORT).corrected == 0

    # When it runs again, Then it does nothing, reading each tenant's markers and lifecycle changes past the
    # cut-off (none: each change is read once) and the bookmark: one item, however many were anonymised before
    with metered() as meter:
        again = maintain()
    assert (again.anonymised, again.more_left) == (0, False)
    assert dict(meter.calls) == {"dynamodb.Query": 2 * len(list_tenants()), "dynamodb.GetItem": len(list_tenants())}
    assert meter.items_read == 1  # SHORT's bookmark

    # When the report anonymised is reopened, Then it stays anonymised
    reopened = notifications.api.patch(
        f"/v1/tenants/{SHORT}/reports/{old['id']}",
        body={"status": "verifying", "note": "Again."},
        claims=staff_claims(SHORT, "supervisor"),
    )
    assert reopened.status == 200, reopened.body
    assert reopened.json()["description"] == ""

    # When 25 days have passed, Then the two reports resolved 10 days ago are anonymised, the one received 60 days
    # ago among them, and the open case and the reopened report are not
    later = maintain(now=datetime.now(UTC) + timedelta(days=25))
    assert later.anonymised == 2
    assert _stored(SHORT, recent).report.erased_at is not None
    assert _stored(SHORT, late).report.erased_at is not None
    assert _stored(SHORT, open_case) == before[open_case["id"]]
    assert _stored(LONG, kept_longer) == before[kept_longer["id"]]
    assert len(_erasure_entries(SHORT, old)) == 1


def test_given_more_closed_reports_than_a_run_takes_then_each_run_goes_on_where_the_last_stopped(
    notifications: Notifications, clock: Clock
) -> None:
    # Given five reports rejected 40 days ago, each with two lifecycle changes (received, rejected)
    reports = [_closed(notifications, clock, PAGED, received=41, closed=40, status="rejected") for _ in range(5)]
    # When runs anonymise at most two reports a tenant
    runs = [maintain(reports_per_tenant=2) for _ in range(3)]
    # Then they take two, two and one, saying whether more are left, oldest first
    assert [(run.anonymised, run.more_left) for run in runs] == [(2, True), (2, True), (1, False)]
    assert all(_stored(PAGED, report).report.erased_at is not None for report in reports)
    assert all(len(_erasure_entries(PAGED, report)) == 1 for report in reports)

    # Given three more, When runs read at most three lifecycle changes a tenant
    more = [_closed(notifications, clock, PAGED, received=39, closed=38, status="rejected") for _ in range(3)]
    runs = [maintain(changes_per_tenant=3) for _ in range(3)]
    # Then each goes on from the bookmark: the three received (nothing to do, a full page), the three rejected,
    # and the third run finds nothing new
    assert [(run.anonymised, run.more_left) for run in runs] == [(0, True), (3, True), (0, False)]
    assert all(_stored(PAGED, report).report.erased_at is not None for report in more)
    assert privacy_repository().retention_bookmark(PAGED) is not None


def test_given_s3_failing_when_a_closed_report_is_anonymised_then_it_is_committed_and_the_next_run_finishes_it(
    notifications: Notifications, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a report resolved 40 days ago, and S3 refusing to delete photos
    report = _closed(notifications, clock, FAILING, received=41, closed=40, status="resolved")
    photo = _stored(FAILING, report).report.attachments[0]
    delete = AttachmentRepository.delete

    def refused(self: AttachmentRepository, tenant: str, attachment_id: str) -> None:
        raise StorageError("injected")

    monkeypatch.setattr(AttachmentRepository, "delete", refused)
    # When the maintenance runs
    failed = maintain()
    # Then the anonymisation is committed (no text, no photo named) and counted as failing, its photo left
    assert (failed.anonymised, failed.still_failing) == (0, 1)
    assert _stored(FAILING, report).report.attachments == ()
    assert photo in _photos(notifications.names, FAILING)
    # When S3 works again and the next run comes
    monkeypatch.setattr(AttachmentRepository, "delete", delete)
    finished = maintain()
    # Then it finishes that erasure (the photo goes), anonymises nothing twice, and one audit entry stays
    assert (finished.finished, finished.anonymised, finished.still_failing) == (1, 0, 0)
    assert photo not in _photos(notifications.names, FAILING)
    assert len(_erasure_entries(FAILING, report)) == 1
