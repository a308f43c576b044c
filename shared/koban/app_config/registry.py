"""The module types a tenant's apps can show, from the plugins (`koban_app_module_types`), per process."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from koban.app_config.models import AppModuleType, ModuleTypes
from koban.plugins import PluginConfigurationError
from koban.plugins.host import plugin_manager
from koban.tenants.models import Tenant
from koban.tenants.service import get_tenant

_TYPE_NAME = re.compile(r"^[a-z][a-z0-9_]{1,39}$")


@lru_cache(maxsize=64)
def _module_types(tenant_id: str) -> dict[str, AppModuleType[Any]]:
    tenant = get_tenant(tenant_id)
    types: dict[str, AppModuleType[Any]] = {}
    for contribution in plugin_manager().hook.koban_app_module_types(tenant=tenant):
        for definition in contribution or ():
            if not isinstance(definition, AppModuleType) or not _TYPE_NAME.match(definition.name):
                raise PluginConfigurationError(
                    f"a plugin gave '{tenant_id}' a module type that is not an AppModuleType with a name like "
                    f"'neighbourhood_watch': {definition!r}"
                )
            types.setdefault(definition.name, definition)
    return types


def module_types(tenant: Tenant) -> ModuleTypes:
    """Module types by name; where two plugins define one name, the one called first (a city's) wins."""
    return _module_types(tenant.id)


def clear_caches() -> None:
    _module_types.cache_clear()
