"""Run the template's scheduled functions locally, as EventBridge does in the cloud.

For each `Type: Schedule` event with a `rate(...)` expression, a background thread invokes the same handler with
the event EventBridge sends ("Scheduled Event"), every `rate` seconds but at most `max_interval` apart: what runs
hourly in the cloud (privacy maintenance, say) is seen within minutes locally, as the TTL sweeper does for
DynamoDB's TTL. A failed run is logged and the next one comes as scheduled, as EventBridge's next invocation would.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from koban_local.functions import Handler, LocalLambdaContext
from koban_local.running import Running
from koban_local.template import LOCAL_ACCOUNT_ID, LOCAL_REGION, ScheduleSource, Template

log = logging.getLogger(__name__)
THREAD_NAME = "koban-schedules"


def scheduled_event(source: ScheduleSource, now: datetime) -> dict[str, Any]:
    """The event EventBridge passes to a function its schedule rule invokes."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": LOCAL_ACCOUNT_ID,
        "time": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": LOCAL_REGION,
        "resources": [f"arn:aws:events:{LOCAL_REGION}:{LOCAL_ACCOUNT_ID}:rule/{source.function_id}{source.event_name}"],
        "detail": {},
    }


class ScheduleRunner(Running):
    """Invokes every scheduled function of `template` among `handlers` on its rate: start(), run_once(), stop()."""

    def __init__(self, template: Template, handlers: Mapping[str, Handler], *, max_interval: float) -> None:
        self.template = template
        self.handlers = handlers
        self.sources = [
            source
            for function_id, function in template.functions.items()
            if function_id in handlers
            for source in function.schedules
        ]
        self.max_interval = max_interval
        self._threads: list[threading.Thread] = []
        self._stopping = threading.Event()

    def start(self) -> None:
        if self._threads:
            raise RuntimeError("The schedules are already running.")
        self._stopping.clear()
        for source in self.sources:
            thread = threading.Thread(
                target=self._run, args=(source,), name=f"{THREAD_NAME}-{source.function_id}", daemon=True
            )
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout: float = 10.0) -> None:
        threads, self._threads = self._threads, []
        self._stopping.set()
        for thread in threads:
            thread.join(timeout)

    def _run(self, source: ScheduleSource) -> None:
        while not self._stopping.wait(min(source.seconds, self.max_interval)):
            try:
                self.run_once(source)
            except Exception:  # keep the schedule: a failed run must not end the local home
                log.exception("%s: scheduled run failed; the next one comes as scheduled", source.function_id)

    def run_once(self, source: ScheduleSource) -> Any:
        """Invoke `source`'s function once, as its rule would; its answer."""
        function = self.template.functions[source.function_id]
        context = LocalLambdaContext(
            source.function_id, memory_limit_in_mb=function.memory_size, timeout_seconds=function.timeout
        )
        return self.handlers[source.function_id](scheduled_event(source, datetime.now(UTC)), context)
