"""Authorizer function: the optional-staff REQUEST authorizer of routes open to citizens and staff."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from koban.authorizer import authorize
from koban.observability import logger


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return authorize(event)
