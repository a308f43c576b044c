"""Audit anchor function: every 15 minutes (EventBridge), the head of each tenant's audit log whose head moved is
copied into the object-locked anchors bucket, where a consistent rewrite of the chain can no longer follow it
(koban.audit.anchors). No route; the event is EventBridge's and unused."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from koban.audit.anchors import Outcome
from koban.audit.service import anchor_heads
from koban.observability import logger, metrics, traced
from koban.warmup import warm_up_for_snapshot

warm_up_for_snapshot(("dynamodb", "s3"))


@logger.inject_lambda_context
@traced
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    outcomes = anchor_heads()
    anchored = [outcome.tenant for outcome in outcomes if outcome.outcome is Outcome.ANCHORED]
    metrics.add_metric(name="AuditHeadsAnchored", unit="Count", value=len(anchored))
    return {"anchored": anchored, "tenants": len(outcomes)}
