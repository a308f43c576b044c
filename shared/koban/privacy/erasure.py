"""Erasure of a reporter's personal data, keeping the report as an anonymous count.

Removed: the contact (and its subject index entries), the private thread, the subscriptions that follow the
report, the photos, and the free text (description, free-text answers, address, media links); the precise
location becomes a point of its block that lies in the very H3 cells the dashboard counts it in, so every
counter, and a rebuild of them, stays exactly as it was. Kept: category, status, dates, channel, language,
cells, tracking hash (the reporter can still see the status), and the history with an erasure event.

Semantics (all or nothing where AWS allows it, and resumable where it does not):
1. One DynamoDB transaction commits the erasure: the anonymised report (conditional on its version and on not
   being erased), its event, its audit entry, and every deletion in DynamoDB. If something is left that the
   transaction cannot remove (photos in S3; a thread longer than the transaction's 100 items), it also writes an
   erasure marker naming it. A failure here changes nothing.
2. Then the photos and any remaining messages are deleted and the marker removed. Photos go after the commit
   so that no report ever names a photo that is gone. A failure here answers 503: the erasure is committed (no
   personal data is readable through the API any more), and calling again, which is idempotent, finishes it.
   A subject request also finishes any erasure of its tenant that was left unfinished.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from koban.attachments.service import attachment_repository
from koban.audit.models import AuditAction, AuditRecord
from koban.dynamo import serialize
from koban.geo import RESOLUTIONS, cell_centre, cell_of, children_of
from koban.notifications import stores
from koban.privacy.storage import ErasureMarker
from koban.privacy.stores import privacy_repository
from koban.privacy.subjects import subject_digests
from koban.reports.models import EventKind, GeoPoint, Report, ReportEvent
from koban.reports.service import personal_data_repository, reports_repository
from koban.tenants.models import QuestionType, Tenant
from koban.tenants.service import get_category

# DynamoDB's limit, less the report, its event and the audit entry with its chain head.
_TRANSACTION_ROOM = 100 - 2 - 2
# Expired items are erased too: TTL removes them within days, not at once.
_EVEN_EXPIRED = datetime(1970, 1, 1, tzinfo=UTC)
_KEPT_TEXT_ANSWERS = frozenset({QuestionType.SINGLE_CHOICE, QuestionType.DATETIME})


def block_point(lat: float, lon: float) -> GeoPoint:
    """A point in the same H3 cells as (lat, lon) at every resolution the dashboard counts by, chosen from those
    cells alone: the block's centre, or, where a neighbourhood's edge cuts the block, the first centre of a finer
    cell (down to ~300 m²) on the point's side of the edge. Only in a sliver thinner than that does the point's
    own finest cell centre stand in, and the point itself if even that crosses the edge: counts stay exact."""
    wanted = {resolution: cell_of(lat, lon, resolution) for resolution in RESOLUTIONS}
    block = wanted[max(RESOLUTIONS)]
    candidates = [block]
    for finer in range(max(RESOLUTIONS) + 1, 13):
        candidates += sorted(children_of(block, finer))
    candidates += [cell_of(lat, lon, finest) for finest in range(13, 16)]
    for candidate in candidates:
        centre = cell_centre(candidate)
        if all(cell_of(*centre, resolution) == cell for resolution, cell in wanted.items()):
            return GeoPoint(lat=centre[0], lon=centre[1])
    return GeoPoint(lat=lat, lon=lon)


def _kept_answers(tenant: Tenant, report: Report) -> dict[str, Any]:
    """The answers that are no free text: yes/no, numbers, choices and dates."""
    category = get_category(tenant, report.category)
    kept = {}
    for code, value in report.answers.items():
        question = category.question(code) if category else None
        if not isinstance(value, str) or (question is not None and question.type in _KEPT_TEXT_ANSWERS):
            kept[code] = value
    return kept


def anonymised(tenant: Tenant, report: Report, now: datetime) -> Report:
    location = report.location
    return report.model_copy(
        update={
            "description": "",
            "answers": _kept_answers(tenant, report),
            "address": None,
            "attachments": (),
            "media_urls": (),
            "location": block_point(location.lat, location.lon) if location is not None else None,
            "has_contact": False,
            "erased_at": now,
            "version": report.version + 1,
        }
    )


def _delete(table: str, key: dict[str, str]) -> dict[str, Any]:
    return {"Delete": {"TableName": table, "Key": serialize(key)}}


def erase_report(tenant: Tenant, report: Report, record: AuditRecord) -> Report:
    """Erase the report's personal data (idempotent: an erased report is only finished); the erased report.

    `record` is the audit entry of this erasure (who, why); its time is the erasure's."""
    if report.erased_at is None:
        report = _commit(tenant, report, record)
    finish(tenant.id, report.id)
    return report


