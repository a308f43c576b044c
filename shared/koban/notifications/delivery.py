"""The delivery worker: one notification job at a time, from the SQS queue.

For a batch of subscriptions and one message source (an alert, a report's status change, a thread message, a
confirmation), the worker
1. claims the deliveries in the ledger, a transaction per 100: a delivery that another worker holds or has
   finished is not claimed, so a repeated job (SQS delivers at least once, a failed job is retried) sends nothing
   twice;
2. renders each message in its subscription's language and hands it to the channel's adapter, paced to
   NOTIFICATION_SENDS_PER_SECOND;
3. records every outcome and adds the final ones to the alert's counters in one transaction per 99 deliveries,
   so a delivery is counted exactly when its record changes;
4. removes subscriptions whose address is gone, and raises `RetryLater` when a transient failure has attempts
   left: the job then fails, SQS retries it after its visibility timeout, and only those deliveries are claimed
   again. After MAX_ATTEMPTS a delivery is `failed`; after five receives the job is in the dead-letter queue.
A worker that dies between claiming and recording leaves the delivery `sending`, never to be sent again: at most
once, as promised to residents who should not get an alert twice.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from functools import cache

from koban.i18n import translate
from koban.notifications import areas, messages, stores, tokens
from koban.notifications.adapters import NotificationAdapter
from koban.notifications.jobs import (
    BATCH_SIZE,
    AlertBatchJob,
    AlertPlanJob,
    ConfirmJob,
    Job,
    ReportUpdateJob,
    ThreadJob,
)
from koban.notifications.models import (
    Alert,
    AlertStatus,
    Audience,
    DeliveryStatus,
    NotificationChannel,
    Outgoing,
    OutgoingKind,
    SendResult,
    Severity,
    Subscription,
    SubscriptionKind,
    SubscriptionStatus,
)
from koban.notifications.storage import IndexEntry, Outcome
from koban.observability import logger, metrics
from koban.plugins.host import plugin_manager
from koban.settings import get_settings
from koban.tenants.service import get_tenant

MAX_ATTEMPTS = 4  # below the queue's maxReceiveCount (5): the last receive still records the failure
LEDGER_RETENTION = timedelta(days=90)
PLAN_PAGE = 500  # index items read per Query while planning
PLAN_BUDGET = 2000  # subscriptions queued per plan job; a continuation job takes the rest
MAX_PLAN_PAGES = 20


class RetryLater(Exception):
    """Some deliveries of this job failed for now; the job is retried and only they are tried again."""


class Pacer:
    """Spaces sends to at most `rate` a second in this worker (0: unpaced)."""

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self._next = 0.0

    def wait(self) -> None:
        if not self.interval:
            return
        now = time.monotonic()
        if now < self._next:
            time.sleep(self._next - now)
        self._next = max(now, self._next) + self.interval


@cache
def pacer() -> Pacer:
    return Pacer(get_settings().notification_sends_per_second)


@cache
def adapters_for(tenant_id: str) -> dict[NotificationChannel, NotificationAdapter]:
    """The tenant's adapter for each channel: every plugin's contribution, the first plugin winning."""
    tenant = get_tenant(tenant_id)
    contributions = plugin_manager().hook.koban_notification_adapters(
        tenant=tenant, delivery=get_settings().notification_delivery
    )
    chosen: dict[NotificationChannel, NotificationAdapter] = {}
    for contribution in reversed(contributions):
        for channel, adapter in (contribution or {}).items():
            chosen[NotificationChannel(channel)] = adapter
    return chosen


def _now() -> datetime:
    return datetime.now(UTC)


# A message builder: (subscription, receipt token or None) -> the outgoing message.
Build = Callable[[Subscription, str | None], Outgoing]


def outgoing(
    kind: OutgoingKind,
    source: str,
    subscription: Subscription,
    rendered: messages.Rendered,
    receipt: str | None,
    *,
    report_id: str | None = None,
    alert_id: str | None = None,
    urgent: bool = False,
    language: str | None = None,
) -> Outgoing:
    language = language or subscription.language
    token = subscription.unsubscribe_token
    unsubscribe = messages.unsubscribe_link(subscription.tenant, token) if token else None
    return Outgoing(
        tenant=subscription.tenant,
        kind=kind,
        source=source,
        subscription_id=subscription.id,
        channel=subscription.channel,
        address=subscription.address,
        push=subscription.push,
        language=language,
        subject=rendered.subject,
        text=messages.for_channel(subscription.channel, rendered, language, unsubscribe),
        url=rendered.url,
        unsubscribe_url=unsubscribe,
        one_click_url=messages.one_click_unsubscribe(subscription.tenant, token) if token else None,
        receipt=receipt,
        urgent=urgent,
        report_id=report_id,
        alert_id=alert_id,
    )


def _send(adapter: NotificationAdapter | None, message: Outgoing) -> SendResult:
    if adapter is None:
        return SendResult(status=DeliveryStatus.FAILED, error=f"no adapter for {message.channel}")
    pacer().wait()
    try:
        return adapter.send(message)
    except Exception as exc:  # an adapter must not raise; if one does, the delivery is tried again later
        logger.exception("notification adapter raised", extra={"channel": message.channel, "source": message.source})
        return SendResult(status=DeliveryStatus.RETRY, error=type(exc).__name__)


def deliver(
    tenant_id: str,
    source: str,
    subscriptions: list[Subscription],
    build: Build,
    *,
    alert_id: str | None = None,
    with_receipt: bool = True,
) -> dict[str, DeliveryStatus]:
    """Deliver one message source to `subscriptions`, at most once each; return what each claimed one came to."""
    if not subscriptions:
        return {}
    ledger = stores.notifications()
    claim_id = uuid.uuid4().hex
    now = _now()
    by_id = {subscription.id: subscription for subscription in subscriptions}
    claimed = ledger.claim(tenant_id, source, list(by_id), claim_id, now, MAX_ATTEMPTS, now + LEDGER_RETENTION)
    adapters = adapters_for(tenant_id)
    results: dict[str, tuple[SendResult, str | None]] = {}
    for subscription_id in claimed:
        subscription = by_id[subscription_id]
        receipt, digest = tokens.new_receipt(source, subscription_id) if with_receipt else (None, None)
        message = build(subscription, receipt)
        results[subscription_id] = (_send(adapters.get(subscription.channel), message), digest)
    retrying = [sid for sid, (result, _) in results.items() if result.status is DeliveryStatus.RETRY]
    attempts = ledger.attempts(tenant_id, source, retrying) if retrying else {}
    outcomes = {
        sid: Outcome(result=result, receipt_digest=digest, final=attempts.get(sid, MAX_ATTEMPTS) >= MAX_ATTEMPTS)
        for sid, (result, digest) in results.items()
    }
    ledger.commit(tenant_id, source, claim_id, outcomes, alert_id, _now())
    for sid, (result, _) in results.items():
        if result.gone:
            _forget(by_id[sid])
    statuses = {
        sid: DeliveryStatus.FAILED
        if outcome.result.status is DeliveryStatus.RETRY and outcome.final
        else outcome.result.status
        for sid, outcome in outcomes.items()
    }
    _count(statuses)
    if any(status is DeliveryStatus.RETRY for status in statuses.values()):
        raise RetryLater(f"{sum(s is DeliveryStatus.RETRY for s in statuses.values())} deliveries of {source} to retry")
    return statuses


def _forget(subscription: Subscription) -> None:
    """The channel says the address is gone (push subscription expired, number opted out): stop using it."""
    try:
        stores.subscriptions().delete(subscription)
        logger.info("subscription removed: address gone", extra={"subscription_id": subscription.id})
    except Exception:
        logger.exception("could not remove a gone subscription", extra={"subscription_id": subscription.id})


def _count(statuses: dict[str, DeliveryStatus]) -> None:
    for status in (DeliveryStatus.SENT, DeliveryStatus.DELIVERED, DeliveryStatus.RETRY, DeliveryStatus.FAILED):
        count = sum(1 for value in statuses.values() if value is status)
        if count:
            metrics.add_metric(name=f"Notifications{status.value.capitalize()}", unit="Count", value=count)


# ------------------------------------------------------------------------------------------------ jobs


def process(job: Job) -> None:
    """Carry out one job (the SQS consumer calls this for each message)."""
    if isinstance(job, ConfirmJob):
        _confirm(job)
    elif isinstance(job, ReportUpdateJob):
        _report_update(job)
    elif isinstance(job, ThreadJob):
        _thread_message(job)
    elif isinstance(job, AlertPlanJob):
        plan_alert(job)
    else:
        _alert_batch(job)


def _confirm(job: ConfirmJob) -> None:
    subscription = stores.subscriptions().get(job.tenant, job.subscription_id, _now())
    if subscription is None or subscription.status is not SubscriptionStatus.PENDING or not subscription.code_hash:
        return  # confirmed, unsubscribed or expired meanwhile
    if not tokens.code_matches(subscription.id, job.code, subscription.code_hash):
        return  # a newer code replaced this one
    source = f"confirm:{subscription.id}:{subscription.code_hash[:12]}"
    rendered = messages.confirmation(subscription, job.code)
    deliver(
        job.tenant,
        source,
        [subscription],
        lambda sub, receipt: outgoing(
            OutgoingKind.CONFIRMATION, source, sub, rendered, receipt, report_id=sub.report_id
        ),
        with_receipt=False,
    )


def _report_subscribers(tenant: str, report_id: str) -> list[Subscription]:
    now = _now()
    entries = [
        entry
        for entry in stores.subscriptions().of_report(tenant, report_id, now)
        if entry.status == SubscriptionStatus.ACTIVE
    ]
    found = stores.subscriptions().get_many(tenant, [entry.subscription_id for entry in entries], now)
    return [
        subscription
        for subscription in found.values()
        if subscription.kind is SubscriptionKind.REPORT
        and subscription.report_id == report_id
        and subscription.status is SubscriptionStatus.ACTIVE
    ]


def _report_update(job: ReportUpdateJob) -> None:
    source = f"report:{job.report_id}:{job.event}"

    def build(subscription: Subscription, receipt: str | None) -> Outgoing:
        label = translate(f"status.{job.status}", subscription.language)
        rendered = messages.report_update(subscription, job.report_id, label, job.note, job.sensitive, receipt)
        return outgoing(OutgoingKind.REPORT_UPDATE, source, subscription, rendered, receipt, report_id=job.report_id)

    deliver(job.tenant, source, _report_subscribers(job.tenant, job.report_id), build)


def _thread_message(job: ThreadJob) -> None:
    source = f"thread:{job.report_id}:{job.message_id}"

    def build(subscription: Subscription, receipt: str | None) -> Outgoing:
        rendered = messages.thread_message(subscription, job.report_id, receipt)
        return outgoing(OutgoingKind.THREAD_MESSAGE, source, subscription, rendered, receipt, report_id=job.report_id)

    deliver(job.tenant, source, _report_subscribers(job.tenant, job.report_id), build)


# ------------------------------------------------------------------------------------------------ alerts


def addressed(alert: Alert, language: str, audiences: Iterable[str]) -> bool:
    """Is a subscriber of this language and these audiences among those the alert speaks to?"""
    if alert.languages is not None and language not in alert.languages:
        return False
    return alert.audience is Audience.EVERYONE or alert.audience.value in set(audiences)


def wanted(alert: Alert, entry: IndexEntry, alert_cells: frozenset[str] | None) -> bool:
    """Is this indexed subscription among the alert's recipients: status, language, audience and area?"""
    if entry.status != SubscriptionStatus.ACTIVE or not addressed(alert, entry.language, entry.audiences):
        return False
    return areas.reaches(alert_cells, entry.cells)


