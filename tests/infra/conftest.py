"""Fixtures of the infrastructure tests: the repository root and template.yaml read as CloudFormation would.

The loader understands the CloudFormation short tags (`!Ref`, `!GetAtt`, `!Sub`, `!If`, `!Equals`, ...) and
turns them into their long form (`{"Ref": ...}`, `{"Fn::GetAtt": [...]}`, ...), so the tests compare plain
data. Unlike PyYAML's default it refuses duplicate keys: a second event or resource of the same name would
otherwise silently replace the first one, and with it a route.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_PATH = REPO_ROOT / "template.yaml"


class CloudFormationLoader(yaml.SafeLoader):
    """A safe YAML loader for CloudFormation templates (short-form intrinsic functions, no duplicate keys)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping",
                    node.start_mark,
                    f"found duplicate key {key!r}",
                    key_node.start_mark,
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _construct_intrinsic(loader: CloudFormationLoader, tag_suffix: str, node: yaml.Node) -> dict[str, Any]:
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    elif isinstance(node, yaml.MappingNode):
        value = loader.construct_mapping(node, deep=True)
    else:  # pragma: no cover - PyYAML has no other node kind
        raise yaml.constructor.ConstructorError(None, None, f"unexpected node {node!r}", node.start_mark)
    if tag_suffix == "Ref":
        return {"Ref": value}
    if tag_suffix == "Condition":
        return {"Condition": value}
    if tag_suffix == "GetAtt" and isinstance(value, str):
        resource, _, attribute = value.partition(".")
        return {"Fn::GetAtt": [resource, attribute]}
    return {f"Fn::{tag_suffix}": value}


CloudFormationLoader.add_multi_constructor("!", _construct_intrinsic)


def load_cloudformation(text: str) -> dict[str, Any]:
    """Parse a CloudFormation/SAM YAML document into plain data (intrinsics in their long form)."""
    data = yaml.load(text, Loader=CloudFormationLoader)  # noqa: S506 - a SafeLoader subclass
    if not isinstance(data, dict):
        raise TypeError("a CloudFormation template is a mapping")
    return data


@cache
def _template() -> dict[str, Any]:
    return load_cloudformation(TEMPLATE_PATH.read_text(encoding="utf-8"))


def _logical_ids(resource_type: str) -> list[str]:
    return sorted(name for name, res in _template()["Resources"].items() if res.get("Type") == resource_type)


# Fixture name -> resource type: a test that takes one of these arguments runs once per such resource.
_PER_RESOURCE = {
    "function_id": "AWS::Serverless::Function",
    "table_id": "AWS::DynamoDB::Table",
    "bucket_id": "AWS::S3::Bucket",
}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    for argument, resource_type in _PER_RESOURCE.items():
        if argument in metafunc.fixturenames:
            metafunc.parametrize(argument, _logical_ids(resource_type))


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def template() -> dict[str, Any]:
    return _template()
