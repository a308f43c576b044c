"""Print the security tier's figures for the closing note.

    .venv/bin/python -m tests.security.summary          # the figures of the latest run of tests/security
    .venv/bin/python -m tests.security.summary --run    # run tests/security first (about two minutes)

Exits 1 when a figure that must be 0 is not.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from tests.security.figures import MUST_BE_ZERO, latest_run, table

ROOT = Path(__file__).resolve().parents[2]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--run", action="store_true", help="run tests/security first")
    arguments = parser.parse_args(argv)
    if arguments.run:
        command = [sys.executable, "-m", "pytest", "tests/security", "-q", "-n", "2", "-p", "no:cacheprovider"]
        finished = subprocess.run(command, cwd=ROOT, check=False)
        if finished.returncode != 0:
            print(f"tests/security failed (exit {finished.returncode})", file=sys.stderr)
            return finished.returncode
    run_id, figures = latest_run()
    if run_id is None:
        print("No figures yet: run `pytest tests/security` (or this script with --run).", file=sys.stderr)
        return 2
    print(f"Security tier, run {run_id}")
    print(table(figures))
    return 1 if any(figures[key] for key in MUST_BE_ZERO) else 0


if __name__ == "__main__":
    raise SystemExit(main())
