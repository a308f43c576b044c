"""Settings, read once from the environment through one model. Logic never reads os.environ.

A plain pydantic model validated from `os.environ` (pydantic-settings would add ~60 ms of imports to every
cold start for features a Lambda does not use: dotenv files, secrets directories, cloud providers).
"""

from __future__ import annotations

import json
import os
from functools import cache
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator


class RateLimit(BaseModel):
    """A per-client token bucket: `per_minute` tokens come back each minute, at most `burst` are held."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    per_minute: Annotated[float, Field(gt=0, le=1_000_000)]
    burst: Annotated[int, Field(ge=1, le=1_000_000)]


class RateLimits(BaseModel):
    """The limit of each scope of open routes, per client and tenant (koban.ratelimit). The defaults suit
    production: a resident reports a few things at once, not dozens; an Open311 client relays many residents."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    intake: RateLimit = RateLimit(per_minute=10, burst=5)
    attachments: RateLimit = RateLimit(per_minute=30, burst=10)
    open311: RateLimit = RateLimit(per_minute=60, burst=20)
    assistant: RateLimit = RateLimit(per_minute=20, burst=10)
    public_writes: RateLimit = RateLimit(per_minute=20, burst=10)


class Settings(BaseModel):
    """What a function needs to know about its home; the template (or the local gateway) sets these."""

    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)

    reports_table: Annotated[str, Field(alias="REPORTS_TABLE")] = "ReportsTable"
    personal_data_table: Annotated[str, Field(alias="PERSONAL_DATA_TABLE")] = "PersonalDataTable"
    idempotency_table: Annotated[str, Field(alias="IDEMPOTENCY_TABLE")] = "IdempotencyTable"
    api_keys_table: Annotated[str, Field(alias="API_KEYS_TABLE")] = "ApiKeysTable"
    aggregates_table: Annotated[str, Field(alias="AGGREGATES_TABLE")] = "AggregatesTable"
    problems_table: Annotated[str, Field(alias="PROBLEMS_TABLE")] = "ProblemsTable"
    # The capability model's assessment rounds and assessments (koban.capability).
    capability_table: Annotated[str, Field(alias="CAPABILITY_TABLE")] = "CapabilityTable"
    # The tamper-evident audit log (koban.audit): append-only, hash-chained per tenant.
    audit_table: Annotated[str, Field(alias="AUDIT_TABLE")] = "AuditTable"
    # Copies of the audit heads outside the table (koban.audit.anchors), in an object-locked bucket; empty: none.
    audit_anchors_bucket: Annotated[str, Field(alias="AUDIT_ANCHORS_BUCKET")] = ""
    attachments_bucket: Annotated[str, Field(alias="ATTACHMENTS_BUCKET")] = "koban-attachments"
    app_config_table: Annotated[str, Field(alias="APP_CONFIG_TABLE")] = "AppConfigTable"
    app_config_bucket: Annotated[str, Field(alias="APP_CONFIG_BUCKET")] = "koban-app-config"
    # Apps re-read a published configuration after this long (Cache-Control max-age), and a function instance
    # re-reads which version is published after this long: together the most a publication takes to arrive.
    app_config_max_age_seconds: Annotated[int, Field(alias="APP_CONFIG_MAX_AGE_SECONDS", ge=0, le=86400)] = 60
    app_config_pointer_ttl_seconds: Annotated[float, Field(alias="APP_CONFIG_POINTER_TTL_SECONDS", ge=0, le=300)] = 5.0
    # How long an AWS call may wait for its answer. A Lambda has seconds; a tool run against the local moto (which
    # scans a whole table for each index page) may need more.
    aws_read_timeout_seconds: Annotated[float, Field(alias="KOBAN_AWS_READ_TIMEOUT_SECONDS", gt=0, le=900)] = 5.0
    reporter_data_retention_days: Annotated[int, Field(alias="REPORTER_DATA_RETENTION_DAYS", ge=1, le=3650)] = 365
    staff_user_pool_id: Annotated[str, Field(alias="STAFF_USER_POOL_ID")] = ""
    staff_user_pool_client_id: Annotated[str, Field(alias="STAFF_USER_POOL_CLIENT_ID")] = ""
    # Abuse protection of the open routes (koban.ratelimit): the buckets' table, the limits (JSON, e.g.
    # {"intake": {"per_minute": 10, "burst": 5}}; scopes not named keep their defaults), the HMAC key that turns a
    # client's address into the bucket's key (no address is stored), and the value CloudFront sends in
    # X-Koban-Edge-Key, without which an X-Koban-Viewer-Address header is not believed.
    rate_limits_table: Annotated[str, Field(alias="RATE_LIMITS_TABLE")] = "RateLimitsTable"
    rate_limits: Annotated[RateLimits, Field(alias="KOBAN_RATE_LIMITS")] = RateLimits()
    rate_limit_client_key: Annotated[str, Field(alias="RATE_LIMIT_CLIENT_KEY", repr=False)] = ""
    rate_limit_edge_key: Annotated[str, Field(alias="RATE_LIMIT_EDGE_KEY", repr=False)] = ""
    # Extra plugin modules to register by name, comma-separated (entry points are discovered anyway).
    plugins: Annotated[tuple[str, ...], Field(alias="KOBAN_PLUGINS")] = ()
    idempotency_ttl_seconds: Annotated[int, Field(alias="KOBAN_IDEMPOTENCY_TTL_SECONDS", ge=60)] = 3600
    # The assistant: conversations (kept for a short time), the knowledge repository, the optional LLM plugin.
    conversations_table: Annotated[str, Field(alias="CONVERSATIONS_TABLE")] = "ConversationsTable"
    knowledge_bucket: Annotated[str, Field(alias="KNOWLEDGE_BUCKET")] = "koban-knowledge"
    conversation_retention_days: Annotated[int, Field(alias="CONVERSATION_RETENTION_DAYS", ge=1, le=365)] = 30
    knowledge_cache_seconds: Annotated[float, Field(alias="KOBAN_KNOWLEDGE_CACHE_SECONDS", ge=0, le=3600)] = 60.0
    assistant_llm_model_id: Annotated[str, Field(alias="KOBAN_ASSISTANT_LLM_MODEL_ID", max_length=200)] = ""
    assistant_llm_timeout_seconds: Annotated[float, Field(alias="KOBAN_ASSISTANT_LLM_TIMEOUT_SECONDS", gt=0, le=30)] = (
        4.0
    )
    # Two-way communication (koban.notifications).
    notifications_table: Annotated[str, Field(alias="NOTIFICATIONS_TABLE")] = "NotificationsTable"
    subscriptions_table: Annotated[str, Field(alias="SUBSCRIPTIONS_TABLE")] = "SubscriptionsTable"
    notification_queue_url: Annotated[str, Field(alias="NOTIFICATION_QUEUE_URL")] = ""
    # "outbox" stores what would be sent (readable through the API); "providers" sends by SES, SNS and web push.
    notification_delivery: Annotated[Literal["outbox", "providers"], Field(alias="NOTIFICATION_DELIVERY")] = "outbox"
    # The KMS HMAC key that signs one-click unsubscribe tokens (no secret ever leaves KMS).
    notification_signing_key: Annotated[str, Field(alias="NOTIFICATION_SIGNING_KEY")] = ""
    # The KMS HMAC key of the blind index of data subjects (koban.privacy.subjects): keyed hashes of contact
    # details, so that a subject request finds a person's reports and subscriptions without a Scan.
    subject_index_key: Annotated[str, Field(alias="SUBJECT_INDEX_KEY")] = ""
    notification_email_from: Annotated[str, Field(alias="NOTIFICATION_EMAIL_FROM")] = "no-reply@example.org"
    # Sends per second of one delivery worker (0: unpaced); the template also caps the workers' concurrency.
    notification_sends_per_second: Annotated[float, Field(alias="NOTIFICATION_SENDS_PER_SECOND", ge=0)] = 50.0
    # Origin of the web pages and (same origin) the API, for the links in messages.
    public_base_url: Annotated[str, Field(alias="PUBLIC_BASE_URL", pattern=r"^https?://[^/\s]+$")] = (
        "http://127.0.0.1:8000"
    )
    # Web push (RFC 8292 VAPID): the application server's P-256 private key, base64url (32 bytes) or PEM.
    vapid_private_key: Annotated[str, Field(alias="VAPID_PRIVATE_KEY", repr=False)] = ""
    vapid_subject: Annotated[str, Field(alias="VAPID_SUBJECT")] = "mailto:no-reply@example.org"
    # Web push is only ever POSTed to these push services (the endpoint comes from the public).
    push_service_hosts: Annotated[tuple[str, ...], Field(alias="PUSH_SERVICE_HOSTS")] = (
        "fcm.googleapis.com",
        "updates.push.services.mozilla.com",
        "push.services.mozilla.com",
        "notify.windows.com",
        "push.apple.com",
    )

    @field_validator("plugins", "push_service_hosts", mode="before")
    @classmethod
    def _split_names(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(name.strip() for name in value.split(",") if name.strip())
        return value

    @field_validator("rate_limits", mode="before")
    @classmethod
    def _parse_limits(cls, value: object) -> object:
        return json.loads(value) if isinstance(value, str) else value


@cache
def get_settings() -> Settings:
    return Settings.model_validate(dict(os.environ))
