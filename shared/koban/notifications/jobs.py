"""Notification jobs and the SQS queue that carries them to the delivery workers.

A job names what to send and to whom by id only: no contact data and no message text travel on the queue
(the one exception is a confirmation code, which is good for 48 hours and is stored only as a hash). Jobs are
safe to repeat: deliveries are idempotent per (source, subscription) in the ledger.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import Annotated, Any, Literal

from botocore.exceptions import BotoCoreError, ClientError
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from koban import aws
from koban.errors import StorageError
from koban.settings import get_settings

Id = Annotated[str, Field(pattern=r"^[0-9a-z]{20}$")]
TenantId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{1,39}$")]
# Subscriptions named in one delivery job: with the ledger's one transaction per 100 items, a batch is claimed
# in one call and recorded in one more.
BATCH_SIZE = 50


class _Job(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    tenant: TenantId


class ConfirmJob(_Job):
    """Send a pending subscription its confirmation code."""

    kind: Literal["confirm"] = "confirm"
    subscription_id: Id
    code: Annotated[str, Field(pattern=r"^[0-9]{6}$")]


class ReportUpdateJob(_Job):
    """A report changed status (with a note for the reporter): tell those who follow it."""

    kind: Literal["report_update"] = "report_update"
    report_id: Id
    event: Annotated[str, Field(pattern=r"^[0-9a-f]{16}$", description="Digest of the lifecycle event's key")]
    status: str
    note: str | None = None
    sensitive: bool = False


class ThreadJob(_Job):
    """The neighbourhood team wrote in a report's thread: tell the reporter there is a message."""

    kind: Literal["thread_message"] = "thread_message"
    report_id: Id
    message_id: Id


class AlertPlanJob(_Job):
    """Find an approved alert's subscribers, from partition `partition` on, and queue their deliveries."""

    kind: Literal["alert_plan"] = "alert_plan"
    alert_id: Id
    partition: Annotated[int, Field(ge=0)] = 0
    start_key: dict[str, Any] | None = None


class AlertBatchJob(_Job):
    """Deliver an alert to up to BATCH_SIZE subscriptions."""

    kind: Literal["alert_batch"] = "alert_batch"
    alert_id: Id
    subscription_ids: Annotated[list[Id], Field(min_length=1, max_length=BATCH_SIZE)]


Job = Annotated[ConfirmJob | ReportUpdateJob | ThreadJob | AlertPlanJob | AlertBatchJob, Field(discriminator="kind")]
JOB = TypeAdapter(Job)


def parse_job(body: str) -> Job:
    return JOB.validate_json(body)


class JobQueue:
    """The notification delivery queue (SQS, with a dead-letter queue behind it in the template)."""

    @property
    def url(self) -> str:
        url = get_settings().notification_queue_url
        if not url:
            raise StorageError("NOTIFICATION_QUEUE_URL is not set: notifications cannot be queued.")
        return url

    def send(self, jobs: Sequence[_Job]) -> None:
        """Queue every job (SendMessageBatch, ten a call; entries SQS refuses for now are sent again)."""
        client = aws.client("sqs")
        for start in range(0, len(jobs), 10):
            entries = {
                str(index): {"Id": str(index), "MessageBody": job.model_dump_json(exclude_none=True)}
                for index, job in enumerate(jobs[start : start + 10])
            }
            for attempt in range(5):
                try:
                    response = client.send_message_batch(QueueUrl=self.url, Entries=list(entries.values()))
                except (ClientError, BotoCoreError) as exc:
                    raise StorageError("The notification queue is unavailable; try again shortly.") from exc
                failed = response.get("Failed") or []
                if any(entry.get("SenderFault") for entry in failed):
                    raise StorageError(f"SQS refused a notification job: {json.dumps(failed)[:300]}")
                entries = {entry["Id"]: entries[entry["Id"]] for entry in failed}
                if not entries:
                    break
                time.sleep(0.05 * 2**attempt)
            else:
                raise StorageError("The notification queue kept refusing jobs; try again shortly.")
