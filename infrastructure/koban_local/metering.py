"""Count AWS calls (and DynamoDB items read) made by any boto3 client in this process.

Used by `make bench` (calls and items per request kind) and by the tests that prove no request path Scans.
It wraps botocore's single dispatch point, so clients created anywhere (handlers, powertools) are counted.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from botocore.client import BaseClient
from botocore.exceptions import ClientError

from koban_local import queues, schedules, streams, ttl


@dataclass
class Meter:
    calls: Counter[str] = field(default_factory=Counter)  # "dynamodb.Query" → count
    items_read: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, service: str, operation: str, response: dict[str, Any]) -> None:
        with self._lock:
            self.calls[f"{service}.{operation}"] += 1
            if service == "dynamodb":
                self.items_read += _items_in(operation, response)

    @property
    def dynamodb_calls(self) -> int:
        return sum(count for name, count in self.calls.items() if name.startswith("dynamodb."))

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()
            self.items_read = 0


def _items_in(operation: str, response: dict[str, Any]) -> int:
    if operation in ("Query", "Scan"):
        return int(response.get("ScannedCount", response.get("Count", 0)))
    if "Item" in response:  # GetItem, or a write refused with ReturnValuesOnConditionCheckFailure
        return 1
    if operation == "BatchGetItem":
        return sum(len(items) for items in response.get("Responses", {}).values())
    if operation == "TransactGetItems":
        return len(response.get("Responses", []))
    return 0


# Threads of a local home that stand for AWS itself: its TTL process, which Scans as DynamoDB's own sweeper does.
AWS_THREADS = (ttl.THREAD_NAME,)
# Background work that belongs to no request: stream and queue consumers, scheduled jobs.
BACKGROUND_THREADS = (streams.THREAD_NAME, queues.THREAD_NAME, schedules.THREAD_NAME, *AWS_THREADS)


@contextmanager
def metered(ignore_threads: tuple[str, ...] = BACKGROUND_THREADS) -> Iterator[Meter]:
    """Within the block, every AWS API call in the process is counted into the yielded `Meter`, except those made
    by threads whose name starts with one of `ignore_threads` (by default the background work of a local home,
    whose calls belong to no request)."""
    meter = Meter()
    original = BaseClient._make_api_call

    def counting_call(client: BaseClient, operation_name: str, api_params: dict[str, Any]) -> Any:
        if threading.current_thread().name.startswith(ignore_threads):
            return original(client, operation_name, api_params)
        service = client.meta.service_model.service_name
        try:
            response = original(client, operation_name, api_params)
        except ClientError as error:
            # A refused call (a failed condition, say) is still a call, and may return the item it read.
            meter.record(service, operation_name, {"Item": error.response["Item"]} if "Item" in error.response else {})
            raise
        meter.record(service, operation_name, response)
        return response

    BaseClient._make_api_call = counting_call
    try:
        yield meter
    finally:
        BaseClient._make_api_call = original
