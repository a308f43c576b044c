"""Notification delivery function: the SQS consumer that sends each job's messages through the channel adapters
(partial batch failures reported, so only failed jobs come back; the queue's dead-letter queue keeps the rest)."""

from __future__ import annotations

from aws_lambda_powertools.utilities.batch import EventType
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from koban.consumers import batch_entry
from koban.notifications.delivery import process
from koban.notifications.jobs import parse_job
from koban.warmup import warm_up_for_snapshot

warm_up_for_snapshot(("dynamodb", "sqs", "sesv2", "sns"))


def record_handler(record: SQSRecord) -> None:
    process(parse_job(record.body))


lambda_handler = batch_entry(EventType.SQS, record_handler)
