"""Building blocks of the local home: things that start and stop, and temporary environment variables."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from types import TracebackType
from typing import Self


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
