"""The figures the security tier reports: requests fuzzed, hostile inputs tried, faults injected, and the failures
that must stay at zero (5xx seen, duplicates made, records lost, cross-tenant accesses allowed).

Tests add to `FIGURES` as they go; at the end of a pytest process `write()` saves them under `.koban/security/`
(one file per xdist worker, named by the run), and `python -m tests.security.summary` adds up the latest run.
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from pathlib import Path

FIGURES_DIR = Path(__file__).resolve().parents[2] / ".koban" / "security"

# (key, label) in the order the summary prints them; the last four must be 0.
LABELS: tuple[tuple[str, str], ...] = (
    ("access_checks", "access-matrix requests (route × role × tenant)"),
    ("requests_fuzzed", "requests fuzzed (schemathesis)"),
    ("hostile_inputs", "hostile inputs tried"),
    ("faults_injected", "faults injected (botocore hooks)"),
    ("concurrent_requests", "concurrent requests"),
    ("server_errors", "5xx seen (must be 0)"),
    ("duplicates", "duplicates made (must be 0)"),
    ("records_lost", "records lost (must be 0)"),
    ("cross_tenant_allowed", "cross-tenant accesses allowed (must be 0)"),
)
MUST_BE_ZERO = ("server_errors", "duplicates", "records_lost", "cross_tenant_allowed")

FIGURES: Counter[str] = Counter({key: 0 for key, _ in LABELS})


def record(key: str, count: int = 1) -> None:
    if key not in FIGURES:
        raise KeyError(f"unknown figure {key!r}; add it to LABELS")
    FIGURES[key] += count


def write(run_id: str, worker: str) -> Path:
    FIGURES_DIR.mkdir(parents=True, exist_ok=True)
    path = FIGURES_DIR / f"figures-{run_id}-{worker}.json"
    path.write_text(json.dumps({"run": run_id, "worker": worker, "at": time.time(), "figures": dict(FIGURES)}))
    return path


def latest_run() -> tuple[str | None, Counter[str]]:
    """The figures of the newest run, added up over its workers."""
    files = sorted(FIGURES_DIR.glob("figures-*.json"), key=os.path.getmtime)
    if not files:
        return None, Counter()
    runs = [json.loads(path.read_text()) for path in files]
    run_id = runs[-1]["run"]
    total: Counter[str] = Counter({key: 0 for key, _ in LABELS})
    for run in runs:
        if run["run"] == run_id:
            total.update(run["figures"])
    return run_id, total


def table(figures: Counter[str]) -> str:
    width = max(len(label) for _, label in LABELS)
    return "\n".join(f"{label:<{width}}  {figures.get(key, 0):>8,}" for key, label in LABELS)
