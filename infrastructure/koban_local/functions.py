"""Load Lambda handlers in-process, each in isolation, and give them a Lambda-like context.

Every function folder has its own `app.py` (and often `routes.py`, `models.py`...). In the cloud each runs in
its own sandbox with its folder at the front of `sys.path`; here they share one interpreter, so each folder is
imported on its own and its modules are moved out of the way before the next folder is imported.
"""

from __future__ import annotations

import importlib
import itertools
import os
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any, cast

from aws_lambda_powertools.utilities.typing import LambdaContext

from koban_local.running import EnvironmentPatch
from koban_local.template import LOCAL_ACCOUNT_ID, LOCAL_REGION

Handler = Callable[[dict[str, Any], LambdaContext], dict[str, Any]]

# sys.path, sys.modules and os.environ are process-wide: one import at a time.
_IMPORT_LOCK = threading.Lock()
_isolation_ids = itertools.count(1)
# Where a loaded function's own modules move to in sys.modules: "_koban_function_3.app".
_ISOLATED_PREFIX = "_koban_function_"


class LocalLambdaContext(LambdaContext):
    """The context Lambda passes as the second argument, with a deadline from the function's Timeout."""

    def __init__(
        self,
        function_name: str,
        *,
        memory_limit_in_mb: int = 128,
        timeout_seconds: float = 3.0,
        region: str = LOCAL_REGION,
        account_id: str = LOCAL_ACCOUNT_ID,
    ) -> None:
        self._function_name = function_name
        self._function_version = "$LATEST"
        self._invoked_function_arn = f"arn:aws:lambda:{region}:{account_id}:function:{function_name}"
        self._memory_limit_in_mb = memory_limit_in_mb
        self._aws_request_id = str(uuid.uuid4())
        self._log_group_name = f"/aws/lambda/{function_name}"
        self._log_stream_name = f"{datetime.now(UTC):%Y/%m/%d}/[$LATEST]{uuid.uuid4().hex}"
        self._deadline = time.monotonic() + timeout_seconds

    def get_remaining_time_in_millis(self) -> int:  # type: ignore[override]  # the base is a static stub
        return max(0, int((self._deadline - time.monotonic()) * 1000))


class HandlerLoadError(ImportError):
    """A function's handler could not be imported or is not callable."""


def load_handler(code_uri: Path, handler: str, env: Mapping[str, str]) -> Handler:
    """Import `handler` ("module.function") from `code_uri` without clashing with other functions' modules.

    `env` is applied while the module is imported, because powertools and settings read it at import time;
    afterwards os.environ is as it was. The function's own modules leave `sys.modules` under private names,
    so the next function's `app` is a fresh import; the handler keeps its module alive through its globals.
    Import sibling modules at module level, as Lambda's SnapStart wants too: after loading, `code_uri` is no
    longer on `sys.path`, so an import inside a handler body would not find them.
    """
    module_name, _, attribute = handler.rpartition(".")
    if not module_name or not attribute:
        raise HandlerLoadError(f"Handler {handler!r} is not of the form 'module.function'.")
    folder = Path(code_uri).resolve()
    if not folder.is_dir():
        raise HandlerLoadError(f"CodeUri {folder} is not a folder.")
    with _IMPORT_LOCK, _environment(env):
        shadowed = _take_modules(_top_level_names(folder))
        sys.path.insert(0, str(folder))
        importlib.invalidate_caches()
        try:
            module = importlib.import_module(module_name)
        except Exception as error:
            raise HandlerLoadError(f"Importing {module_name} from {folder} failed: {error}") from error
        finally:
            sys.path.remove(str(folder))
            _rename_own_modules(folder)
            sys.modules.update(shadowed)
    function = getattr(module, attribute, None)
    if not callable(function):
        raise HandlerLoadError(f"{module_name}.{attribute} in {folder} is not a callable handler.")
    return cast(Handler, function)


@contextmanager
def _environment(env: Mapping[str, str]) -> Iterator[None]:
    patch = EnvironmentPatch(env)
    patch.apply()
    try:
        yield
    finally:
        patch.restore()


def _top_level_names(folder: Path) -> set[str]:
    """The module names `folder` provides when it is first on sys.path (modules and packages)."""
    names = {entry.stem if entry.suffix == ".py" else entry.name for entry in folder.iterdir()}
    return names - {"__pycache__"}


def _take_modules(names: set[str]) -> dict[str, ModuleType]:
    """Remove from sys.modules what another folder (or anyone) imported under the names this one provides."""
    taken = {name: module for name, module in sys.modules.items() if name.partition(".")[0] in names}
    for name in taken:
        del sys.modules[name]
    return taken


def _is_under(module: ModuleType, folder: str) -> bool:
    # Imported through sys.path entry `folder` (already resolved), so a plain prefix test suffices.
    locations = [getattr(module, "__file__", None), *(getattr(module, "__path__", None) or [])]
    return any(isinstance(location, str) and location.startswith(folder) for location in locations)


def _rename_own_modules(folder: Path) -> None:
    prefix = f"{_ISOLATED_PREFIX}{next(_isolation_ids)}"
    inside = str(folder) + os.sep
    for name, module in list(sys.modules.items()):
        if not name.startswith(_ISOLATED_PREFIX) and _is_under(module, inside):
            del sys.modules[name]
            sys.modules[f"{prefix}.{name}"] = module
