"""Localisation: language negotiation and the message catalogues every user-facing string goes through.

Catalogues are JSON files per language in `catalogs/`; plugins add or override messages with the
`koban_translations` hook. Localised data (category names, questions) is a `LocalizedText` mapping.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path

LocalizedText = Mapping[str, str]

SUPPORTED_LANGUAGES = ("en", "nl", "pl", "fi", "es", "pt", "fr", "de")
FALLBACK_LANGUAGE = "en"
_CATALOGS = Path(__file__).with_name("catalogs")


def parse_accept_language(header: str | None) -> list[str]:
    """Primary language subtags in the client's order of preference ('nl-BE,fr;q=0.8' -> ['nl', 'fr'])."""
    if not header:
        return []
    weighted: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        language = tag.split("-")[0].strip().lower()
        if not language.isalpha() or len(language) > 8:
            continue
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if quality > 0:
            weighted.append((-quality, position, language))
    return [language for _, _, language in sorted(weighted)]


def negotiate(preferred: Iterable[str], available: Iterable[str]) -> str:
    """The first preferred language that is available, else the first available one."""
    available_list = list(available)
    for language in preferred:
        if language in available_list:
            return language
    return available_list[0] if available_list else FALLBACK_LANGUAGE


def pick(text: LocalizedText, preferred: Iterable[str]) -> str:
    """The best translation of `text` for the preferred languages, falling back to English, then any."""
    for language in [*preferred, FALLBACK_LANGUAGE]:
        if language in text:
            return text[language]
    return next(iter(text.values()), "")


@cache
def _builtin_catalog(language: str) -> dict[str, str]:
    path = _CATALOGS / f"{language}.json"
    if not path.is_file():
        return {}
    data: dict[str, str] = json.loads(path.read_text(encoding="utf-8"))
    return data


def catalog(language: str) -> dict[str, str]:
    """Built-in messages overlaid with those plugins contribute for `language`."""
    from koban.plugins.host import plugin_manager

    merged = dict(_builtin_catalog(language))
    for contribution in reversed(plugin_manager().hook.koban_translations(language=language)):
        merged.update(contribution or {})
    return merged


def translate(key: str, language: str, **params: object) -> str:
    """The message `key` in `language` (English if missing there), with `{name}` parameters filled in."""
    template = catalog(language).get(key) or catalog(FALLBACK_LANGUAGE).get(key) or key
    return template.format(**params) if params else template
