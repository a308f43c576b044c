"""Notification delivery function: the SQS consumer that sends each job's messages through the channel adapters
(partial batch failures reported, so only failed jobs come back; the queue's dead-letter queue keeps the rest)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from koban.notifications.delivery import process
from koban.notifications.jobs import parse_job
from koban.observability import logger, metrics, traced
from koban.warmup import warm_up_for_snapshot

processor = BatchProcessor(event_type=EventType.SQS)
warm_up_for_snapshot(("dynamodb", "sqs", "sesv2", "sns"))


def record_handler(record: SQSRecord) -> None:
    process(parse_job(record.body))


@logger.inject_lambda_context
@traced
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    response = process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
    return dict(response)
