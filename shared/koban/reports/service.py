"""Report intake and lifecycle logic. Handlers call exactly one function of this module per route."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from koban.audit.models import AuditAction
from koban.audit.service import commit_with, staff_record
from koban.auth import CHANGE_REPORTS, READ_REPORTS, TAKE_REPORTS, Principal, require_staff
from koban.errors import FieldError, Forbidden, NotFound, Unauthenticated, ValidationFailed
from koban.i18n import pick, translate
from koban.ids import hash_token, new_id, new_tracking_token, token_matches
from koban.observability import logger, metrics
from koban.plugins.host import plugin_manager
from koban.privacy.retention import personal_data_expiry
from koban.privacy.stores import privacy_repository
from koban.privacy.subjects import subject_digests
from koban.reports import lifecycle
from koban.reports.answers import validate_answers
from koban.reports.lifecycle import Status
from koban.reports.models import (
    STAFF_CHANNELS,
    Contact,
    EventKind,
    QueueFilter,
    Report,
    ReportEvent,
    ReportWithHistory,
)
from koban.reports.schemas import (
    CategoryRef,
    ContactOut,
    EventOut,
    PublicNoteOut,
    QueueItemOut,
    QueuePageOut,
    ReceiptOut,
    ReporterViewOut,
    ReportIn,
    StaffReportOut,
    TransitionIn,
)
from koban.reports.storage import PersonalDataRepository, ReportRepository
from koban.reports.triage import triage
from koban.settings import get_settings
from koban.tenants.models import Category, Tenant
from koban.tenants.service import get_category, get_tenant, status_name

# Clocks of phones are wrong by minutes; more than this in the future is a mistake.
CLOCK_SKEW = timedelta(minutes=10)
OLDEST_INCIDENT = timedelta(days=366)
ANONYMOUS = "anonymous"


@lru_cache(maxsize=1)
def reports_repository() -> ReportRepository:
    return ReportRepository(get_settings().reports_table)


@lru_cache(maxsize=1)
def personal_data_repository() -> PersonalDataRepository:
    return PersonalDataRepository(get_settings().personal_data_table)


def _now() -> datetime:
    return datetime.now(UTC)


def _check_submission(
    tenant: Tenant, request: ReportIn, principal: Principal | None, now: datetime
) -> list[FieldError]:
    errors: list[FieldError] = []
    category = get_category(tenant, request.category)
    if category is None:
        errors.append(FieldError("category", f"'{request.category}' is not a category of {tenant.id}", "unknown"))
    else:
        errors.extend(validate_answers(_with_app_questions(tenant, category), request.answers))
    if request.location is not None and not tenant.area.contains(request.location.lat, request.location.lon):
        errors.append(FieldError("location", f"the location is outside the area served by {tenant.id}", "outside"))
    if request.occurred_at is not None:
        if request.occurred_at > now + CLOCK_SKEW:
            errors.append(FieldError("occurred_at", "lies in the future", "future"))
        elif request.occurred_at < now - OLDEST_INCIDENT:
            errors.append(FieldError("occurred_at", "is more than a year ago; contact the police directly", "too_old"))
    if request.channel in STAFF_CHANNELS and principal is None:
        errors.append(FieldError("channel", f"'{request.channel}' is for staff taking a report on someone's behalf"))
    return errors


def _with_app_questions(tenant: Tenant, category: Category) -> Category:
    """The category with the questions the tenant's published app adds to it: their answers are accepted."""
    from koban.app_config.service import published_questions  # App Factory code loads on the first report

    added = published_questions(tenant, category.code)
    return category.model_copy(update={"questions": (*category.questions, *added)}) if added else category


def _check_attachments(tenant: Tenant, attachment_ids: list[str]) -> list[FieldError]:
    from koban.attachments.service import attachment_repository

    repository = attachment_repository()
    return [
        FieldError(f"attachments.{position}", "no such attachment; upload it first", "unknown")
        for position, attachment_id in enumerate(attachment_ids)
        if not repository.exists(tenant.id, attachment_id)
    ]