def plan_alert(job: AlertPlanJob) -> int:
    """Queue the deliveries of an approved alert, partition by partition; a continuation job takes over when
    this one has queued PLAN_BUDGET subscriptions. Returns how many subscriptions this job queued."""
    repository = stores.notifications()
    alert = repository.get_alert(job.tenant, job.alert_id)
    if alert is None or alert.status not in (AlertStatus.APPROVED, AlertStatus.SENDING):
        return 0
    if alert.status is AlertStatus.APPROVED:
        repository.move_alert(job.tenant, alert.id, [AlertStatus.APPROVED], AlertStatus.SENDING)
    by_partition = areas.alert_cells_by_partition(alert.cells)
    partitions = sorted(by_partition)
    index, start_key = job.partition, job.start_key
    found: dict[str, None] = {}
    pages = 0
    now = _now()
    while index < len(partitions) and len(found) < PLAN_BUDGET and pages < MAX_PLAN_PAGES:
        partition = partitions[index]
        entries, start_key = stores.subscriptions().area_page(job.tenant, partition, start_key, now, PLAN_PAGE)
        pages += 1
        found.update(
            (entry.subscription_id, None) for entry in entries if wanted(alert, entry, by_partition[partition])
        )
        if start_key is None:
            index += 1
    ids = list(found)
    follow_ups: list[AlertBatchJob | AlertPlanJob] = [
        AlertBatchJob(tenant=job.tenant, alert_id=alert.id, subscription_ids=ids[start : start + BATCH_SIZE])
        for start in range(0, len(ids), BATCH_SIZE)
    ]
    if index < len(partitions):
        follow_ups.append(AlertPlanJob(tenant=job.tenant, alert_id=alert.id, partition=index, start_key=start_key))
    stores.jobs().send(follow_ups)
    if index >= len(partitions):
        repository.move_alert(job.tenant, alert.id, [AlertStatus.SENDING], AlertStatus.SENT)
    logger.info("alert planned", extra={"alert_id": alert.id, "queued": len(ids), "partition": index})
    return len(ids)


