"""Subscriptions without an account: to a report (with its tracking token alone) or to an area.

E-mail and SMS start `pending` and a six-digit code goes out through the channel (double opt-in: the address
is proven before anything else is sent to it); web push is active at once (the browser asked its user). Every
active subscription holds its signed one-click unsubscribe token, put into each message.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from koban.errors import FieldError, NotFound, StorageError, ValidationFailed
from koban.ids import new_id
from koban.notifications import areas, messages, stores, tokens, webpush
from koban.notifications.access import report_for_reporter
from koban.notifications.adapters import push_endpoint_allowed
from koban.notifications.jobs import ConfirmJob
from koban.notifications.models import (
    DOUBLE_OPT_IN,
    PushTarget,
    Subscription,
    SubscriptionKind,
    SubscriptionStatus,
)
from koban.notifications.schemas import (
    AreaSubscriptionIn,
    ConfirmIn,
    PushKeyOut,
    ReportSubscriptionIn,
    SubscriptionListOut,
    SubscriptionOut,
    UnsubscribedOut,
)
from koban.observability import logger, metrics
from koban.privacy.retention import personal_data_expiry
from koban.privacy.subjects import subject_digests
from koban.tenants.service import get_tenant

PENDING_LIFETIME = timedelta(hours=48)
MAX_CODE_ATTEMPTS = 5
MAX_REPORT_SUBSCRIPTIONS = 5


def _now() -> datetime:
    return datetime.now(UTC)


def _subject_digest(tenant_id: str, request: ReportSubscriptionIn | AreaSubscriptionIn) -> str | None:
    """The blind-index key of the address (a push endpoint is no address a subject request names)."""
    address = request.email or request.phone
    if address is None:
        return None
    digests = subject_digests(tenant_id, get_tenant(tenant_id).country, request.email, request.phone)
    return digests[0]


def subscription_out(subscription: Subscription) -> SubscriptionOut:
    return SubscriptionOut(
        **subscription.model_dump(
            include={"id", "kind", "channel", "language", "status", "report_id", "created_at", "confirmed_at"}
        ),
        to=messages.mask(subscription.channel, subscription.address, subscription.push),
        cells=list(subscription.cells),
        audiences=list(subscription.audiences),
        expires_at=subscription.expires_at,
    )


def push_key(tenant_id: str) -> PushKeyOut:
    get_tenant(tenant_id)
    return PushKeyOut(public_key=webpush.application_server_key())


def _push_target(request: ReportSubscriptionIn | AreaSubscriptionIn) -> PushTarget | None:
    if request.push is None:
        return None
    if not push_endpoint_allowed(request.push.endpoint):
        raise ValidationFailed([FieldError("push.endpoint", "is not the endpoint of a known push service", "unknown")])
    return PushTarget(
        endpoint=request.push.endpoint, p256dh=request.push.keys["p256dh"], auth=request.push.keys["auth"]
    )


def _new(
    tenant_id: str,
    request: ReportSubscriptionIn | AreaSubscriptionIn,
    kind: SubscriptionKind,
    **details: object,
) -> Subscription:
    """Store a new subscription: pending with a code on its way (e-mail, SMS) or active (push)."""
    now = _now()
    push = _push_target(request)
    subscription_id = new_id()
    common = {
        "tenant": tenant_id,
        "id": subscription_id,
        "kind": kind,
        "channel": request.channel,
        "address": request.email or request.phone,
        "push": push,
        "language": request.language,
        "created_at": now,
        "subject_digest": _subject_digest(tenant_id, request),
        **details,
    }
    if request.channel in DOUBLE_OPT_IN:
        code = tokens.new_code()
        subscription = Subscription(
            **common,
            status=SubscriptionStatus.PENDING,
            code_hash=tokens.code_digest(subscription_id, code),
            expires_at=now + PENDING_LIFETIME,
        )
        _store_with_confirmation(subscription, ConfirmJob(tenant=tenant_id, subscription_id=subscription_id, code=code))
    else:
        subscription = Subscription(
            **common,
            status=SubscriptionStatus.ACTIVE,
            confirmed_at=now,
            unsubscribe_token=tokens.sign_unsubscribe(tenant_id, subscription_id),
            expires_at=personal_data_expiry(get_tenant(tenant_id), now),
        )
        stores.subscriptions().create(subscription)
    metrics.add_metric(name="Subscriptions", unit="Count", value=1)
    logger.info(
        "subscription created",
        extra={"tenant": tenant_id, "subscription_id": subscription_id, "kind": kind, "channel": request.channel},
    )
    return subscription


def _store_with_confirmation(subscription: Subscription, job: ConfirmJob) -> None:
    """Store a pending subscription and queue its code, or leave nothing behind and raise (the caller gets 503).

    A table and a queue cannot share a transaction, so the queue's failure is compensated: the subscription is
    removed again before the error goes back. Queueing first instead would leave a job behind when the table
    write fails, and a worker quick enough to read it before the write lands would drop the code for good; an
    outbox read from a table stream would need a stream and a consumer for this one message. The job is harmless
    if the queue took it after all (an answer lost on the way back): the worker drops a confirmation whose
    subscription does not exist. Only when the removal fails as well does a pending subscription stay, which no
    code reaches and which expires with its TTL (PENDING_LIFETIME).
    """
    repository = stores.subscriptions()
    repository.create(subscription)
    try:
        stores.jobs().send([job])
    except StorageError:
        try:
            repository.delete(subscription)
        except StorageError:
            logger.exception(
                "a pending subscription without its code stays until it expires",
                extra={"tenant": subscription.tenant, "subscription_id": subscription.id},
            )
        raise


def subscribe_to_report(
    tenant_id: str, report_id: str, tracking_token: str | None, request: ReportSubscriptionIn
) -> SubscriptionOut:
    """Follow a report with its tracking token alone (the reporter stays anonymous to KOBAN)."""
    if tracking_token is None:
        raise ValidationFailed([FieldError("header.X-Tracking-Token", "the report's tracking token is needed")])
    report = report_for_reporter(tenant_id, report_id, tracking_token)
    existing = stores.subscriptions().of_report(report.tenant, report.id, _now())
    if len(existing) >= MAX_REPORT_SUBSCRIPTIONS:
        message = f"a report can be followed by at most {MAX_REPORT_SUBSCRIPTIONS} subscriptions"
        raise ValidationFailed([FieldError("channel", message, "too_many")])
    created = _new(report.tenant, request, SubscriptionKind.REPORT, report_id=report.id)
    return subscription_out(created)


def report_subscriptions(tenant_id: str, report_id: str, tracking_token: str | None) -> SubscriptionListOut:
    """The reporter's own subscriptions to the report (addresses masked)."""
    if tracking_token is None:
        raise ValidationFailed([FieldError("header.X-Tracking-Token", "the report's tracking token is needed")])
    report = report_for_reporter(tenant_id, report_id, tracking_token)
    now = _now()
    repository = stores.subscriptions()
    ids = [entry.subscription_id for entry in repository.of_report(report.tenant, report.id, now)]
    found = repository.get_many(report.tenant, ids, now)
    return SubscriptionListOut(items=[subscription_out(found[sid]) for sid in ids if sid in found])


