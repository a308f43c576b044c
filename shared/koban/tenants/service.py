"""Tenant logic: the tenants, taxonomies and rules that plugins define, validated and cached per process."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from koban.errors import KobanError, NotFound
from koban.i18n import SUPPORTED_LANGUAGES, negotiate
from koban.plugins.host import plugin_manager
from koban.rules import validate_rule
from koban.tenants.models import Category, Tenant
from koban.tenants.schemas import CategoryListOut, TenantListOut, TenantOut, category_out, tenant_out


class PluginConfigurationError(KobanError):
    """Plugins disagree or define something invalid; raised at start-up, never for a request."""

    code = "plugin_configuration"


@lru_cache(maxsize=1)
def _tenants_by_id() -> dict[str, Tenant]:
    tenants: dict[str, Tenant] = {}
    for contribution in plugin_manager().hook.koban_tenants():
        for tenant in contribution:
            if tenant.id in tenants:
                raise PluginConfigurationError(f"tenant '{tenant.id}' is defined by more than one plugin")
            tenants[tenant.id] = tenant
    return dict(sorted(tenants.items()))


def list_tenants() -> list[Tenant]:
    return list(_tenants_by_id().values())


def get_tenant(tenant_id: str) -> Tenant:
    tenant = _tenants_by_id().get(tenant_id)
    if tenant is None:
        raise NotFound(f"There is no tenant '{tenant_id}'.", code="tenant_not_found")
    return tenant


@lru_cache(maxsize=64)
def _categories(tenant_id: str) -> dict[str, Category]:
    tenant = get_tenant(tenant_id)
    disabled = set(tenant.settings.get("disabled_categories", ()))
    categories: dict[str, Category] = {}
    for contribution in plugin_manager().hook.koban_categories(tenant=tenant):
        for category in contribution or ():
            if category.code not in disabled:
                categories.setdefault(category.code, category)
    for category in categories.values():
        if category.default_unit and tenant.unit(category.default_unit) is None:
            raise PluginConfigurationError(
                f"category '{category.code}' of '{tenant_id}': unknown unit '{category.default_unit}'"
            )
    return categories


def list_categories(tenant: Tenant) -> list[Category]:
    return list(_categories(tenant.id).values())


def get_category(tenant: Tenant, code: str) -> Category | None:
    return _categories(tenant.id).get(code)


@lru_cache(maxsize=64)
def _rules(tenant_id: str) -> dict[str, Any]:
    tenant = get_tenant(tenant_id)
    merged: dict[str, Any] = {}
    for contribution in plugin_manager().hook.koban_rules(tenant=tenant):
        for name, rule in (contribution or {}).items():
            if name not in merged:
                validate_rule(rule)
                merged[name] = rule
    return merged


def tenant_rules(tenant: Tenant) -> dict[str, Any]:
    return _rules(tenant.id)


def clear_caches() -> None:
    _tenants_by_id.cache_clear()
    _categories.cache_clear()
    _rules.cache_clear()


def describe_tenants(languages: list[str]) -> TenantListOut:
    return TenantListOut(items=[tenant_out(tenant, languages) for tenant in list_tenants()])


def describe_tenant(tenant_id: str, languages: list[str]) -> TenantOut:
    return tenant_out(get_tenant(tenant_id), languages)


def describe_categories(tenant_id: str, languages: list[str]) -> CategoryListOut:
    """The taxonomy in the best language the tenant offers for the client's preference."""
    tenant = get_tenant(tenant_id)
    language = negotiate(languages, [*tenant.languages, *SUPPORTED_LANGUAGES])
    preferred = [language, *languages]
    return CategoryListOut(
        tenant=tenant.id,
        language=language,
        items=[category_out(category, preferred) for category in list_categories(tenant)],
    )