def _alert_batch(job: AlertBatchJob) -> None:
    alert = stores.notifications().get_alert(job.tenant, job.alert_id)
    if alert is None or alert.status not in (AlertStatus.SENDING, AlertStatus.SENT):
        return
    tenant = get_tenant(job.tenant)
    source = f"alert:{alert.id}"
    found = stores.subscriptions().get_many(job.tenant, job.subscription_ids, _now())
    by_partition = areas.alert_cells_by_partition(alert.cells)
    # Checked again against the subscription itself: a batch only ever reaches the alert's own recipients.
    recipients = [
        subscription
        for subscription in found.values()
        if subscription.kind is SubscriptionKind.AREA
        and subscription.status is SubscriptionStatus.ACTIVE
        and addressed(alert, subscription.language, (audience.value for audience in subscription.audiences))
        and areas.reaches_any(by_partition, subscription.cells)
    ]

    def build(subscription: Subscription, receipt: str | None) -> Outgoing:
        language = messages.alert_language(alert, subscription.language, tenant.default_language)
        rendered = messages.alert_message(alert, language, receipt)
        return outgoing(
            OutgoingKind.ALERT,
            source,
            subscription,
            rendered,
            receipt,
            alert_id=alert.id,
            urgent=alert.severity is Severity.URGENT,
            language=language,
        )

    deliver(job.tenant, source, recipients, build, alert_id=alert.id)
