"""The hourly privacy maintenance over moto: the scheduled function, invoked as the local home's schedule runner
invokes it (EventBridge's event), finishes every tenant's erasure that S3 interrupted after its commit, touches
nothing else, goes on where a full page stopped, and costs two Queries and a GetItem per tenant when there is nothing
to do. Its retention rule for closed reports: test_privacy_retention.py."""

from __future__ import annotations

import base64
from typing import Any

import boto3
import pytest

from koban.attachments.storage import AttachmentRepository
from koban.errors import StorageError
from koban.privacy.maintenance import maintain
from koban.privacy.stores import privacy_repository
from koban.reports.service import reports_repository
from koban.tenants.service import list_tenants
from koban_local.cli import main
from koban_local.functions import load_handler
from koban_local.metering import metered
from koban_local.schedules import ScheduleRunner
from koban_local.template import Template
from tests.integration.notifications_home import Notifications, notifications_fixture  # noqa: F401
from tests.security.world import tiny_png

FUNCTION = "PrivacyMaintenanceFunction"


@pytest.fixture(scope="module")
def schedules(notifications: Notifications, template: Template) -> ScheduleRunner:
    """The maintenance function as the local home runs it on its schedule (not started: run_once drives it)."""
    function = template.functions[FUNCTION]
    return ScheduleRunner(
        template, {FUNCTION: load_handler(function.code_uri, function.handler, {})}, max_interval=3600
    )


def _run(schedules: ScheduleRunner) -> dict[str, Any]:
    (source,) = schedules.sources
    outcome: dict[str, Any] = schedules.run_once(source)
    return outcome


@pytest.fixture
def failing_s3_for(monkeypatch: pytest.MonkeyPatch) -> set[str]:
    """Tenants whose photos S3 refuses to delete while the test adds them here."""
    tenants: set[str] = set()
    delete = AttachmentRepository.delete

    def failing(self: AttachmentRepository, tenant: str, attachment_id: str) -> None:
        if tenant in tenants:
            raise StorageError("injected")
        delete(self, tenant, attachment_id)

    monkeypatch.setattr(AttachmentRepository, "delete", failing)
    return tenants


def _photo(notifications: Notifications, tenant: str) -> str:
    reply = notifications.api.post(
        f"/v1/tenants/{tenant}/attachments",
        base64_body=base64.b64encode(tiny_png()).decode(),
        headers={"Content-Type": "image/png"},
    )
    assert reply.status == 201, reply.body
    photo: str = reply.json()["id"]
    return photo


def _interrupted_erasure(notifications: Notifications, tenant: str, failing: set[str]) -> tuple[dict[str, Any], str]:
    """A report with a photo whose reporter's erasure S3 interrupted after the commit (503); the photo's id."""
    photo = _photo(notifications, tenant)
    report = notifications.report(tenant, attachments=[photo], contact={"email": "m@example.org", "consent": True})
    failing.add(tenant)
    refused = notifications.api.request(
        "DELETE",
        f"/v1/tenants/{tenant}/reports/{report['id']}/personal-data",
        headers={"X-Tracking-Token": report["tracking_token"]},
    )
    assert refused.status == 503, refused.body
    assert privacy_repository().marker(tenant, report["id"]) is not None
    return report, photo


def _stored_photos(names: dict[str, str], tenant: str) -> set[str]:
    listed = boto3.client("s3").list_objects_v2(Bucket=names["AttachmentsBucket"], Prefix=f"tenants/{tenant}/")
    return {item["Key"].rsplit("/", 1)[-1] for item in listed.get("Contents", [])}


