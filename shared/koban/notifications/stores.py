"""The stores of two-way communication, made once per process (lazily: importing makes no client)."""

from __future__ import annotations

from functools import cache

from koban.notifications.jobs import JobQueue
from koban.notifications.storage import NotificationRepository, SubscriptionRepository, ThreadRepository
from koban.settings import get_settings


@cache
def subscriptions() -> SubscriptionRepository:
    return SubscriptionRepository(get_settings().subscriptions_table)


@cache
def notifications() -> NotificationRepository:
    return NotificationRepository(get_settings().notifications_table)


@cache
def threads() -> ThreadRepository:
    return ThreadRepository(get_settings().personal_data_table)


@cache
def jobs() -> JobQueue:
    return JobQueue()


def reset() -> None:
    """Forget the stores, the channel adapters and the VAPID key (tests and the local home switch settings)."""
    from koban.notifications.delivery import adapters_for, pacer
    from koban.notifications.webpush import vapid_key

    for accessor in (subscriptions, notifications, threads, jobs, vapid_key, adapters_for, pacer):
        accessor.cache_clear()
