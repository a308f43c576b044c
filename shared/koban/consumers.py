"""The Lambda entry point of a stream or queue consumer: records handled one at a time, with powertools' batch
processing, so that the response names only the records that failed (ReportBatchItemFailures) and only those
come back."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.typing import LambdaContext

from koban.observability import logger, metrics, traced

Handler = Callable[[dict[str, Any], LambdaContext], dict[str, Any]]


def batch_entry(event_type: EventType, record_handler: Callable[[Any], None]) -> Handler:
    """`lambda_handler = batch_entry(EventType.SQS, handle_one)`: logging, tracing, metrics, partial failures."""
    processor = BatchProcessor(event_type=event_type)

    @logger.inject_lambda_context
    @traced
    @metrics.log_metrics
    def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        response = process_partial_response(
            event=event, record_handler=record_handler, processor=processor, context=context
        )
        return dict(response)

    return cast(Handler, lambda_handler)
