"""Notification fan-out figures for `make bench` (also `python -m koban_local.bench_notifications` alone).

An area alert to SUBSCRIBERS residents spread over the whole city goes through the very path it takes in the
cloud: drafted and approved over HTTP, planned and delivered by the delivery worker the local queue poller drives
(outbox adapter, unpaced). Measured: the AWS calls the worker makes per delivery, by operation (machine-independent:
the channel's own send is one of them), and alerts and deliveries per second on this machine's local moto (a
lower bound: moto answers every call in milliseconds where DynamoDB, SQS and a provider take about as long, but the
cloud runs NotificationDeliveryConcurrency workers side by side, each paced to NotificationSendsPerSecond).
"""

from __future__ import annotations

import contextlib
import io
import os
import random
import sys
import time
import warnings
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import h3
import requests

from koban_local import streams
from koban_local.home import UNREFUSING_RATE_LIMITS, LocalHome
from koban_local.metering import metered
from koban_local.tokens import issue_staff_token

TENANT = "pilot-nl"
SUBSCRIBERS = 10_000
ALERTS = 2
# Calls the local queue poller makes in Lambda's place (the event source mapping), not the function.
POLLER_OPERATIONS = frozenset(
    {"sqs.ReceiveMessage", "sqs.DeleteMessageBatch", "sqs.ChangeMessageVisibility", "sqs.GetQueueAttributes"}
)


def seed_subscribers(count: int, seed: int = 11) -> list[str]:
    """`count` confirmed web-push subscribers of blocks all over the tenant's area, stored as the API stores them.

    Their unsubscribe tokens are placeholders (signing 10,000 with KMS measures KMS, not the fan-out)."""
    from koban.ids import new_id
    from koban.notifications import stores
    from koban.notifications.models import (
        Audience,
        NotificationChannel,
        PushTarget,
        Subscription,
        SubscriptionKind,
        SubscriptionStatus,
    )
    from koban.tenants.service import get_tenant

    tenant = get_tenant(TENANT)
    west, south, east, north = tenant.area.bbox
    margin = 0.005  # blocks well inside the city-wide alert's polygon: every subscriber is one it must reach
    west, south, east, north = west + margin, south + margin, east - margin, north - margin
    chance = random.Random(seed)  # noqa: S311 - reproducible synthetic places, not a secret
    now = datetime.now(UTC)
    repository = stores.subscriptions()
    ids = []
    for position in range(count):
        subscription_id = new_id()
        cell = h3.latlng_to_cell(chance.uniform(south, north), chance.uniform(west, east), 9)
        repository.create(
            Subscription(
                tenant=tenant.id,
                id=subscription_id,
                kind=SubscriptionKind.AREA,
                channel=NotificationChannel.PUSH,
                push=PushTarget(
                    endpoint=f"https://fcm.googleapis.com/fcm/send/bench-{position}",
                    p256dh="BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4",
                    auth="BTBZMqHH6r4Tts7J_aSIgg",
                ),
                language=chance.choice(("nl", "en")),
                audiences=(Audience.OLDER_PEOPLE,) if position % 3 == 0 else (),
                cells=(cell,),
                status=SubscriptionStatus.ACTIVE,
                unsubscribe_token=f"{subscription_id}.{'b' * 43}",
                created_at=now,
                confirmed_at=now,
                expires_at=now + timedelta(days=365),
            )
        )
        ids.append(subscription_id)
    return ids


def _city_polygon() -> dict[str, Any]:
    from koban.tenants.service import get_tenant

    west, south, east, north = get_tenant(TENANT).area.bbox
    inset = 0.0005
    ring = [[west + inset, south + inset], [east - inset, south + inset], [east - inset, north - inset]]
    ring.append([west + inset, north - inset])
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


