"""The default configuration of a tenant, derived from the tenant, its categories and its module types.

Every tenant has a working draft before anyone has edited it: its languages (those the built-in texts cover),
an accessible theme, the app's strings, and every module type that offers default settings (the report module
lists all of the tenant's categories with their own questions).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from koban.app_config.models import DefaultContext, ModuleTypes
from koban.app_config.modules import builtin_module_types, default_content, default_strings
from koban.i18n import SUPPORTED_LANGUAGES
from koban.tenants.models import Category, Tenant

# Every text/background pair passes WCAG AA with room to spare: 17.2, 8.0, 8.0, 10.5 and 6.5 to 1 (white on
# the danger red is the lowest; tests/unit/test_app_config_findings.py computes them).
DEFAULT_COLOURS = {
    "background": "#ffffff",
    "text": "#1b1b1f",
    "primary": "#0b4f9c",
    "on_primary": "#ffffff",
    "accent": "#f5c400",
    "on_accent": "#1b1b1f",
    "danger": "#b3261e",
    "on_danger": "#ffffff",
}


def default_languages(tenant: Tenant) -> list[str]:
    """The tenant's languages that the built-in texts cover, in the tenant's order (English if none is)."""
    covered = [language for language in tenant.languages if language in SUPPORTED_LANGUAGES]
    return covered or ["en"]


def _in(languages: Sequence[str], texts: dict[str, str]) -> dict[str, str]:
    return {language: texts[language] for language in languages if language in texts}


def _ordered(types: ModuleTypes) -> list[str]:
    """Built-in types in their own order, then the others by name."""
    builtin = [definition.name for definition in builtin_module_types() if definition.name in types]
    return [*builtin, *sorted(set(types) - set(builtin))]


def default_document(tenant: Tenant, categories: Sequence[Category], types: ModuleTypes) -> dict[str, Any]:
    """The tenant's default configuration document (JSON, not yet validated)."""
    languages = default_languages(tenant)
    content = default_content()
    context = DefaultContext(tenant, categories, languages, lambda key: _in(languages, content[key]))
    modules = []
    for name in _ordered(types):
        definition = types[name]
        settings = definition.default(context) if definition.default is not None else None
        if settings is None:
            continue
        modules.append(
            {
                "id": name,
                "type": name,
                "title": _in(languages, dict(definition.title)),
                "settings": settings.model_dump(mode="json"),
            }
        )
    app_name = f"KOBAN {tenant.area.name}".strip() if tenant.area.name else tenant.name
    return {
        "schema_version": 1,
        "name": dict.fromkeys(languages, app_name[:200]),
        "short_name": dict.fromkeys(languages, "KOBAN"),
        "theme": {"colours": dict(DEFAULT_COLOURS)},
        "languages": {"default": languages[0], "enabled": languages},
        "strings": {key: _in(languages, texts) for key, texts in default_strings().items()},
        "modules": modules,
    }
