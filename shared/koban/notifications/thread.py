"""The private thread of a report: the neighbourhood team asks, the reporter answers with the tracking token.

Messages are the reporter's personal data: kept in PersonalDataTable with the report's other personal data,
removed after the retention period (TTL), shown to partners only as redacted entries, and every staff read and
every message written is an event in the report's audited history.
"""

from __future__ import annotations

from datetime import UTC, datetime

from koban.auth import CHANGE_REPORTS, READ_REPORTS, Principal, Role
from koban.errors import FieldError, ValidationFailed
from koban.ids import new_id
from koban.notifications import stores
from koban.notifications.access import REPORTER, audit, report_for
from koban.notifications.models import Author, ThreadMessage
from koban.notifications.schemas import ThreadMessageIn, ThreadMessageOut, ThreadOut
from koban.observability import logger, metrics
from koban.privacy.retention import personal_data_expiry
from koban.reports.models import EventKind
from koban.tenants.service import get_tenant

READ_THREAD = READ_REPORTS | {Role.PARTNER}
WRITE_THREAD = CHANGE_REPORTS
MAX_MESSAGES = 200


def _now() -> datetime:
    return datetime.now(UTC)


def _out(message: ThreadMessage, viewer: Principal | None) -> ThreadMessageOut:
    """The reporter sees who wrote (team or themself) but not which officer; partners see no text."""
    redacted = viewer is not None and not viewer.roles & READ_REPORTS
    return ThreadMessageOut(
        id=message.id,
        at=message.at,
        author=message.author,
        actor=message.actor if viewer is not None and not redacted else None,
        text=None if redacted else message.text,
        redacted=redacted,
    )


def read_thread(tenant_id: str, report_id: str, principal: Principal | None, tracking_token: str | None) -> ThreadOut:
    report, staff = report_for(tenant_id, report_id, principal, tracking_token, READ_THREAD)
    now = _now()
    messages = stores.threads().messages(report.tenant, report.id, now)
    if staff is not None:
        # The messages are shown only once the read is audited.
        audit(report, EventKind.THREAD_VIEWED, staff, now, detail={"messages": str(len(messages))})
        logger.info("thread viewed", extra={"tenant": report.tenant, "report_id": report.id, "by": staff.subject})
    return ThreadOut(report_id=report.id, items=[_out(message, staff) for message in messages])


def post_message(
    tenant_id: str,
    report_id: str,
    principal: Principal | None,
    tracking_token: str | None,
    request: ThreadMessageIn,
) -> ThreadMessageOut:
    """A question of the team (staff token) or an answer of the reporter (tracking token); the reporter is told
    of the team's messages on the channels they subscribed with.

    The message, its event in the report's history and its audit entry are one transaction. The event is also the
    notification's outbox: the report-updates consumer reads it from the table's stream and queues the nudge
    (`koban.notifications.report_updates`), so a stored message is never without its notification, and a
    failed transaction leaves neither."""
    report, staff = report_for(tenant_id, report_id, principal, tracking_token, WRITE_THREAD)
    now = _now()
    repository = stores.threads()
    if len(repository.messages(report.tenant, report.id, now)) >= MAX_MESSAGES:
        full = f"a thread holds at most {MAX_MESSAGES} messages; contact the police directly"
        raise ValidationFailed([FieldError("text", full, "thread_full")])
    message = ThreadMessage(
        tenant=report.tenant,
        report_id=report.id,
        id=new_id(),
        at=now,
        author=Author.STAFF if staff else Author.REPORTER,
        actor=staff.subject if staff else REPORTER,
        text=request.text,
    )
    stored = repository.put_request(message, personal_data_expiry(get_tenant(report.tenant), now))
    posted = {"message_id": message.id, "author": str(message.author)}
    audit(report, EventKind.MESSAGE_POSTED, staff, now, [stored], detail=posted, event_attributes=posted)
    metrics.add_metric(name="ThreadMessages", unit="Count", value=1)
    return _out(message, staff)
