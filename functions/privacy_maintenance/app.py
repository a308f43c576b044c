"""Privacy maintenance function: on a schedule (hourly), finishes every tenant's erasures that a failure left
unfinished after their commit and anonymises its closed reports past their retention (koban.privacy.maintenance).
No route; the event is EventBridge's and unused."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from koban.observability import logger, metrics, traced
from koban.privacy.maintenance import maintain
from koban.warmup import warm_up_for_snapshot

warm_up_for_snapshot(("dynamodb", "s3"))


@logger.inject_lambda_context
@traced
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return maintain().model_dump()