def submit_report(tenant_id: str, request: ReportIn, principal: Principal | None) -> ReceiptOut:
    """Validate, triage and store a new report (with its contact, if any) in one transaction."""
    tenant = get_tenant(tenant_id)
    if principal is not None:
        principal.require(tenant.id, TAKE_REPORTS)
    now = _now()
    errors = _check_submission(tenant, request, principal, now)
    if not errors and request.attachments:
        errors = _check_attachments(tenant, request.attachments)
    if errors:
        raise ValidationFailed(errors)
    category = get_category(tenant, request.category)
    assert category is not None  # checked above

    occurred_at = request.occurred_at or now
    decision = triage(tenant, category, request.answers, request.channel, occurred_at, now)
    token = new_tracking_token()
    report = Report(
        tenant=tenant.id,
        id=new_id(),
        category=category.code,
        group=category.group,
        sensitive=category.sensitive,
        description=request.description,
        location=request.location,
        address=request.address,
        occurred_at=occurred_at,
        received_at=now,
        updated_at=now,
        locale=request.locale,
        answers=request.answers,
        attachments=tuple(request.attachments),
        media_urls=tuple(request.media_urls),
        channel=request.channel,
        status=Status.NEW,
        priority=decision.priority,
        unit=decision.unit,
        expected_response_at=decision.expected_response_at,
        tracking_hash=hash_token(token),
        has_contact=request.contact is not None,
        taken_by=principal.subject if principal else None,
    )
    received = ReportEvent(
        at=now,
        kind=EventKind.RECEIVED,
        actor=principal.subject if principal else ANONYMOUS,
        to_status=Status.NEW,
        public_note=translate("report.received_note", request.locale or tenant.default_language),
    )
    extra: list[dict[str, Any]] = []
    if request.contact is not None:
        contact = Contact(
            name=request.contact.name,
            email=request.contact.email,
            phone=request.contact.phone,
            consent_at=now,
            preferred_language=request.contact.preferred_language or request.locale,
        )
        extra += contact_requests(tenant, report.id, contact, now)
    reports_repository().create(report, received, extra)
    metrics.add_metric(name="ReportsReceived", unit="Count", value=1)
    logger.info("report received", extra={"tenant": tenant.id, "report_id": report.id, "channel": report.channel})
    _announce(tenant, report)
    return ReceiptOut(
        id=report.id,
        tracking_token=token,
        status=report.status,
        received_at=report.received_at,
        expected_response_at=report.expected_response_at,
    )


def contact_requests(tenant: Tenant, report_id: str, contact: Contact, now: datetime) -> list[dict[str, Any]]:
    """The transaction items that store a contact for the tenant's retention period, with its subject index
    entries (keyed hashes of the e-mail address and phone number), so a subject request finds it without a Scan."""
    expires_at = personal_data_expiry(tenant, now)
    digests = subject_digests(tenant.id, tenant.country, contact.email, contact.phone)
    return [
        personal_data_repository().put_request(tenant.id, report_id, contact, expires_at),
        *privacy_repository().index_requests(tenant.id, report_id, digests, expires_at),
    ]


def _announce(tenant: Tenant, report: Report) -> None:
    """Tell every plugin; one failing is logged and neither undoes the report nor silences the others."""
    arguments = {"tenant": tenant, "report": report.model_dump(mode="json", exclude={"tracking_hash"})}
    # pluggy stops at the first exception, so each implementation is called on its own, in pluggy's order.
    for implementation in reversed(plugin_manager().hook.koban_report_received.get_hookimpls()):
        try:
            implementation.function(**{name: arguments[name] for name in implementation.argnames})
        except Exception:
            logger.exception(
                "a koban_report_received plugin failed",
                extra={"plugin": implementation.plugin_name, "report_id": report.id},
            )


