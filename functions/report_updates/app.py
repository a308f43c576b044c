"""Report updates function: reads the reports' stream and queues a notification for each status change of a
report someone follows, and for each message the team writes in its thread (one record at a time, partial batch
failures reported)."""

from __future__ import annotations

from aws_lambda_powertools.utilities.batch import EventType
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from koban.consumers import batch_entry
from koban.notifications.report_updates import handle_record
from koban.observability import metrics


def record_handler(record: DynamoDBRecord) -> None:
    if handle_record(record.raw_event):
        metrics.add_metric(name="ReportUpdatesQueued", unit="Count", value=1)


lambda_handler = batch_entry(EventType.DynamoDBStreams, record_handler)
