"""The plugin host: hook specifications (`hookspecs`), the manager (`host`) and helpers for plugin authors."""

from __future__ import annotations

import json
from pathlib import Path

import pluggy

from koban.tenants.models import Tenant

PROJECT_NAME = "koban"
ENTRY_POINT_GROUP = "koban"

hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


def load_tenant_file(path: Path) -> Tenant:
    """A tenant described as JSON data, the way city plugins declare theirs."""
    return Tenant.model_validate(json.loads(path.read_text(encoding="utf-8")))


__all__ = ["ENTRY_POINT_GROUP", "PROJECT_NAME", "hookimpl", "load_tenant_file"]