def _load(tenant: Tenant, report_id: str) -> ReportWithHistory:
    found = reports_repository().get(tenant.id, report_id)
    if found is None:
        raise NotFound(f"There is no report '{report_id}' in {tenant.id}.", code="report_not_found")
    return found


def _category_ref(tenant: Tenant, code: str, languages: list[str]) -> CategoryRef:
    category = get_category(tenant, code)
    return CategoryRef(code=code, name=pick(category.name, languages) if category else code)


def reporter_view(tenant_id: str, report_id: str, tracking_token: str, languages: list[str]) -> ReporterViewOut:
    """What an (anonymous) reporter sees with their tracking token: status, public notes, expected date."""
    tenant = get_tenant(tenant_id)
    found = reports_repository().get(tenant.id, report_id)
    # Same answer for a wrong token and a missing report: ids cannot be probed.
    if found is None or not token_matches(tracking_token, found.report.tracking_hash):
        raise NotFound("No report matches this id and tracking token.", code="report_not_found")
    report = found.report
    language = languages[0] if languages else report.locale or tenant.default_language
    return ReporterViewOut(
        id=report.id,
        category=_category_ref(tenant, report.category, [language, *languages]),
        status=report.status,
        status_label=status_name(tenant, report.status, language),
        received_at=report.received_at,
        updated_at=report.updated_at,
        expected_response_at=report.expected_response_at,
        notes=[
            PublicNoteOut(
                at=event.at,
                status=event.to_status,
                status_label=status_name(tenant, event.to_status, language) if event.to_status else None,
                note=event.public_note,
            )
            for event in found.events
            if event.public_note
        ],
    )


def _staff_out(
    tenant: Tenant, found: ReportWithHistory, languages: list[str], contact: Contact | None
) -> StaffReportOut:
    report = found.report
    return StaffReportOut(
        **report.model_dump(
            include={
                "id",
                "tenant",
                "sensitive",
                "description",
                "location",
                "address",
                "occurred_at",
                "received_at",
                "updated_at",
                "locale",
                "answers",
                "channel",
                "status",
                "priority",
                "unit",
                "expected_response_at",
                "first_response_at",
                "taken_by",
                "duplicate_of",
                "has_contact",
            }
        ),
        category=_category_ref(tenant, report.category, languages),
        group=str(report.group),
        attachments=list(report.attachments),
        media_urls=list(report.media_urls),
        allowed_transitions=sorted(lifecycle.allowed_targets(report.status)),
        overdue=_overdue(report),
        contact=ContactOut(**contact.model_dump()) if contact else None,
        events=[EventOut(**event.model_dump(mode="json")) for event in found.events],
    )


def _overdue(report: Report) -> bool:
    return report.first_response_at is None and report.status is Status.NEW and _now() > report.expected_response_at


def staff_view(
    tenant_id: str, report_id: str, principal: Principal | None, languages: list[str], include_contact: bool
) -> StaffReportOut:
    """The whole report for staff; reading the reporter's contact details is audited."""
    if principal is None:
        raise Unauthenticated("Send X-Tracking-Token (reporter) or a staff bearer token.")
    principal = require_staff(principal, tenant_id, READ_REPORTS)
    tenant = get_tenant(tenant_id)
    found = _load(tenant, report_id)
    contact = None
    if include_contact and found.report.has_contact:
        contact = personal_data_repository().get(tenant.id, report_id)
        # Shown only once the read is in the report's history and in the tenant's audit log (one transaction).
        now = _now()
        viewed = ReportEvent(at=now, kind=EventKind.CONTACT_VIEWED, actor=principal.subject)
        commit_with(
            staff_record(principal, AuditAction.CONTACT_VIEWED, f"report/{report_id}", at=now),
            [reports_repository().event_request(tenant.id, report_id, viewed)],
            operation="audit contact read",
        )
        logger.info("contact viewed", extra={"tenant": tenant.id, "report_id": report_id, "by": principal.subject})
    return _staff_out(tenant, found, languages, contact)


