"""The plugin manager: built-in default plugin, city plugins from the `koban` entry-point group, and plugins
registered by name (setting `KOBAN_PLUGINS`). Built once per process, at start-up.

A plugin that cannot be imported, implements a hook that does not exist, or declares an argument a hook does not
have stops the start-up with a `PluginConfigurationError` that names the plugin and its distribution; a typo must
never leave a city silently running on the defaults.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from functools import lru_cache
from importlib import metadata

import pluggy

from koban.plugins import ENTRY_POINT_GROUP, PROJECT_NAME, PluginConfigurationError, hookspecs
from koban.settings import get_settings

# The built-in behaviour, registered by module name so core never imports plugin code directly.
DEFAULT_PLUGIN_MODULES = ("koban_default",)


def build_plugin_manager(extra_modules: tuple[str, ...] = (), *, entry_points: bool = True) -> pluggy.PluginManager:
    manager = pluggy.PluginManager(PROJECT_NAME)
    manager.add_hookspecs(hookspecs)
    for name in (*DEFAULT_PLUGIN_MODULES, *extra_modules):
        if manager.get_plugin(name) is None:
            where = "built in" if name in DEFAULT_PLUGIN_MODULES else "named in KOBAN_PLUGINS"
            _register(manager, name, where, lambda name=name: importlib.import_module(name))  # type: ignore[misc]
    if entry_points:
        _load_entry_points(manager)
    # A plugin implementing a hook that does not exist: a typo would otherwise be silent.
    try:
        manager.check_pending()
    except pluggy.PluginValidationError as error:
        name = manager.get_name(error.plugin) or repr(error.plugin)
        raise PluginConfigurationError(
            f"plugin '{name}' ({plugin_origin(manager, name)}) implements a hook KOBAN does not have: {error}. "
            f"The hooks are: {', '.join(hook_names())}."
        ) from error
    return manager


def _load_entry_points(manager: pluggy.PluginManager) -> None:
    """Register the plugins of the `koban` entry-point group, as pluggy does (it records their distributions),
    after importing each one here so that a failing import names its plugin."""
    loaded: dict[int, str] = {}
    for entry_point in metadata.entry_points(group=ENTRY_POINT_GROUP):
        if manager.get_plugin(entry_point.name) is None and not manager.is_blocked(entry_point.name):
            plugin = _load(entry_point.name, _origin(entry_point), entry_point.load)
            loaded[id(plugin)] = f"plugin '{entry_point.name}' ({_origin(entry_point)})"
    try:
        manager.load_setuptools_entrypoints(ENTRY_POINT_GROUP)
    except pluggy.PluginValidationError as error:
        which = loaded.get(id(error.plugin), f"plugin {error.plugin!r}")
        raise PluginConfigurationError(
            f"{which} does not match the hook specification: {' '.join(str(error).split())}"
        ) from error


def _origin(entry_point: metadata.EntryPoint) -> str:
    distribution = entry_point.dist
    package = f"{distribution.name} {distribution.version}" if distribution is not None else "unknown distribution"
    return f"{package}, entry point {entry_point.value!r}"


def _load(name: str, origin: str, load: Callable[[], object]) -> object:
    try:
        return load()
    except Exception as error:  # any failure of a third party's import is a configuration error, said clearly
        raise PluginConfigurationError(
            f"plugin '{name}' ({origin}) cannot be loaded: {type(error).__name__}: {error}"
        ) from error


def _register(manager: pluggy.PluginManager, name: str, origin: str, load: Callable[[], object]) -> None:
    plugin = _load(name, origin, load)
    try:
        manager.register(plugin, name=name)
    except pluggy.PluginValidationError as error:
        raise PluginConfigurationError(
            f"plugin '{name}' ({origin}) does not match the hook specification: {' '.join(str(error).split())}"
        ) from error


def plugin_origin(manager: pluggy.PluginManager, name: str) -> str:
    """Where a registered plugin comes from: its distribution and version, built in, or a module name."""
    if name in DEFAULT_PLUGIN_MODULES:
        return "built in"
    plugin = manager.get_plugin(name)
    for registered, distribution in manager.list_plugin_distinfo():
        if registered is plugin:
            return f"{distribution.project_name} {distribution.version}"
    return "registered by module name"


def hook_names() -> list[str]:
    """Every hook a plugin can implement, sorted."""
    return sorted(name for name, value in vars(hookspecs).items() if hasattr(value, f"{PROJECT_NAME}_spec"))


@lru_cache(maxsize=1)
def plugin_manager() -> pluggy.PluginManager:
    return build_plugin_manager(get_settings().plugins)


def reset_plugin_manager() -> None:
    """Forget the process-wide manager and everything derived from it (tests use this)."""
    from koban.tenants.service import clear_caches

    plugin_manager.cache_clear()
    clear_caches()
