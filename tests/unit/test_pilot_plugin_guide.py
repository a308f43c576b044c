"""The plugin author's guide (`plugins/README.md`) stays true: it documents every hook and rule point KOBAN has,
every file a data plugin reads, and its examples are valid code and data."""

from __future__ import annotations

import inspect
import json
import re
from pathlib import Path
from typing import Any

import pytest

from koban.plugins import PROJECT_NAME, hookspecs
from koban.plugins.checks import RULE_EXAMPLES
from koban.plugins.examples import AssistantExample
from koban.plugins.knowledge import KnowledgeSeed
from koban.plugins.package import CategoryTexts, NotificationSettings
from koban.rules import validate_rule
from koban.tenants.models import Category, Tenant
from koban.tenants.rule_points import RULE_POINTS

GUIDE = Path(__file__).resolve().parents[2] / "plugins" / "README.md"
TEXT = GUIDE.read_text(encoding="utf-8")
BLOCKS = re.findall(r"^ *```(\w+)\n(.*?)^ *```", TEXT, flags=re.DOTALL | re.MULTILINE)


def _hooks() -> list[str]:
    return sorted(
        name
        for name, function in inspect.getmembers(hookspecs, inspect.isfunction)
        if hasattr(function, f"{PROJECT_NAME}_spec")
    )


def _json_blocks() -> list[Any]:
    return [json.loads(body) for language, body in BLOCKS if language == "json"]


def test_given_the_hook_specifications_then_the_guide_has_a_section_for_each() -> None:
    """Given every hook in hookspecs.py (other work adds hooks: this keeps the guide's list true), then the guide
    has a `### <hook>` section for it, and no section for a hook that does not exist."""
    sections = set(re.findall(r"^### (koban_\w+)$", TEXT, flags=re.MULTILINE))

    assert set(_hooks()) - sections == set(), "hooks missing from plugins/README.md"
    assert sections - set(_hooks()) == set(), "sections for hooks that do not exist"


def test_given_the_rule_points_then_the_guide_documents_each_with_its_facts() -> None:
    table_rows = set(re.findall(r"^\| `(\w+)` \|", TEXT, flags=re.MULTILINE))

    assert set(RULE_POINTS) <= table_rows
    for point in RULE_POINTS.values():
        for fact in point.facts:
            assert f"`{fact}`" in TEXT, (point.name, fact)


def test_given_the_files_a_data_plugin_reads_then_the_guide_names_each() -> None:
    for name in ("tenant.json", "tenants.json", "categories.json", "taxonomy/<lang>.json", "rules.json"):
        assert f"`{name}`" in TEXT, name
    assert "`rule_examples.json`" in TEXT
    assert "`messages/<lang>.json`" in TEXT
    assert "`knowledge/<lang>.json`" in TEXT
    assert "`notifications.json`" in TEXT
    assert "`assistant_examples/<lang>.json`" in TEXT


@pytest.mark.parametrize("number", range(sum(language == "python" for language, _ in BLOCKS)))
def test_given_a_python_example_of_the_guide_then_it_runs(number: int, tmp_path: Path) -> None:
    """Given a Python example, then it runs as a plugin module would (next to the guide's tenant.json): its
    imports exist and every hook it defines carries the marker."""
    code = [body for language, body in BLOCKS if language == "python"][number]
    tenant = next(data for data in _json_blocks() if isinstance(data, dict) and "timezone" in data)
    (tmp_path / "tenant.json").write_text(json.dumps(tenant), encoding="utf-8")
    namespace: dict[str, Any] = {"__file__": str(tmp_path / "__init__.py"), "__name__": "koban_gent"}

    exec(compile(code, f"plugins/README.md python example {number}", "exec"), namespace)  # noqa: S102 - our docs

    hooks = [value for name, value in namespace.items() if name.startswith("koban_") and callable(value)]
    assert all(hasattr(hook, f"{PROJECT_NAME}_impl") for hook in hooks)


def test_given_the_json_examples_of_the_guide_then_each_is_valid_for_what_it_shows() -> None:
    """Given the JSON examples, then the tenant validates as a Tenant, the categories as Categories, the taxonomy
    texts as CategoryTexts, each named rule passes `validate_rule`, and the worked examples as RuleExamples."""
    seen: set[str] = set()
    for data in _json_blocks():
        if isinstance(data, dict) and "timezone" in data:
            Tenant.model_validate(data)
            seen.add("tenant")
        elif isinstance(data, list) and data and "group" in data[0]:
            [Category.model_validate(item) for item in data]
            seen.add("categories")
        elif isinstance(data, list) and data and "expect" in data[0]:
            RULE_EXAMPLES.validate_python(data)
            seen.add("examples")
        elif isinstance(data, dict) and set(data) & set(RULE_POINTS):
            for rule in data.values():
                validate_rule(rule)
            seen.add("rules")
        elif isinstance(data, dict) and {"email_from", "sms_sender_id"} & set(data):
            NotificationSettings.model_validate(data)
            seen.add("notifications")
        elif isinstance(data, dict) and all(isinstance(texts, list) for texts in data.values()):
            for category, texts in data.items():
                [AssistantExample(language="nl", category=category, text=text) for text in texts]
            seen.add("assistant_examples")
        elif isinstance(data, dict) and all("body" in item for item in data.values()):
            for topic, item in data.items():
                KnowledgeSeed.model_validate({**item, "id": f"{topic}-nl", "topic": topic, "language": "nl"})
            seen.add("knowledge")
        elif isinstance(data, dict):
            [CategoryTexts.model_validate(texts) for texts in data.values()]
            seen.add("taxonomy")
    assert seen == {
        "tenant",
        "categories",
        "examples",
        "rules",
        "taxonomy",
        "notifications",
        "knowledge",
        "assistant_examples",
    }