def subscribe_to_area(tenant_id: str, request: AreaSubscriptionIn) -> SubscriptionOut:
    tenant = get_tenant(tenant_id)
    cells = areas.resolve_area("area", request.area.cells, request.area.polygon_dict(), tenant, for_alert=False)
    audiences = tuple(sorted(set(request.audiences)))
    created = _new(tenant.id, request, SubscriptionKind.AREA, cells=cells, audiences=audiences)
    return subscription_out(created)


def _load(tenant_id: str, subscription_id: str) -> Subscription:
    found = stores.subscriptions().get(get_tenant(tenant_id).id, subscription_id, _now())
    if found is None:
        raise NotFound(f"There is no subscription '{subscription_id}' (or it expired).", code="subscription_not_found")
    return found


def confirm(tenant_id: str, subscription_id: str, request: ConfirmIn) -> SubscriptionOut:
    """Activate a pending subscription with the code sent to its address (five tries)."""
    subscription = _load(tenant_id, subscription_id)
    if subscription.status is SubscriptionStatus.ACTIVE:
        return subscription_out(subscription)
    if subscription.code_attempts >= MAX_CODE_ATTEMPTS or subscription.code_hash is None:
        message = f"{MAX_CODE_ATTEMPTS} wrong codes: subscribe again for a new one"
        raise ValidationFailed([FieldError("code", message, "too_many_attempts")])
    if not tokens.code_matches(subscription.id, request.code, subscription.code_hash):
        stores.subscriptions().count_failed_code(subscription)
        left = MAX_CODE_ATTEMPTS - subscription.code_attempts - 1
        raise ValidationFailed([FieldError("code", f"this is not the code sent; {left} tries left", "wrong_code")])
    now = _now()
    active = subscription.model_copy(
        update={
            "status": SubscriptionStatus.ACTIVE,
            "code_hash": None,
            "code_attempts": 0,
            "confirmed_at": now,
            "expires_at": personal_data_expiry(get_tenant(subscription.tenant), now),
            "unsubscribe_token": tokens.sign_unsubscribe(subscription.tenant, subscription.id),
        }
    )
    stores.subscriptions().activate(subscription, active)
    metrics.add_metric(name="SubscriptionsConfirmed", unit="Count", value=1)
    return subscription_out(active)


def unsubscribe(tenant_id: str, token: str) -> UnsubscribedOut:
    """End a subscription with the signed token of its messages; repeating it is harmless."""
    tenant = get_tenant(tenant_id)
    subscription_id = tokens.verify_unsubscribe(tenant.id, token)
    subscription = stores.subscriptions().get(tenant.id, subscription_id, _now())
    if subscription is not None:
        stores.subscriptions().delete(subscription)
        metrics.add_metric(name="Unsubscriptions", unit="Count", value=1)
        logger.info("unsubscribed", extra={"tenant": tenant.id, "subscription_id": subscription_id})
    return UnsubscribedOut(unsubscribed=True)
