"""JSONLogic conformance suites: where they are, how to read them, how to compare results.

The suites are not copied into the repository (DESIGN.md section 6). They are read from
`$KOBAN_CONFORMANCE_DIR`, by default `<repo root>/../shared/conformance`, laid out as:

    jsonlogic/tests.json              the official suite: [rule, data, expected] cases and section strings
    jsonlogic/compat-tables/*.json    community suites: {description, rule, data?, result | error} cases
    jsonlogic/compat-tables/index.json  the list of suite files, in upstream order

Test functions ask for `official_case` or `compatible_case` and are parametrized here, one test per case;
where the suites are absent they get one skipped case that says where to get them.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]

WHERE_TO_GET_THEM = (
    "JSONLogic conformance suites not found under {root}. Set KOBAN_CONFORMANCE_DIR to a folder holding "
    "jsonlogic/tests.json (the official suite: tests.json on the gh-pages branch of "
    "https://github.com/jwadhams/json-logic, also served at https://jsonlogic.com/tests.json) and "
    "jsonlogic/compat-tables/ (the suites/ folder of https://github.com/json-logic/compat-tables)."
)


def conformance_dir() -> Path:
    configured = os.environ.get("KOBAN_CONFORMANCE_DIR")
    return Path(configured) if configured else REPO_ROOT.parent / "shared" / "conformance"


def official_path() -> Path:
    return conformance_dir() / "jsonlogic" / "tests.json"


def compat_dir() -> Path:
    return conformance_dir() / "jsonlogic" / "compat-tables"


def missing_reason() -> str:
    return WHERE_TO_GET_THEM.format(root=conformance_dir())


@dataclass(frozen=True)
class Case:
    """One conformance case. `error` is the expected error object when the case expects a failure."""

    suite: str
    index: int
    section: str
    description: str
    rule: Any
    data: Any
    result: Any = None
    error: dict[str, Any] | None = None

    @property
    def id(self) -> str:
        return f"{self.index:03d}-{_slug(self.section)}-{_slug(self.description)}"[:90]


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_") or "_"


def load_official_cases() -> list[Case]:
    """The official cases; string entries are section headers, not cases."""
    cases: list[Case] = []
    section = ""
    for entry in json.loads(official_path().read_text(encoding="utf-8")):
        if isinstance(entry, str):
            section = entry
            continue
        rule, data, expected = entry
        cases.append(Case("tests.json", len(cases), section, json.dumps(rule)[:40], rule, data, expected))
    return cases


def compat_suite_names() -> list[str]:
    """Suite files relative to compat-tables/, in upstream order (index.json), or sorted when it is absent."""
    root = compat_dir()
    index = root / "index.json"
    if index.is_file():
        return [str(name) for name in json.loads(index.read_text(encoding="utf-8"))]
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*.json") if p.name != "index.json")


def load_compat_suite(name: str) -> list[Case]:
    cases: list[Case] = []
    section = ""
    for entry in json.loads((compat_dir() / name).read_text(encoding="utf-8")):
        if isinstance(entry, str):
            section = entry
            continue
        cases.append(
            Case(
                suite=name,
                index=len(cases),
                section=section,
                description=str(entry.get("description", "")),
                rule=entry["rule"],
                data=entry.get("data"),
                result=entry.get("result"),
                error=entry.get("error"),
            )
        )
    return cases


def equal_json(left: Any, right: Any) -> bool:
    """Equality of JSON values: 1 == 1.0, but true != 1 and "1" != 1."""
    if isinstance(left, bool) or isinstance(right, bool):
        return type(left) is type(right) and left == right
    if isinstance(left, int | float) and isinstance(right, int | float):
        return left == right
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(equal_json(a, b) for a, b in zip(left, right, strict=True))
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(equal_json(left[k], right[k]) for k in left)
    return type(left) is type(right) and left == right


def _parametrize(metafunc: pytest.Metafunc, name: str, available: bool, load: Any) -> None:
    if not available:
        skipped = pytest.param(None, marks=pytest.mark.skip(reason=missing_reason()), id="suites-absent")
        metafunc.parametrize(name, [skipped])
        return
    cases: list[Case] = load()
    metafunc.parametrize(name, cases, ids=[case.id for case in cases])


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "official_case" in metafunc.fixturenames:
        _parametrize(metafunc, "official_case", official_path().is_file(), load_official_cases)
    if "compatible_case" in metafunc.fixturenames:
        available = (compat_dir() / "compatible.json").is_file()
        _parametrize(metafunc, "compatible_case", available, lambda: load_compat_suite("compatible.json"))


@pytest.fixture(scope="session")
def compat_suites() -> dict[str, list[Case]]:
    """Every community suite but compatible.json (which is asserted case by case), by file name."""
    if not compat_dir().is_dir():
        pytest.skip(missing_reason())
    return {name: load_compat_suite(name) for name in compat_suite_names() if name != "compatible.json"}


@pytest.fixture(scope="session")
def json_equal() -> Callable[[Any, Any], bool]:
    """JSON equality for comparing results (see `equal_json`)."""
    return equal_json
