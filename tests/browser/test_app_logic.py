"""The citizen app's conditions run in json-logic-js (2.0.5, pinned in infrastructure/web/package.json); the App
Factory checks the same rules on the server with `koban.rules`. This runs the app's engine itself (Node.js, from the
web build's node_modules) over one rule per operator the App Factory lets apps use, and holds it to the results the
server's unit tests expect of it: the two engines agree on every operator."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from koban.app_config.logic import APP_OPERATORS
from tests.unit.test_app_config_modules import DATA, JSON_LOGIC_JS_RESULTS

SCRIPT = """
const jsonLogic = require(process.argv[1]);
const { data, rules } = JSON.parse(process.argv[2]);
console.log(JSON.stringify(rules.map((rule) => jsonLogic.apply(rule, data))));
"""


def test_json_logic_js_gives_for_every_app_operator_what_the_server_gives(repo_root: Path) -> None:
    # Given the app's engine as the build bundles it
    module = repo_root / "infrastructure" / "web" / "node_modules" / "json-logic-js"
    node = shutil.which("node")
    if node is None or not (module / "logic.js").is_file():
        pytest.fail("json-logic-js is not installed: run `make web` (`make test` does it first).")
    assert json.loads((module / "package.json").read_text(encoding="utf-8"))["version"] == "2.0.5"
    rules: list[Any] = [rule for rule, _ in JSON_LOGIC_JS_RESULTS]
    assert {next(iter(rule)) for rule in rules} == APP_OPERATORS
    # When it evaluates one rule per operator apps may use
    completed = subprocess.run(
        [node, "-e", SCRIPT, str(module), json.dumps({"data": DATA, "rules": rules})],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    # Then each result is the one the server's engine is held to
    results = json.loads(completed.stdout)
    for rule, (_, expected), result in zip(rules, JSON_LOGIC_JS_RESULTS, results, strict=True):
        assert result == expected, rule
