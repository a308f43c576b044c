"""Drive the template's DynamoDB-stream consumers locally, as Lambda's event source mapping does in the cloud.

A background thread polls each consumer's stream (DescribeStream → GetShardIterator → GetRecords), turns
moto's records into the exact event Lambda sends, and invokes the same handler in batches of the template's
BatchSize, honouring `batchItemFailures`. `drain()` lets the seeder and tests wait until the stream is empty.
"""

from __future__ import annotations

import base64
import logging
import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from koban_local.aws_local import AwsClient
from koban_local.functions import Handler, LocalLambdaContext
from koban_local.running import BackgroundThread
from koban_local.template import Function, StreamSource, Template

THREAD_NAME = "koban-stream-poller"

log = logging.getLogger(__name__)

_GET_RECORDS_LIMIT = 1000  # DynamoDB Streams' maximum per GetRecords call


@dataclass
class _Shard:
    iterator: str | None  # None once the shard is closed and read to its end
    parent_id: str | None


@dataclass
class _Consumer:
    source: StreamSource
    function: Function
    handler: Handler
    stream_arn: str
    view_type: str
    retry_limit: int
    shards: dict[str, _Shard] = field(default_factory=dict)


class StreamPoller(BackgroundThread):
    """Polls every stream event source of `template` and invokes its handler: start(), drain(), stop()."""

    thread_name = THREAD_NAME
    what = "The stream poller"

    def __init__(
        self,
        template: Template,
        handlers: Mapping[str, Handler],
        physical_names: Mapping[str, str],
        *,
        dynamodb_client: AwsClient,
        streams_client: AwsClient,
        poll_interval: float = 0.25,
        max_retries: int = 3,
    ) -> None:
        """`max_retries` bounds the retries of a failing batch where the template sets no (or an unbounded)
        MaximumRetryAttempts: in the cloud a poison record is retried until it expires, locally it would
        stall the stream forever."""
        self.template = template
        self.handlers = handlers
        self.physical_names = physical_names
        self.dynamodb = dynamodb_client
        self.streams = streams_client
        self.region = str(streams_client.meta.region_name)
        self.poll_interval = poll_interval
        self.max_retries = max_retries
        self._consumers: list[_Consumer] = []
        super().__init__()
        self._wake = threading.Event()
        self._progress = threading.Condition()
        self._cycles_started = 0
        self._cycles_completed = 0
        self._last_error: BaseException | None = None

    def start(self) -> None:
        """Find each consumer's stream and its shards now, so StartingPosition LATEST means "from here"."""
        if self._thread is not None:
            raise RuntimeError(f"{self.what} is already running.")
        # Consumers without a handler here are not polled (a test drives only the consumer it is about).
        sources = [source for source in self.template.stream_sources if source.function_id in self.handlers]
        self._consumers = [self._consumer(source) for source in sources]
        for consumer in self._consumers:
            self._discover_shards(consumer, consumer.source.starting_position)
        super().start()

    def _interrupt(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        super().stop(timeout)
        with self._progress:  # nobody waits for a drain that will not come
            self._progress.notify_all()

    def drain(self, timeout: float = 30.0) -> None:
        """Return once every record written before this call has been delivered (or given up after retries).

        A poll cycle that starts after this call reads every shard to its end, so waiting for one such cycle
        to complete is enough. Raises TimeoutError if that does not happen within `timeout` seconds.
        """
        thread = self._thread
        if thread is None:
            raise RuntimeError("The stream poller is not running.")
        with self._progress:
            wanted = self._cycles_started + 1
            self._wake.set()
            done = self._progress.wait_for(lambda: self._cycles_completed >= wanted or not thread.is_alive(), timeout)
            if not done or self._cycles_completed < wanted:
                last_error = f" (last error: {self._last_error!r})" if self._last_error else ""
                raise TimeoutError(f"Stream records were not all delivered within {timeout} s{last_error}.")

    # -- the polling thread --------------------------------------------------------------------------------

    def _run(self) -> None:
        while not self._stopping.is_set():
            with self._progress:
                self._cycles_started += 1
                cycle = self._cycles_started
            self._wake.clear()
            try:
                self._poll_once()
            except Exception as error:  # keep polling: a stream error must not end the local home
                self._last_error = error
                log.exception("stream poll failed; retrying in %.2f s", self.poll_interval)
            else:
                with self._progress:
                    self._cycles_completed = cycle
                    self._progress.notify_all()
            self._wake.wait(self.poll_interval)

    def _poll_once(self) -> None:
        for consumer in self._consumers:
            self._discover_shards(consumer, "TRIM_HORIZON")  # a shard that appears later is read from its start
            for shard_id, shard in list(consumer.shards.items()):
                parent = consumer.shards.get(shard.parent_id or "")
                if parent is not None and parent.iterator is not None:
                    continue  # Lambda reads a child shard only after its parent, keeping per-key order
                self._read_shard(consumer, shard_id, shard)

    def _read_shard(self, consumer: _Consumer, shard_id: str, shard: _Shard) -> None:
        while shard.iterator is not None and not self._stopping.is_set():
            response = self.streams.get_records(ShardIterator=shard.iterator, Limit=_GET_RECORDS_LIMIT)
            shard.iterator = response.get("NextShardIterator")
            records = response.get("Records") or []
            if shard.iterator is None:
                log.debug("shard %s of %s is closed and read", shard_id, consumer.stream_arn)
            if not records:
                return
            self._deliver(consumer, [self._lambda_record(consumer, record) for record in records])

    def _deliver(self, consumer: _Consumer, records: list[dict[str, Any]]) -> None:
        size = consumer.source.batch_size
        for start in range(0, len(records), size):
            batch = records[start : start + size]
            retries = 0
            while batch and not self._stopping.is_set():
                failed_from = self._invoke(consumer, batch)
                if failed_from is None:
                    break
                if retries >= consumer.retry_limit:
                    log.error(
                        "%s: giving up on %d stream record(s) from sequence number %s after %d retries",
                        consumer.function.logical_id,
                        len(batch) - failed_from,
                        batch[failed_from]["dynamodb"]["SequenceNumber"],
                        retries,
                    )
                    break
                retries += 1
                batch = batch[failed_from:]

    def _invoke(self, consumer: _Consumer, batch: list[dict[str, Any]]) -> int | None:
        """Invoke the handler; None when the batch succeeded, else the index of the first record to retry."""
        function = consumer.function
        context = LocalLambdaContext(
            function.logical_id,
            memory_limit_in_mb=function.memory_size,
            timeout_seconds=function.timeout,
            region=self.region,
        )
        try:
            response: Any = consumer.handler({"Records": batch}, context)
        except Exception:
            log.exception("%s failed on a batch of %d stream record(s)", function.logical_id, len(batch))
            return 0
        if not consumer.source.report_batch_item_failures or not isinstance(response, Mapping):
            return None
        failures = response.get("batchItemFailures") or []
        if not failures:
            return None
        positions = {record["dynamodb"]["SequenceNumber"]: index for index, record in enumerate(batch)}
        identifiers = [failure.get("itemIdentifier") if isinstance(failure, Mapping) else None for failure in failures]
        if any(identifier not in positions for identifier in identifiers):
            # Lambda's rule: an empty or unknown itemIdentifier fails the whole batch.
            log.warning("%s returned an unknown itemIdentifier; retrying the whole batch", function.logical_id)
            return 0
        return min(positions[str(identifier)] for identifier in identifiers)

    # -- streams and records -------------------------------------------------------------------------------

    def _consumer(self, source: StreamSource) -> _Consumer:
        table_name = self.physical_names[source.table_logical_id]
        table = self.dynamodb.describe_table(TableName=table_name)["Table"]
        stream_arn = table.get("LatestStreamArn")
        if not stream_arn:
            raise ValueError(f"Table {table_name} has no stream, but {source.function_id} consumes one.")
        retries = source.maximum_retry_attempts
        return _Consumer(
            source=source,
            function=self.template.functions[source.function_id],
            handler=self.handlers[source.function_id],
            stream_arn=stream_arn,
            view_type=table["StreamSpecification"]["StreamViewType"],
            retry_limit=retries if retries is not None and retries >= 0 else self.max_retries,
        )

    def _discover_shards(self, consumer: _Consumer, iterator_type: str) -> None:
        request: dict[str, Any] = {"StreamArn": consumer.stream_arn}
        while True:
            description = self.streams.describe_stream(**request)["StreamDescription"]
            for shard in description.get("Shards") or []:
                shard_id = shard["ShardId"]
                if shard_id in consumer.shards:
                    continue
                iterator = self.streams.get_shard_iterator(
                    StreamArn=consumer.stream_arn, ShardId=shard_id, ShardIteratorType=iterator_type
                )["ShardIterator"]
                consumer.shards[shard_id] = _Shard(iterator=iterator, parent_id=shard.get("ParentShardId"))
            last = description.get("LastEvaluatedShardId")
            if not last:
                return
            request["ExclusiveStartShardId"] = last

    def _lambda_record(self, consumer: _Consumer, record: Mapping[str, Any]) -> dict[str, Any]:
        """A GetRecords record as Lambda delivers it: JSON types only, and the fields moto leaves out."""
        change = {key: _json_value(value) for key, value in (record.get("dynamodb") or {}).items()}
        created = (record.get("dynamodb") or {}).get("ApproximateCreationDateTime")
        # boto3 parses the timestamp; Lambda sends epoch seconds.
        moment = created if isinstance(created, datetime) else datetime.now(UTC)
        change["ApproximateCreationDateTime"] = int(moment.timestamp())
        change.setdefault("StreamViewType", consumer.view_type)
        lambda_record: dict[str, Any] = {
            "eventID": record.get("eventID") or uuid.uuid4().hex,
            "eventName": record["eventName"],
            # moto says 1.0 and us-east-1; Lambda says 1.1 and the stream's own region.
            "eventVersion": "1.1",
            "eventSource": "aws:dynamodb",
            "awsRegion": self.region,
            "dynamodb": change,
            "eventSourceARN": consumer.stream_arn,
        }
        if "userIdentity" in record:  # TTL deletions name the DynamoDB service as the actor
            lambda_record["userIdentity"] = record["userIdentity"]
        return lambda_record


def _json_value(value: Any) -> Any:
    """boto3 decodes binary attributes (B, BS) to bytes; Lambda's JSON event carries them as base64 text."""
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, Mapping):
        return {key: _json_value(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_json_value(item) for item in value]
    return value
