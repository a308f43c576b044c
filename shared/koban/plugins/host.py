"""The plugin manager: built-in default plugin, city plugins from the `koban` entry-point group, and plugins
registered by name (setting `KOBAN_PLUGINS`). Built once per process, at start-up."""

from __future__ import annotations

import importlib
from functools import lru_cache

import pluggy

from koban.plugins import ENTRY_POINT_GROUP, PROJECT_NAME, hookspecs
from koban.settings import get_settings

# The built-in behaviour, registered by module name so core never imports plugin code directly.
DEFAULT_PLUGIN_MODULES = ("koban_default",)


def build_plugin_manager(extra_modules: tuple[str, ...] = (), *, entry_points: bool = True) -> pluggy.PluginManager:
    manager = pluggy.PluginManager(PROJECT_NAME)
    manager.add_hookspecs(hookspecs)
    for name in (*DEFAULT_PLUGIN_MODULES, *extra_modules):
        if manager.get_plugin(name) is None:
            manager.register(importlib.import_module(name), name=name)
    if entry_points:
        manager.load_setuptools_entrypoints(ENTRY_POINT_GROUP)
    # Fails loudly when a plugin implements a hook that does not exist (a typo would otherwise be silent).
    manager.check_pending()
    return manager


@lru_cache(maxsize=1)
def plugin_manager() -> pluggy.PluginManager:
    return build_plugin_manager(get_settings().plugins)


def reset_plugin_manager() -> None:
    """Forget the process-wide manager and everything derived from it (tests use this)."""
    from koban.tenants.service import clear_caches

    plugin_manager.cache_clear()
    clear_caches()
