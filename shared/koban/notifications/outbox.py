"""What was sent: the outbox for staff (per tenant) and for a reporter (their report's messages), and the
receipts the citizen app sends back when a message is shown or opened."""

from __future__ import annotations

import re

from koban.auth import READ_REPORTS, Principal, require_staff
from koban.errors import FieldError, ValidationFailed
from koban.notifications import stores, tokens
from koban.notifications.access import report_for_reporter
from koban.notifications.models import OutboxEntry
from koban.notifications.schemas import (
    DeliveryReceiptIn,
    DeliveryReceiptOut,
    OutboxEntryOut,
    OutboxPageOut,
    ReportNotificationsOut,
)
from koban.notifications.storage import decode_cursor, encode_cursor
from koban.observability import metrics
from koban.tenants.service import get_tenant

_OUTBOX_KEY = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z#[0-9a-f]{16}$")
REPORTER_OUTBOX_LIMIT = 50


def _out(entry: OutboxEntry) -> OutboxEntryOut:
    return OutboxEntryOut(**entry.model_dump(exclude={"tenant", "source"}))


def staff_outbox(tenant_id: str, principal: Principal | None, limit: int, cursor: str | None) -> OutboxPageOut:
    """Everything the outbox adapter kept for the tenant, newest first (recipients masked)."""
    require_staff(principal, tenant_id, READ_REPORTS)
    tenant = get_tenant(tenant_id)
    after = decode_cursor(cursor, _OUTBOX_KEY) if cursor else None
    entries, last = stores.notifications().outbox(tenant.id, limit, after)
    return OutboxPageOut(items=[_out(entry) for entry in entries], next_cursor=encode_cursor(last) if last else None)


def reporter_notifications(tenant_id: str, report_id: str, tracking_token: str | None) -> ReportNotificationsOut:
    """The messages about one report, for whoever holds its tracking token.

    Confirmation codes are left out: the token holder could otherwise confirm any address they subscribed, and
    double opt-in exists to prove that the address's owner asked for the messages."""
    if tracking_token is None:
        raise ValidationFailed([FieldError("header.X-Tracking-Token", "the report's tracking token is needed")])
    report = report_for_reporter(tenant_id, report_id, tracking_token)
    entries = stores.notifications().report_outbox(report.tenant, report.id, REPORTER_OUTBOX_LIMIT)
    return ReportNotificationsOut(items=[_out(entry) for entry in entries if entry.kind != "confirmation"])


def record_receipt(tenant_id: str, request: DeliveryReceiptIn) -> DeliveryReceiptOut:
    """The app showed (`delivered`) or the resident opened (`opened`) a message: counted once per message."""
    tenant = get_tenant(tenant_id)
    parsed = tokens.parse_receipt(request.receipt)
    if parsed is None:
        raise ValidationFailed([FieldError("receipt", "is not the receipt of a message", "invalid")])
    source, subscription_id, digest = parsed
    counted = stores.notifications().record_receipt(
        tenant.id, source, subscription_id, digest, opened=request.event == "opened"
    )
    if counted:
        metrics.add_metric(name=f"Notifications{request.event.capitalize()}", unit="Count", value=1)
    return DeliveryReceiptOut(counted=counted)
