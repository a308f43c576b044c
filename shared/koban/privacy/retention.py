"""How long a tenant keeps personal data: contact details, private threads and subscriptions (DynamoDB TTL)."""

from __future__ import annotations

from datetime import datetime, timedelta

from koban.settings import get_settings
from koban.tenants.models import Tenant


def retention(tenant: Tenant) -> timedelta:
    """The tenant's own period, else the deployment's (`REPORTER_DATA_RETENTION_DAYS`)."""
    days = tenant.personal_data_retention_days or get_settings().reporter_data_retention_days
    return timedelta(days=days)


def personal_data_expiry(tenant: Tenant, now: datetime) -> datetime:
    """When personal data stored `now` expires (its TTL `expires_at`)."""
    return now + retention(tenant)
