"""Report updates function: reads the reports' stream and queues a notification for each status change of a
report someone follows (one record at a time, partial batch failures reported)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from koban.notifications.report_updates import handle_record
from koban.observability import logger, metrics, traced

processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


def record_handler(record: DynamoDBRecord) -> None:
    if handle_record(record.raw_event):
        metrics.add_metric(name="ReportUpdatesQueued", unit="Count", value=1)


@logger.inject_lambda_context
@traced
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    response = process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
    return dict(response)
