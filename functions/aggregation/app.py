"""Aggregation function: the stream consumer that keeps the dashboard counters (one record at a time, partial
batch failures reported so only the failed records are retried, each report's records applied in order)."""

from __future__ import annotations

from aws_lambda_powertools.utilities.batch import EventType
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from koban.aggregation.service import apply_stream_record
from koban.consumers import batch_entry
from koban.observability import metrics


def record_handler(record: DynamoDBRecord) -> None:
    if apply_stream_record(record.raw_event):
        metrics.add_metric(name="CountersUpdated", unit="Count", value=1)


lambda_handler = batch_entry(EventType.DynamoDBStreams, record_handler)
