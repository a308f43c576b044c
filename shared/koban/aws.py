"""boto3 clients, created lazily on first use and cached, so importing a handler makes no client."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from botocore.client import BaseClient

# Short retries with a hard cap: a Lambda has seconds, not minutes, to answer (read timeout: a setting).
_CLIENT_CONFIG: dict[str, Any] = {
    "retries": {"max_attempts": 3, "mode": "standard"},
    "connect_timeout": 2,
}


@cache
def client(service: str) -> BaseClient:
    import boto3
    from botocore.config import Config

    from koban.settings import get_settings

    config = Config(**_CLIENT_CONFIG, read_timeout=get_settings().aws_read_timeout_seconds)
    return boto3.session.Session().client(service, config=config)


def reset_clients() -> None:
    """Forget cached clients (tests that switch endpoints call this)."""
    client.cache_clear()
