"""The capability model of a tenant, merged from its plugins' parts (`koban_capability_model`), per process."""

from __future__ import annotations

from functools import lru_cache

from koban.capability.indicators import KNOWN_INDICATORS
from koban.capability.spec import CapabilityModel, CapabilityModelPart, merge_parts
from koban.plugins import PluginConfigurationError
from koban.plugins.host import plugin_manager
from koban.tenants.service import get_tenant


@lru_cache(maxsize=64)
def _model(tenant_id: str) -> CapabilityModel:
    tenant = get_tenant(tenant_id)
    parts: list[CapabilityModelPart] = []
    for contribution in plugin_manager().hook.koban_capability_model(tenant=tenant):
        if contribution is None:
            continue
        if not isinstance(contribution, CapabilityModelPart):
            raise PluginConfigurationError(
                f"a plugin gave '{tenant_id}' a capability model that is not a CapabilityModelPart: {contribution!r}"
            )
        parts.append(contribution)
    return merge_parts(parts, KNOWN_INDICATORS)


def tenant_model(tenant_id: str) -> CapabilityModel:
    """The tenant's model; where two plugins define one id, the one called first (a city's) wins."""
    return _model(tenant_id)


def clear_caches() -> None:
    _model.cache_clear()
