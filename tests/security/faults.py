"""Faults injected into the AWS calls the handlers make, through botocore's event hooks on `koban.aws`' clients.

`FaultInjector` registers first on `before-call` of every cached client (DynamoDB, S3, SQS, KMS): it records each
call, and answers the call it is armed for with what AWS answers when it is in trouble (throttling, a 5xx, a read
timeout, a refused connection) without sending it. An error answered at `before-call` is what the handler sees
once the SDK's retries are used up, so one armed call stands for a store that keeps failing. `failing_attempts`
registers on `before-send` instead: the SDK's own retry loop sees the failed attempt and tries again.

`StoreSnapshot` reads every table, bucket and queue with a client of its own (no hooks), so a test can compare
the stores before and after a failed request: a refusal must leave nothing half-written.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.awsrequest import AWSResponse
from botocore.exceptions import EndpointConnectionError, ReadTimeoutError

from koban import aws
from tests.security import figures

SERVICES = ("dynamodb", "s3", "sqs", "kms")
WRITES = frozenset(
    {
        "PutItem",
        "UpdateItem",
        "DeleteItem",
        "TransactWriteItems",
        "BatchWriteItem",
        "PutObject",
        "DeleteObject",
        "CopyObject",
        "SendMessage",
        "SendMessageBatch",
        "DeleteMessage",
    }
)
# kind → service → (HTTP status, error code): what each service answers when it is throttled or failing.
_ERRORS: dict[str, dict[str, tuple[int, str]]] = {
    "throttle": {
        "dynamodb": (400, "ProvisionedThroughputExceededException"),
        "s3": (503, "SlowDown"),
        "sqs": (400, "RequestThrottled"),
        "kms": (400, "ThrottlingException"),
    },
    "server_error": {
        "dynamodb": (500, "InternalServerError"),
        "s3": (500, "InternalError"),
        "sqs": (500, "InternalFailure"),
        "kms": (500, "KMSInternalException"),
    },
}
KINDS = ("throttle", "server_error", "timeout", "connection")


def holds_request_data(table: str) -> bool:
    """Whether a table holds what requests write. The rate limiter's buckets count requests, refused and failed ones
    too (a token taken stays spent): a request that took a token and then failed has written nothing of its own."""
    return not table.endswith("RateLimitsTable")


def table_of(params: dict[str, Any]) -> str | None:
    """The table a DynamoDB call names (its JSON body), None for another service or a call of several tables."""
    try:
        name = json.loads(params.get("body") or b"{}").get("TableName")
    except (ValueError, AttributeError):
        return None
    return str(name) if name else None


class _Body(io.BytesIO):
    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.getvalue()


def _raise_or_answer(kind: str, service: str, url: str) -> tuple[AWSResponse, dict[str, Any]]:
    if kind == "timeout":
        raise ReadTimeoutError(endpoint_url=url)
    if kind == "connection":
        raise EndpointConnectionError(endpoint_url=url)
    status, code = _ERRORS[kind][service]
    message = f"injected {kind}"
    parsed = {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": status}}
    return AWSResponse(url, status, {}, _Body(json.dumps({"__type": code, "message": message}).encode())), parsed


@dataclass
class FaultInjector:
    """`with FaultInjector() as faults: faults.arm(3, "throttle"); ...`: the third call (1-based) fails."""

    calls: list[tuple[str, str]] = field(default_factory=list)
    tables: list[str | None] = field(default_factory=list)  # the table of each call (DynamoDB), by number - 1
    armed: dict[int, str] = field(default_factory=dict)
    injected: list[tuple[str, str, str]] = field(default_factory=list)
    operation: str | None = None  # arm every call of this operation instead of a numbered one
    operation_kind: str = "throttle"

    def arm(self, call_number: int, kind: str) -> None:
        self.armed[call_number] = kind

    def fail_operation(self, operation: str, kind: str) -> None:
        self.operation, self.operation_kind = operation, kind

    def _before_call(self, event_name: str, params: dict[str, Any], **_: Any) -> Any:
        service, operation = event_name.split(".", 2)[1:]
        self.calls.append((service, operation))
        self.tables.append(table_of(params) if service == "dynamodb" else None)
        kind = self.armed.get(len(self.calls))
        if kind is None and operation == self.operation:
            kind = self.operation_kind
        if kind is None:
            return None
        self.injected.append((service, operation, kind))
        figures.record("faults_injected")
        return _raise_or_answer(kind, service, str(params.get("url", "https://aws.invalid/")))

    def __enter__(self) -> FaultInjector:
        for service in SERVICES:
            aws.client(service).meta.events.register_first("before-call", self._before_call, unique_id="koban-fault")
        return self

    def __exit__(self, *_: object) -> None:
        for service in SERVICES:
            aws.client(service).meta.events.unregister("before-call", unique_id="koban-fault")


@contextmanager
def failing_attempts(service: str, operation: str, failures: int, *, applied: bool) -> Iterator[list[int]]:
    """The first `failures` attempts of `operation` fail on the wire and the SDK retries them itself.

    `applied=False`: the attempt times out before it reaches the store. `applied=True`: the store applies it but
    its answer is a 500 (what a lost answer looks like): under `mock_aws` every `before-send` handler runs, so moto,
    registered after this one, applies the request while the SDK takes this handler's answer.
    """
    seen: list[int] = []

    def before_send(request: Any, **_: Any) -> AWSResponse | None:
        seen.append(1)
        if len(seen) > failures:
            return None
        figures.record("faults_injected")
        if not applied:
            raise ReadTimeoutError(endpoint_url=request.url)
        body = json.dumps({"__type": "com.amazonaws.dynamodb.v20120810#InternalServerError", "message": "lost"})
        return AWSResponse(request.url, 500, {}, _Body(body.encode()))

    events = aws.client(service).meta.events
    events.register_first(f"before-send.{service}.{operation}", before_send, unique_id="koban-attempts")
    try:
        yield seen
    finally:
        events.unregister(f"before-send.{service}.{operation}", unique_id="koban-attempts")


@dataclass(frozen=True)
class StoreSnapshot:
    """Every item, object and queued message of the account, read without the handlers' clients."""

    items: dict[str, frozenset[str]]
    objects: dict[str, frozenset[str]]
    messages: dict[str, int]

    @classmethod
    def take(cls) -> StoreSnapshot:
        dynamodb, s3, sqs = boto3.client("dynamodb"), boto3.client("s3"), boto3.client("sqs")
        items: dict[str, frozenset[str]] = {}
        for table in filter(holds_request_data, dynamodb.list_tables()["TableNames"]):
            found: list[str] = []
            for page in dynamodb.get_paginator("scan").paginate(TableName=table):  # a test reads whole tables
                found.extend(json.dumps(item, sort_keys=True) for item in page["Items"])
            items[table] = frozenset(found)
        objects: dict[str, frozenset[str]] = {}
        for bucket in s3.list_buckets()["Buckets"]:
            name = bucket["Name"]
            versions = s3.list_object_versions(Bucket=name)
            entries = [*versions.get("Versions", []), *versions.get("DeleteMarkers", [])]
            objects[name] = frozenset(f"{entry['Key']}@{entry['VersionId']}" for entry in entries)
        messages: dict[str, int] = {}
        for url in sqs.list_queues().get("QueueUrls", []):
            names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
            attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
            messages[url.rsplit("/", 1)[-1]] = sum(int(attributes.get(name, 0)) for name in names)
        return cls(items, objects, messages)

    def changes_since(self, before: StoreSnapshot) -> list[str]:
        """What differs, one line per table, bucket or queue: items added/removed, objects, message counts."""
        changed = []
        for table, items in self.items.items():
            added, removed = items - before.items.get(table, frozenset()), before.items.get(table, frozenset()) - items
            if added or removed:
                changed.append(f"{table}: +{len(added)} -{len(removed)} {sorted(added)[:2]}")
        for bucket, objects in self.objects.items():
            if objects != before.objects.get(bucket, frozenset()):
                changed.append(f"{bucket}: {sorted(objects ^ before.objects.get(bucket, frozenset()))[:2]}")
        for queue, count in self.messages.items():
            if count != before.messages.get(queue, 0):
                changed.append(f"{queue}: {before.messages.get(queue, 0)} -> {count} messages")
        return changed


def store_counts() -> dict[str, int]:
    """Items per table, objects per bucket, messages per queue: a cheap check that nothing was written."""
    dynamodb, s3, sqs = boto3.client("dynamodb"), boto3.client("s3"), boto3.client("sqs")
    counts = {
        table: int(dynamodb.describe_table(TableName=table)["Table"].get("ItemCount", 0))
        for table in filter(holds_request_data, dynamodb.list_tables()["TableNames"])
    }
    for bucket in s3.list_buckets()["Buckets"]:
        versions = s3.list_object_versions(Bucket=bucket["Name"])
        counts[bucket["Name"]] = len(versions.get("Versions", [])) + len(versions.get("DeleteMarkers", []))
    for url in sqs.list_queues().get("QueueUrls", []):
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
        counts[url.rsplit("/", 1)[-1]] = int(attributes["Attributes"].get("ApproximateNumberOfMessages", 0))
    return counts