def test_given_erasures_s3_interrupted_when_the_schedule_runs_then_they_are_finished_and_nothing_else_changes(
    notifications: Notifications, schedules: ScheduleRunner, failing_s3_for: set[str]
) -> None:
    # Given an erasure in pilot-nl and one in pilot-pl that S3 interrupted after the commit
    report, photo = _interrupted_erasure(notifications, "pilot-nl", failing_s3_for)
    elsewhere, elsewhere_photo = _interrupted_erasure(notifications, "pilot-pl", failing_s3_for)
    erased = reports_repository().get("pilot-nl", report["id"])
    # And S3 working again for pilot-nl only
    failing_s3_for.discard("pilot-nl")

    # When the schedule runs
    outcome = _run(schedules)

    # Then pilot-nl's erasure is finished: photo and marker gone, the report exactly as the erasure left it
    assert outcome == {
        "tenants": len(list_tenants()),
        "finished": 1,
        "anonymised": 0,
        "still_failing": 1,
        "more_left": False,
    }
    assert photo not in _stored_photos(notifications.names, "pilot-nl")
    assert privacy_repository().marker("pilot-nl", report["id"]) is None
    assert reports_repository().get("pilot-nl", report["id"]) == erased
    # And pilot-pl's, whose S3 still fails, keeps its marker and photo for the next run
    assert privacy_repository().marker("pilot-pl", elsewhere["id"]) is not None
    assert elsewhere_photo in _stored_photos(notifications.names, "pilot-pl")

    # When the schedule runs again, Then there is nothing more it can do
    assert _run(schedules) == {**outcome, "finished": 0}

    # When S3 works for pilot-pl too, Then the next run finishes it, and the reporter's retry answers as before
    failing_s3_for.clear()
    assert _run(schedules)["finished"] == 1
    assert elsewhere_photo not in _stored_photos(notifications.names, "pilot-pl")
    retried = notifications.api.request(
        "DELETE",
        f"/v1/tenants/pilot-pl/reports/{elsewhere['id']}/personal-data",
        headers={"X-Tracking-Token": elsewhere["tracking_token"]},
    )
    assert retried.status == 200, retried.body


def test_given_nothing_to_do_when_the_schedule_runs_then_each_tenant_costs_two_queries_and_a_get(
    notifications: Notifications, schedules: ScheduleRunner
) -> None:
    # Given no interrupted erasure left
    _run(schedules)
    # When the schedule runs
    with metered() as meter:
        outcome = _run(schedules)
    # Then it read each tenant's markers and its lifecycle changes past the retention with a Query each, and its
    # retention bookmark, and did nothing else
    assert outcome["finished"] == outcome["anonymised"] == outcome["still_failing"] == 0
    assert dict(meter.calls) == {"dynamodb.Query": 2 * len(list_tenants()), "dynamodb.GetItem": len(list_tenants())}


def test_given_more_interrupted_erasures_than_a_page_then_each_run_finishes_a_page_and_the_next_goes_on(
    notifications: Notifications, failing_s3_for: set[str]
) -> None:
    # Given three interrupted erasures of pilot-fi, and S3 working again
    photos = [_interrupted_erasure(notifications, "pilot-fi", failing_s3_for)[1] for _ in range(3)]
    failing_s3_for.clear()
    # When runs finish at most two a tenant
    first = maintain(markers_per_tenant=2)
    second = maintain(markers_per_tenant=2)
    # Then the first finishes two and says more are left, the second the last one
    assert (first.finished, first.more_left) == (2, True)
    assert (second.finished, second.more_left) == (1, False)
    assert privacy_repository().markers("pilot-fi", 10) == []
    assert not set(photos) & _stored_photos(notifications.names, "pilot-fi")


def test_given_an_interrupted_erasure_when_koban_privacy_maintain_runs_then_it_finishes_it_and_says_so(
    notifications: Notifications, failing_s3_for: set[str], capsys: pytest.CaptureFixture[str]
) -> None:
    # Given an erasure S3 interrupted, and S3 working again
    report, photo = _interrupted_erasure(notifications, "pilot-es", failing_s3_for)
    failing_s3_for.clear()
    # When the command runs (here against the moto home's environment)
    status = main(["privacy", "maintain"])
    # Then it finished that erasure, says so and exits 0
    assert status == 0
    printed = capsys.readouterr().out
    assert f"{len(list_tenants())} tenants: interrupted erasures finished 1, closed reports past retention " in printed
    assert "anonymised 0, still failing 0" in printed
    assert privacy_repository().marker("pilot-es", report["id"]) is None
    assert photo not in _stored_photos(notifications.names, "pilot-es")
