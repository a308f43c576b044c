"""Findings: what is wrong with a configuration, and exactly where.

A finding names its place twice: `path`, dotted like every other field error of the API
(`modules.1.settings.categories.0.questions.2.visible_if`), and `pointer`, an RFC 6901 JSON pointer into the
document (`/modules/1/settings/...`), which stays exact where a key itself holds a dot (`/strings/report.submit`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pydantic import ValidationError

from koban.errors import FieldError

PathPart = str | int
Path = tuple[PathPart, ...]


class Severity(StrEnum):
    ERROR = "error"  # publishing is refused
    WARNING = "warning"  # shown to the admin; publishing goes ahead


def dotted(path: Path) -> str:
    return ".".join(str(part) for part in path) or "body"


def pointer(path: Path) -> str:
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in path)


@dataclass(frozen=True)
class Finding:
    """One reason a configuration cannot be published as it is (or, as a warning, should not be)."""

    code: str
    path: Path
    message: str
    severity: Severity = Severity.ERROR

    def as_dict(self) -> dict[str, str]:
        return {
            "code": self.code,
            "severity": str(self.severity),
            "path": dotted(self.path),
            "pointer": pointer(self.path),
            "message": self.message,
        }

    def as_field_error(self) -> FieldError:
        return FieldError(dotted(self.path), self.message, self.code)


def blocking(findings: Iterable[Finding]) -> list[Finding]:
    return [finding for finding in findings if finding.severity is Severity.ERROR]


def _schema_path(location: Sequence[Any], tags: frozenset[str]) -> Path:
    """pydantic's location without the union tags it inserts (`modules.2.report.settings` → `modules.2.settings`)."""
    parts: list[PathPart] = []
    for part in location:
        if isinstance(part, str) and part in tags and parts and isinstance(parts[-1], int):
            continue
        if isinstance(part, str) and part.startswith(("function-", "tagged-union[")):
            continue
        parts.append(part if isinstance(part, int) else str(part))
    return tuple(parts)


def schema_findings(error: ValidationError, module_types: Iterable[str] = ()) -> list[Finding]:
    """Every schema error of a document as a finding at its JSON path (input values are never echoed)."""
    tags = frozenset(module_types)
    findings = []
    for detail in error.errors(include_input=False, include_url=False):
        message = str(detail.get("msg") or detail.get("type") or "invalid value")
        findings.append(Finding(f"schema.{detail.get('type', 'invalid')}", _schema_path(detail["loc"], tags), message))
    return findings
