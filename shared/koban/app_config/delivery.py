"""What apps receive: a published document for one platform and one language, and its entity tag.

Apps ask with `platform` and a locale (`locale` query parameter, else `Accept-Language`, else the document's
default language). Modules that are disabled or not meant for the platform are left out; every translated text
becomes the string of the chosen language (the document's default language where a text lacks it); conditions
stay JSONLogic, for the app to evaluate with json-logic-js. The entity tag names the version and the variant, so
an app that sends it back in `If-None-Match` gets `304 Not Modified` until something it would see changes.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from typing import Any

from koban.app_config.models import AppConfigBase, AppPlatform, ModuleTypes, RenderContext
from koban.app_config.records import PublishedVersion
from koban.i18n import negotiate
from koban.tenants.models import Category, Tenant

_ENTITY_TAG = re.compile(r'\s*(?:(W/)?"([^"]*)"|(\*))\s*(?:,|$)')


def choose_language(default: str, enabled: Sequence[str], preferred: Sequence[str]) -> str:
    """The first preferred language the document offers, else its default language."""
    return negotiate(preferred, [default, *(language for language in enabled if language != default)])


def representation_tag(published: PublishedVersion, platform: AppPlatform, language: str) -> str:
    """The strong entity tag of one variant of one published version."""
    digest = hashlib.sha256(f"{published.etag}|{platform}|{language}".encode()).hexdigest()[:20]
    return f'"v{published.version}-{digest}"'


def entity_tags(header: str | None) -> tuple[list[tuple[bool, str]], bool] | None:
    """The entity tags of an If-Match / If-None-Match header as [(weak, opaque tag)] and whether it is `*`;
    None when the header is absent or malformed (a malformed condition is ignored, RFC 9110 §13.1)."""
    if header is None or not header.strip():
        return None
    tags: list[tuple[bool, str]] = []
    any_tag = False
    position = 0
    text = header.strip()
    while position < len(text):
        match = _ENTITY_TAG.match(text, position)
        if match is None or match.end() == position:
            return None
        if match.group(3):
            any_tag = True
        else:
            tags.append((bool(match.group(1)), match.group(2)))
        position = match.end()
    return tags, any_tag


def none_match(header: str | None, tag: str) -> bool:
    """True when `If-None-Match: header` says the client already has `tag` (weak comparison, RFC 9110 §13.1.2)."""
    parsed = entity_tags(header)
    if parsed is None:
        return False
    tags, any_tag = parsed
    return any_tag or any(f'"{opaque}"' == tag for _, opaque in tags)


def render(
    document: AppConfigBase,
    published: PublishedVersion,
    tenant: Tenant,
    categories: Mapping[str, Category],
    types: ModuleTypes,
    platform: AppPlatform,
    language: str,
) -> dict[str, Any]:
    """The published document as one platform and language see it (JSON)."""
    context = RenderContext(tenant, categories, [language, document.languages.default])
    modules = []
    for module in document.modules:
        definition = types.get(module.type)
        if not module.enabled or platform not in module.platforms or definition is None:
            continue  # a type whose plugin is gone since publication is left out rather than half-shown
        settings = definition.render(module.settings, context) if definition.render else context.plain(module.settings)
        modules.append(
            {"id": module.id, "type": module.type, "title": context.text(module.title), "settings": settings}
        )
    theme = document.theme
    return {
        "tenant": tenant.id,
        "version": published.version,
        "published_at": published.published_at,
        "platform": str(platform),
        "locale": language,
        "languages": list(document.languages.enabled),
        "default_language": document.languages.default,
        "name": context.text(document.name),
        "short_name": context.text(document.short_name) or context.text(document.name),
        "theme": {
            "colours": theme.colours.model_dump(),
            "logo": {"url": theme.logo.url, "alt": context.text(theme.logo.alt)} if theme.logo else None,
            "icon": theme.icon,
        },
        "accessibility": document.accessibility.model_dump(),
        "strings": {key: context.text(text) for key, text in document.strings.items()},
        "modules": modules,
    }
