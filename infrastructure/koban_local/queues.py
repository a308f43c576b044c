"""Drive the template's SQS consumers locally, as Lambda's event source mapping does in the cloud.

For each `Type: SQS` event of a function, a background thread receives up to BatchSize (at most 10) messages,
turns them into the exact event Lambda sends (`Records` of `aws:sqs`), invokes the same handler, deletes what
succeeded and, honouring `batchItemFailures`, leaves the rest on the queue. In the cloud a failed message comes
back after the queue's visibility timeout (minutes); here it comes back after `retry_delay` seconds, so that
retries are seen at once. The queue's own RedrivePolicy moves a message that keeps failing to its dead-letter
queue (moto implements it). `drain()` waits until every consumed queue is empty; without the thread it does the
polling itself, which is how integration tests drive a consumer step by step.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from koban_local.aws_local import AwsClient
from koban_local.functions import Handler, LocalLambdaContext
from koban_local.running import BackgroundThread
from koban_local.template import LOCAL_ACCOUNT_ID, QueueSource, Template

log = logging.getLogger(__name__)

THREAD_NAME = "koban-queue-poller"
_SQS_MAX_BATCH = 10
_EMPTY_ATTRIBUTES = (
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesNotVisible",
    "ApproximateNumberOfMessagesDelayed",
)


@dataclass
class _Consumer:
    source: QueueSource
    handler: Handler
    queue_url: str
    queue_arn: str
    timeout: float
    memory: int


class QueuePoller(BackgroundThread):
    """Polls every SQS event source of `template` that has a handler: start(), drain(), stop()."""

    thread_name = THREAD_NAME
    what = "The queue poller"

    def __init__(
        self,
        template: Template,
        handlers: Mapping[str, Handler],
        physical_names: Mapping[str, str],
        *,
        sqs_client: AwsClient,
        poll_interval: float = 0.2,
        retry_delay: int = 1,
    ) -> None:
        self.template = template
        self.sqs = sqs_client
        self.region = str(sqs_client.meta.region_name)
        self.poll_interval = poll_interval
        self.retry_delay = retry_delay
        self.consumers = [
            self._consumer(source, handlers[source.function_id], physical_names)
            for source in template.queue_sources
            if source.function_id in handlers
        ]
        super().__init__()
        self._lock = threading.Lock()  # one poll at a time: the thread's and a drain's

    def _consumer(self, source: QueueSource, handler: Handler, physical_names: Mapping[str, str]) -> _Consumer:
        name = physical_names.get(source.queue_logical_id)
        if name is None:
            raise KeyError(f"Queue {source.queue_logical_id} of {source.function_id} was not created locally.")
        function = self.template.functions[source.function_id]
        return _Consumer(
            source=source,
            handler=handler,
            queue_url=self.sqs.get_queue_url(QueueName=name)["QueueUrl"],
            queue_arn=f"arn:aws:sqs:{self.region}:{LOCAL_ACCOUNT_ID}:{name}",
            timeout=float(function.timeout),
            memory=function.memory_size,
        )

    def drain(self, timeout: float = 60.0) -> None:
        """Return once every consumed queue is empty (each message handled, or moved to its dead-letter queue).
        Raises TimeoutError otherwise."""
        deadline = time.monotonic() + timeout
        while not self._all_empty():
            if time.monotonic() > deadline:
                raise TimeoutError(f"Queue messages were not all handled within {timeout} s.")
            if self._thread is None and self.poll_once():
                continue
            time.sleep(min(0.05, self.poll_interval))

    def poll_once(self) -> int:
        """Receive and handle one batch from each consumed queue; return how many messages were handled."""
        handled = 0
        with self._lock:
            for consumer in self.consumers:
                handled += self._poll(consumer)
        return handled

    # -- the polling thread --------------------------------------------------------------------------------

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                busy = self.poll_once()
            except Exception:  # keep polling: a queue error must not end the local home
                log.exception("queue poll failed; retrying in %.2f s", self.poll_interval)
                busy = 0
            if not busy:
                self._stopping.wait(self.poll_interval)

    def _all_empty(self) -> bool:
        for consumer in self.consumers:
            attributes = self.sqs.get_queue_attributes(
                QueueUrl=consumer.queue_url, AttributeNames=list(_EMPTY_ATTRIBUTES)
            )["Attributes"]
            if any(int(attributes.get(name, "0")) for name in _EMPTY_ATTRIBUTES):
                return False
        return True

    def _poll(self, consumer: _Consumer) -> int:
        response = self.sqs.receive_message(
            QueueUrl=consumer.queue_url,
            MaxNumberOfMessages=min(_SQS_MAX_BATCH, consumer.source.batch_size),
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
            WaitTimeSeconds=0,
        )
        messages = response.get("Messages") or []
        if not messages:
            return 0
        failed = self._invoke(consumer, [self._record(consumer, message) for message in messages])
        done = [message for message in messages if message["MessageId"] not in failed]
        for start in range(0, len(done), _SQS_MAX_BATCH):
            entries = [
                {"Id": str(index), "ReceiptHandle": message["ReceiptHandle"]}
                for index, message in enumerate(done[start : start + _SQS_MAX_BATCH])
            ]
            self.sqs.delete_message_batch(QueueUrl=consumer.queue_url, Entries=entries)
        for message in messages:
            if message["MessageId"] in failed:
                self.sqs.change_message_visibility(
                    QueueUrl=consumer.queue_url,
                    ReceiptHandle=message["ReceiptHandle"],
                    VisibilityTimeout=self.retry_delay,
                )
        return len(messages)

    def _invoke(self, consumer: _Consumer, records: list[dict[str, Any]]) -> set[str]:
        """Invoke the handler; return the ids of the messages to retry (all of them if it raised)."""
        every = {record["messageId"] for record in records}
        context = LocalLambdaContext(
            consumer.source.function_id,
            memory_limit_in_mb=consumer.memory,
            timeout_seconds=consumer.timeout,
            region=self.region,
        )
        try:
            response: Any = consumer.handler({"Records": records}, context)
        except Exception:
            log.exception("%s failed on a batch of %d message(s)", consumer.source.function_id, len(records))
            return every
        if not consumer.source.report_batch_item_failures or not isinstance(response, Mapping):
            return set()
        identifiers = [
            failure.get("itemIdentifier") if isinstance(failure, Mapping) else None
            for failure in response.get("batchItemFailures") or []
        ]
        if any(identifier not in every for identifier in identifiers):
            # Lambda's rule: an empty or unknown itemIdentifier fails the whole batch.
            log.warning("%s returned an unknown itemIdentifier; retrying the batch", consumer.source.function_id)
            return every
        return {str(identifier) for identifier in identifiers}

    def _record(self, consumer: _Consumer, message: Mapping[str, Any]) -> dict[str, Any]:
        """An SQS message as Lambda delivers it: lower-case keys, the system attributes, the queue's ARN."""
        body = str(message.get("Body", ""))
        return {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": body,
            "attributes": dict(message.get("Attributes") or {}),
            "messageAttributes": {
                name: {
                    "stringValue": value.get("StringValue"),
                    "binaryValue": value.get("BinaryValue"),
                    "stringListValues": [],
                    "binaryListValues": [],
                    "dataType": value.get("DataType", "String"),
                }
                for name, value in (message.get("MessageAttributes") or {}).items()
            },
            "md5OfBody": message.get("MD5OfBody") or hashlib.md5(body.encode()).hexdigest(),  # noqa: S324
            "eventSource": "aws:sqs",
            "eventSourceARN": consumer.queue_arn,
            "awsRegion": self.region,
        }
