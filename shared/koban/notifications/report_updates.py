"""Reporters hear of their report's lifecycle: each status change (a new lifecycle event in ReportsTable, read
from its stream) becomes a notification job when someone follows the report. The reports use case is untouched:
it writes its audited events as always, and this consumer reads them.

The team's thread messages travel the same way: a message is stored in one transaction with its `message_posted`
event, and that event (carrying the message id) is the notification's outbox entry. The stream delivers it at
least once; the delivery ledger, keyed by the message id, makes a repeated job send nothing twice."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from koban.dynamo import deserialize
from koban.notifications import stores
from koban.notifications.jobs import ReportUpdateJob, ThreadJob
from koban.notifications.models import Author
from koban.reports.models import EventKind

# DynamoDB keeps stream records for 24 hours: an older event can only come from an import or a seed of history,
# and nobody should be told today of a change made long ago.
STREAM_RETENTION = timedelta(hours=24)
_EVENT_PREFIX = "EVENT#"


def job_for(record: Mapping[str, Any], now: datetime | None = None) -> ReportUpdateJob | ThreadJob | None:
    """The notification job a stream record calls for, or None (not a fresh status change of a report, nor a
    fresh message of the team in its thread)."""
    if record.get("eventName") != "INSERT":
        return None
    change = record.get("dynamodb") or {}
    keys = deserialize(change.get("Keys") or {})
    sort_key = str(keys.get("sk", ""))
    partition = str(keys.get("pk", "")).split("#")
    if not sort_key.startswith(_EVENT_PREFIX) or len(partition) != 3 or partition[0] != "REPORT":
        return None
    event = deserialize(change.get("NewImage") or {})
    try:
        at = datetime.fromisoformat(str(event.get("at")))
    except ValueError:
        return None
    if at < (now or datetime.now(UTC)) - STREAM_RETENTION:
        return None
    _, tenant, report_id = partition
    if event.get("kind") == EventKind.MESSAGE_POSTED:
        message_id = event.get("message_id")
        if event.get("author") != Author.STAFF or not isinstance(message_id, str):
            return None  # the reporter's own answer (or a history event of before messages carried their id)
        return ThreadJob(tenant=tenant, report_id=report_id, message_id=message_id)
    if event.get("kind") != EventKind.STATUS_CHANGED or not event.get("to_status"):
        return None
    return ReportUpdateJob(
        tenant=tenant,
        report_id=report_id,
        event=hashlib.sha256(sort_key.encode()).hexdigest()[:16],
        status=str(event["to_status"]),
        note=event.get("public_note") or None,
        sensitive=bool(event.get("sensitive")),
    )


def handle_record(record: Mapping[str, Any]) -> bool:
    """Queue the job for a status change of (or a team message about) a followed report; True when queued."""
    job = job_for(record)
    if job is None or not stores.subscriptions().report_has_subscriptions(job.tenant, job.report_id):
        return False
    stores.jobs().send([job])
    return True
