"""The plugin host: hook specifications (`hookspecs`), the manager (`host`) and helpers for plugin authors."""

from __future__ import annotations

import json
from pathlib import Path

import pluggy

from koban.errors import KobanError
from koban.tenants.models import Tenant

PROJECT_NAME = "koban"
ENTRY_POINT_GROUP = "koban"

hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


class PluginConfigurationError(KobanError):
    """A plugin cannot be loaded, breaks the hook contract, or defines something invalid (or something another
    plugin defines too). Raised at start-up, never for a request; the message names the plugin."""

    code = "plugin_configuration"


def load_tenant_file(path: Path) -> Tenant:
    """A tenant described as JSON data, the way city plugins declare theirs."""
    return Tenant.model_validate(json.loads(path.read_text(encoding="utf-8")))


__all__ = ["ENTRY_POINT_GROUP", "PROJECT_NAME", "PluginConfigurationError", "hookimpl", "load_tenant_file"]