def list_queue(
    tenant_id: str, principal: Principal | None, filters: QueueFilter, limit: int, cursor: str | None
) -> QueuePageOut:
    require_staff(principal, tenant_id, READ_REPORTS)
    tenant = get_tenant(tenant_id)
    if filters.category is not None and get_category(tenant, filters.category) is None:
        raise ValidationFailed([FieldError("query.category", f"'{filters.category}' is not a category")])
    if filters.unit is not None and tenant.unit(filters.unit) is None:
        raise ValidationFailed([FieldError("query.unit", f"'{filters.unit}' is not a unit of {tenant.id}")])
    reports, next_cursor = reports_repository().queue(tenant.id, filters, limit, cursor)
    return QueuePageOut(
        items=[
            QueueItemOut(
                **report.model_dump(
                    include={
                        "id",
                        "category",
                        "status",
                        "priority",
                        "unit",
                        "channel",
                        "received_at",
                        "occurred_at",
                        "expected_response_at",
                        "location",
                    }
                ),
                overdue=_overdue(report),
                excerpt=report.description[:140],
            )
            for report in reports
        ],
        next_cursor=next_cursor,
    )


def change_status(
    tenant_id: str, report_id: str, principal: Principal | None, change: TransitionIn, languages: list[str]
) -> StaffReportOut:
    """Move a report along its lifecycle, with a note for the reporter, audited, guarded against races."""
    principal = require_staff(principal, tenant_id, CHANGE_REPORTS)
    tenant = get_tenant(tenant_id)
    found = _load(tenant, report_id)
    before = found.report
    _check_transition(tenant, before, change, principal)
    now = _now()
    updates: dict[str, Any] = {"status": change.status, "updated_at": now, "version": before.version + 1}
    if change.status is Status.DUPLICATE:
        updates["duplicate_of"] = change.duplicate_of
    if before.first_response_at is None:
        updates["first_response_at"] = now
    if lifecycle.needs_supervisor(before.status, change.status):
        updates["reopened"] = before.reopened + 1
    after = before.model_copy(update=updates)
    event = ReportEvent(
        at=now,
        kind=EventKind.STATUS_CHANGED,
        actor=principal.subject,
        from_status=before.status,
        to_status=change.status,
        public_note=change.note,
        internal_note=change.internal_note,
    )
    detail = {"from": str(before.status), "to": str(change.status), "version": str(after.version)}
    audit = staff_record(principal, AuditAction.STATUS_CHANGED, f"report/{report_id}", at=now, detail=detail)
    reports_repository().save_transition(before, after, event, audit)
    metrics.add_metric(name="ReportTransitions", unit="Count", value=1)
    return _staff_out(tenant, ReportWithHistory(report=after, events=(*found.events, event)), languages, None)


def _check_transition(tenant: Tenant, report: Report, change: TransitionIn, principal: Principal) -> None:
    if not lifecycle.is_allowed(report.status, change.status):
        allowed = ", ".join(sorted(lifecycle.allowed_targets(report.status))) or "none"
        raise ValidationFailed(
            [FieldError("status", f"cannot go from '{report.status}' to '{change.status}'; allowed: {allowed}")]
        )
    if lifecycle.needs_supervisor(report.status, change.status) and not principal.roles & lifecycle.REOPEN_ROLES:
        raise Forbidden("Reopening a closed report needs a supervisor.")
    if change.status is Status.DUPLICATE:
        if not change.duplicate_of:
            raise ValidationFailed([FieldError("duplicate_of", "name the original report of a duplicate", "missing")])
        if change.duplicate_of == report.id:
            raise ValidationFailed([FieldError("duplicate_of", "a report cannot duplicate itself")])
        if not reports_repository().exists(tenant.id, change.duplicate_of):
            raise ValidationFailed([FieldError("duplicate_of", "no such report in this tenant", "unknown")])
    elif change.duplicate_of is not None:
        raise ValidationFailed([FieldError("duplicate_of", "only allowed with status 'duplicate'")])