def _commit(tenant: Tenant, report: Report, record: AuditRecord) -> Report:
    contacts = personal_data_repository()
    contact = contacts.get(tenant.id, report.id) if report.has_contact else None
    digests = subject_digests(tenant.id, tenant.country, contact.email, contact.phone) if contact else ()
    subscriptions = stores.subscriptions()
    followers = [entry.subscription_id for entry in subscriptions.of_report(tenant.id, report.id, _EVEN_EXPIRED)]
    removals = [
        contacts.delete_request(tenant.id, report.id),
        *privacy_repository().unindex_requests(tenant.id, report.id, digests),
        *(
            item
            for subscription in subscriptions.get_many(tenant.id, followers, _EVEN_EXPIRED).values()
            for item in subscriptions.delete_items(subscription)
        ),
    ]
    threads = stores.threads()
    messages = threads.message_keys(tenant.id, report.id)
    room = _TRANSACTION_ROOM - len(removals) - 1  # one left for the marker
    removals += [_delete(threads.table_name, key) for key in messages[:room]]
    if report.attachments or len(messages) > room:
        removals.append(privacy_repository().marker_request(tenant.id, report.id, report.attachments))
    after = anonymised(tenant, report, record.at)
    event = ReportEvent(at=record.at, kind=EventKind.PERSONAL_DATA_ERASED, actor=record.actor)
    detail = {
        **record.detail,
        "report": report.id,
        "photos": str(len(report.attachments)),
        "messages": str(len(messages)),
        "subscriptions": str(len(followers)),
    }
    audit = record.model_copy(update={"target": f"report/{report.id}", "detail": detail})
    reports_repository().erase(report, after, event, removals, audit)
    return after


def finish(tenant_id: str, report_id: str) -> None:
    """Finish the report's erasure if its marker says something is left."""
    marker = privacy_repository().marker(tenant_id, report_id)
    if marker is not None:
        finish_marker(marker)


def finish_marker(marker: ErasureMarker) -> None:
    """Delete what the erasure's transaction could not (photos, a long thread's rest), then its marker.

    Every step is idempotent (deleting what is gone is harmless), so a reporter's retry, a subject request and the
    scheduled maintenance may finish the same erasure at the same time; only the erasure's commit writes a marker,
    once, so a removed marker never comes back."""
    threads = stores.threads()
    threads.remove(threads.message_keys(marker.tenant, marker.report_id))
    photos = attachment_repository()
    for attachment_id in marker.attachments:
        photos.delete(marker.tenant, attachment_id)
    privacy_repository().remove_marker(marker.tenant, marker.report_id)


def erasure_record(tenant: str, actor: str, role: str, via: str, now: datetime) -> AuditRecord:
    """The audit entry of an erasure by `actor` (`via`: reporter or subject_request); the report is filled in."""
    return AuditRecord(
        tenant=tenant, at=now, actor=actor, role=role, action=AuditAction.ERASURE, target="report", detail={"via": via}
    )