def _approved_alert(base_url: str, session: requests.Session) -> str:
    api = f"{base_url}/v1/tenants/{TENANT}"
    officer = {"Authorization": f"Bearer {issue_staff_token(TENANT, 'officer')}"}
    supervisor = {"Authorization": f"Bearer {issue_staff_token(TENANT, 'supervisor')}"}
    drafted = session.post(
        f"{api}/alerts",
        json={
            "texts": {
                "nl": {"title": "Oplichters bellen als 'de bank'", "body": "Geef nooit uw pincode door."},
                "en": {"title": "Scammers call as 'the bank'", "body": "Never give your PIN to anyone."},
            },
            "area": {"polygon": _city_polygon()},
        },
        headers=officer,
        timeout=60,
    )
    drafted.raise_for_status()
    alert = drafted.json()
    decided = session.post(
        f"{api}/alerts/{alert['id']}/decision",
        json={"version": alert["version"], "decision": "approve"},
        headers=supervisor,
        timeout=60,
    )
    decided.raise_for_status()
    alert_id: str = alert["id"]
    return alert_id


def _sent(alert_id: str) -> int:
    from koban.notifications import stores

    alert = stores.notifications().get_alert(TENANT, alert_id)
    return alert.counts.sent if alert else 0


def notification_section(home: LocalHome, subscribers: int = SUBSCRIBERS, alerts: int = ALERTS) -> list[str]:
    """Figures of the alert fan-out: AWS calls per delivery by operation, and alerts (deliveries) per second."""
    from koban.notifications import delivery
    from koban.settings import get_settings

    saved = os.environ.get("NOTIFICATION_SENDS_PER_SECOND")
    os.environ["NOTIFICATION_SENDS_PER_SECOND"] = "0"  # unpaced: measure the worker, not the pace
    get_settings.cache_clear()
    delivery.pacer.cache_clear()
    try:
        started = time.perf_counter()
        seed_subscribers(subscribers)
        seeding = time.perf_counter() - started
        rounds = []
        calls: Counter[str] = Counter()
        for _ in range(alerts):
            # A fresh connection each round: the gateway closes connections left idle during a long fan-out.
            with requests.Session() as session, metered(ignore_threads=(streams.THREAD_NAME,)) as meter:
                started = time.perf_counter()
                alert_id = _approved_alert(home.gateway.url, session)
                home.queues.drain(timeout=3600)
                seconds = time.perf_counter() - started
            rounds.append((_sent(alert_id), seconds))
            calls.update(meter.calls)
    finally:
        if saved is None:
            os.environ.pop("NOTIFICATION_SENDS_PER_SECOND", None)
        else:
            os.environ["NOTIFICATION_SENDS_PER_SECOND"] = saved
        get_settings.cache_clear()
        delivery.pacer.cache_clear()
    deliveries = sum(sent for sent, _ in rounds)
    worker = {name: count for name, count in calls.items() if name not in POLLER_OPERATIONS}
    seconds = sum(duration for _, duration in rounds)
    lines = [
        f"6. Area alert fan-out ({TENANT}; {subscribers:,} push subscribers over the whole city, {alerts} city-wide "
        f"alerts approved over HTTP, delivered by the worker through the local outbox, unpaced)",
        f"   deliveries: {deliveries:,} ({deliveries // max(alerts, 1):,} per alert, each subscriber once); "
        f"subscribers stored in {seeding:.0f} s",
        f"   AWS calls per delivery: {sum(worker.values()) / max(deliveries, 1):.3f} "
        "(API requests, plan and delivery jobs; SQS polling by Lambda not counted)",
    ]
    for name, count in sorted(worker.items(), key=lambda item: -item[1]):
        lines.append(f"     {name:<34} {count:>8,} {count / max(deliveries, 1):>8.4f} per delivery")
    lines.append(
        f"   local moto, one worker: {alerts / seconds:.4f} alerts/s to {subscribers:,} subscribers "
        f"({seconds / alerts:.0f} s per alert, approval to last delivery) = {deliveries / seconds:,.0f} deliveries/s"
    )
    return lines


def main() -> int:
    warnings.filterwarnings("ignore", message="No application metrics to publish")
    from koban_local.cli import home as repository_root

    os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "1")
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "ERROR")
    count = int(sys.argv[1]) if len(sys.argv) > 1 else SUBSCRIBERS
    with (
        contextlib.redirect_stdout(io.StringIO()),
        LocalHome(repository_root(), port=0, settings=UNREFUSING_RATE_LIMITS) as home,
    ):
        home.gateway.start()
        lines = notification_section(home, subscribers=count)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
