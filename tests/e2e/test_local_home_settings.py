"""What the local home sets for the handlers that differs from Lambda, and why it may."""

from __future__ import annotations

from koban.aws import client
from koban_local.home import LocalHome


def test_local_aws_calls_may_wait_longer_than_a_lambda_would(home: LocalHome) -> None:
    # Given the running home (moto answers some index queries far slower than DynamoDB on a busy machine)
    # When a handler's client is made, then it waits up to a minute instead of Lambda's five seconds
    assert client("dynamodb").meta.config.read_timeout == 60.0
