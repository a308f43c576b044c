"""The Lambda entry point of a stream or queue consumer: records handled one at a time, with powertools' batch
processing, so that the response names only the records that failed (ReportBatchItemFailures) and only those
come back.

A stream is ordered per item, and Lambda retries a stream batch from its first failed record; powertools goes on
with the records after a failure. A later record of the same item would then be handled before the failed one,
and a consumer that keeps a per-item marker of the last record it applied (the aggregation) would skip the failed
record for good when it comes back. So in a stream batch, once a record of an item fails, that item's later
records fail too without being handled, and come back after it in order.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, cast

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.typing import LambdaContext

from koban.observability import logger, metrics, traced

Handler = Callable[[dict[str, Any], LambdaContext], dict[str, Any]]


class HeldBack(Exception):
    """A stream record not handled because an earlier record of the same item failed in this batch."""


def in_item_order(record_handler: Callable[[Any], None]) -> Callable[[Any], None]:
    """`record_handler` for one stream batch: an item's records after one that failed are held back (failed)."""
    failed: set[str] = set()

    def handle(record: Any) -> None:
        item = json.dumps(record.raw_event.get("dynamodb", {}).get("Keys"), sort_keys=True)
        if item in failed:
            raise HeldBack("an earlier record of this item failed in this batch; it comes back after that one")
        try:
            record_handler(record)
        except Exception:
            failed.add(item)
            raise

    return handle


def batch_entry(event_type: EventType, record_handler: Callable[[Any], None]) -> Handler:
    """`lambda_handler = batch_entry(EventType.SQS, handle_one)`: logging, tracing, metrics, partial failures."""
    processor = BatchProcessor(event_type=event_type)

    @logger.inject_lambda_context
    @traced
    @metrics.log_metrics
    def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        handler = in_item_order(record_handler) if event_type is EventType.DynamoDBStreams else record_handler
        response = process_partial_response(event=event, record_handler=handler, processor=processor, context=context)
        return dict(response)

    return cast(Handler, lambda_handler)
