"""Building blocks of the local home: things that start and stop (some on a thread of their own), and temporary
environment variables."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Mapping
from types import TracebackType
from typing import ClassVar, Self


class Running:
    """Something started by `start()` and stopped by `stop()`, also usable as `with thing: ...`."""

    def start(self) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()


class BackgroundThread(Running):
    """Work done by `_run()` on one daemon thread named `thread_name` until `_stopping` is set (pollers, sweepers)."""

    thread_name: ClassVar[str]
    what: ClassVar[str]  # for the error of a second start: "The queue poller"

    def __init__(self) -> None:
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    def _run(self) -> None:
        raise NotImplementedError

    def _interrupt(self) -> None:
        """Wake `_run()` from a wait other than `_stopping`, so that it sees the stop at once."""

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError(f"{self.what} is already running.")
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name=self.thread_name, daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop after the work in hand; the thread is joined."""
        thread, self._thread = self._thread, None
        if thread is None:
            return
        self._stopping.set()
        self._interrupt()
        thread.join(timeout)


class EnvironmentPatch:
    """Set (and unset) process environment variables, and put back exactly what was there before."""

    def __init__(self, values: Mapping[str, str], unset: Iterable[str] = ()) -> None:
        self.values = dict(values)
        self.unset = tuple(unset)
        self._saved: dict[str, str | None] = {}

    def apply(self) -> None:
        self._saved = {name: os.environ.get(name) for name in (*self.values, *self.unset)}
        for name in self.unset:
            os.environ.pop(name, None)
        os.environ.update(self.values)

    def restore(self) -> None:
        for name, value in self._saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        self._saved = {}
