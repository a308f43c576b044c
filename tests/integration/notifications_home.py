"""A moto home for the notifications tests: every function's environment, and the delivery worker and the
report-updates consumer driven by the local pollers (the same code `koban serve` runs), step by step."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest

from koban.caches import reset_process_caches
from koban_local.functions import load_handler
from koban_local.home import shared_environment
from koban_local.queues import QueuePoller
from koban_local.running import EnvironmentPatch
from koban_local.streams import StreamPoller
from koban_local.template import Template
from tests.api import ApiClient, staff_claims
from tests.integration.test_reports_intake import noise_report

CODE = re.compile(r"\b(\d{6})\b")


@dataclass
class Notifications:
    """The API, the delivery worker (`queues`) and the report-updates consumer (`streams`)."""

    api: ApiClient
    queues: QueuePoller
    streams: StreamPoller
    delivery: Any
    names: dict[str, str]
    failures: list[str] = field(default_factory=list)

    def settle(self) -> None:
        """Let status changes reach the queue, and the queue empty (jobs done or dead-lettered)."""
        self.streams.drain(timeout=60)
        self.queues.drain(timeout=120)

    def report(self, tenant: str = "pilot-nl", **overrides: Any) -> dict[str, Any]:
        reply = self.api.post(f"/v1/tenants/{tenant}/reports", body=noise_report(tenant, **overrides))
        assert reply.status == 201, reply.body
        receipt: dict[str, Any] = reply.json()
        return receipt

    def reporter_outbox(self, tenant: str, report: dict[str, Any]) -> list[dict[str, Any]]:
        reply = self.api.get(
            f"/v1/tenants/{tenant}/reports/{report['id']}/notifications",
            headers={"X-Tracking-Token": report["tracking_token"]},
        )
        assert reply.status == 200, reply.body
        items: list[dict[str, Any]] = reply.json()["items"]
        return items

    def outbox(self, tenant: str = "pilot-nl") -> list[dict[str, Any]]:
        """The tenant's whole outbox, newest first, read page by page as staff."""
        items: list[dict[str, Any]] = []
        query = {"limit": "100"}
        while True:
            reply = self.api.get(f"/v1/tenants/{tenant}/notifications/outbox", claims=staff_claims(tenant), query=query)
            assert reply.status == 200, reply.body
            page = reply.json()
            items.extend(page["items"])
            if not page["next_cursor"]:
                return items
            query = {"limit": "100", "cursor": page["next_cursor"]}

    def confirm(self, tenant: str, subscription_id: str) -> dict[str, Any]:
        """Confirm with the code the outbox shows was sent."""
        self.settle()
        sent = [
            item
            for item in self.outbox(tenant)
            if item["subscription_id"] == subscription_id and item["kind"] == "confirmation"
        ]
        assert sent, f"no confirmation code was sent to {subscription_id}"
        found = CODE.search(sent[0]["text"])
        assert found is not None
        reply = self.api.post(
            f"/v1/tenants/{tenant}/subscriptions/{subscription_id}/confirmation", body={"code": found.group(1)}
        )
        assert reply.status == 200, reply.body
        confirmed: dict[str, Any] = reply.json()
        return confirmed


@pytest.fixture(scope="module", name="notifications")
def notifications_fixture(moto_home: dict[str, str], template: Template, api: ApiClient) -> Iterator[Notifications]:
    """Given every function's environment (queue URL, signing key...), the delivery worker and the consumer."""
    environment = shared_environment(
        {function_id: template.resolve_environment(function_id, moto_home) for function_id in template.functions}
    )
    patch = EnvironmentPatch({**environment, "NOTIFICATION_SENDS_PER_SECOND": "0"})
    patch.apply()
    reset_process_caches()
    worker = template.functions["NotificationDeliveryFunction"]
    consumer = template.functions["ReportUpdatesFunction"]
    delivery = load_handler(worker.code_uri, worker.handler, {})
    queues = QueuePoller(
        template, {"NotificationDeliveryFunction": delivery}, moto_home, sqs_client=boto3.client("sqs"), retry_delay=0
    )
    streams = StreamPoller(
        template,
        {"ReportUpdatesFunction": load_handler(consumer.code_uri, consumer.handler, {})},
        moto_home,
        dynamodb_client=boto3.client("dynamodb"),
        streams_client=boto3.client("dynamodbstreams"),
        poll_interval=0.05,
    )
    try:
        with streams:
            yield Notifications(api=api, queues=queues, streams=streams, delivery=delivery, names=moto_home)
    finally:
        patch.restore()
        reset_process_caches()
