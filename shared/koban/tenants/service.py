"""Tenant logic: the tenants, taxonomies and rules that plugins define, validated and cached per process."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from koban.errors import NotFound
from koban.i18n import SUPPORTED_LANGUAGES, negotiate, translate
from koban.plugins import PluginConfigurationError
from koban.plugins.host import plugin_manager
from koban.reports.lifecycle import Status
from koban.rules import RuleError, evaluate, validate_rule
from koban.tenants.models import Category, Tenant
from koban.tenants.rule_points import MAX_ALERT_THRESHOLD, category_facts
from koban.tenants.schemas import (
    CategoryListOut,
    TenantListOut,
    TenantOut,
    TenantStatusOut,
    category_out,
    tenant_out,
)


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
    rules = _rules(tenant_id)
    return {code: _apply_category_rules(tenant, category, rules) for code, category in categories.items()}


def _category_decision(tenant: Tenant, category: Category, rules: dict[str, Any], name: str) -> Any:
    rule = rules.get(name)
    if rule is None:
        return None
    try:
        return evaluate(rule, category_facts(tenant, category))
    except RuleError as error:
        raise PluginConfigurationError(
            f"rule '{name}' of '{tenant.id}' fails for category '{category.code}': {error.detail}"
        ) from error


def _apply_category_rules(tenant: Tenant, category: Category, rules: dict[str, Any]) -> Category:
    """The category after the tenant's `sensitive` and `alert_threshold` rules (see `rule_points`)."""
    sensitive = _category_decision(tenant, category, rules, "sensitive")
    if sensitive is not None and not isinstance(sensitive, bool):
        raise PluginConfigurationError(
            f"rule 'sensitive' of '{tenant.id}' gives {sensitive!r} for category '{category.code}'; "
            "it must give true or false"
        )
    if sensitive:
        category = category.model_copy(update={"sensitive": True})
    # The alert threshold sees the sensitivity just decided.
    threshold = _category_decision(tenant, category, rules, "alert_threshold")
    if threshold is not None:
        whole = isinstance(threshold, int | float) and not isinstance(threshold, bool) and threshold == int(threshold)
        if not whole or not 1 <= threshold <= MAX_ALERT_THRESHOLD:
            raise PluginConfigurationError(
                f"rule 'alert_threshold' of '{tenant.id}' gives {threshold!r} for category '{category.code}'; "
                f"it must give a whole number from 1 to {MAX_ALERT_THRESHOLD}, or null"
            )
        category = category.model_copy(update={"alert_threshold": int(threshold)})
    return category


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


def status_name(tenant: Tenant, status: str, language: str) -> str:
    """The name of a lifecycle status in `language`: the tenant's own (e.g. KMZB) if it names the status in
    that language, else the message catalogues' `status.<code>`."""
    own = tenant.status_names.get(Status(status), {})
    return own.get(language) or translate(f"status.{status}", language)


def check_configuration() -> list[Tenant]:
    """Build everything plugins define (tenants, taxonomies, rules) now: a mistake in any plugin stops the
    start-up with a `PluginConfigurationError` naming it, instead of failing a request later."""
    tenants = list_tenants()
    for tenant in tenants:
        list_categories(tenant)
        tenant_rules(tenant)
    return tenants


def clear_caches() -> None:
    _tenants_by_id.cache_clear()
    _categories.cache_clear()
    _rules.cache_clear()


def _described(tenant: Tenant, languages: list[str]) -> TenantOut:
    language = negotiate(languages, [*tenant.languages, *SUPPORTED_LANGUAGES])
    statuses = [TenantStatusOut(code=str(status), name=status_name(tenant, status, language)) for status in Status]
    return tenant_out(tenant, [language, *languages], statuses)


def describe_tenants(languages: list[str]) -> TenantListOut:
    return TenantListOut(items=[_described(tenant, languages) for tenant in list_tenants()])


def describe_tenant(tenant_id: str, languages: list[str]) -> TenantOut:
    return _described(get_tenant(tenant_id), languages)


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
