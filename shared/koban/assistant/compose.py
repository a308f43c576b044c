"""The offline answer: fixed templates (i18n catalogue keys `assistant.*`, which a city plugin may override
through `koban_translations`) and passages quoted from the tenant's knowledge items, nothing else. It never
states a fact that is not in a template or a knowledge item."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Final

from koban.assistant.knowledge import Hit
from koban.i18n import catalog, translate

_EMERGENCY_MESSAGES: Final = Path(__file__).with_name("data") / "emergency_messages.json"
# Language names as their speakers write them, for "this information is available in ...".
ENDONYMS: Final = {
    "en": "English",
    "nl": "Nederlands",
    "pl": "polski",
    "fi": "suomi",
    "sv": "svenska",
    "es": "español",
    "pt": "português",
    "fr": "français",
    "de": "Deutsch",
    "uk": "українська",
}


@cache
def _emergency_messages() -> dict[str, str]:
    data: dict[str, str] = json.loads(_EMERGENCY_MESSAGES.read_text(encoding="utf-8"))
    return data


def emergency_languages() -> frozenset[str]:
    """Languages the emergency answer exists in (more than the eight of every other template)."""
    return frozenset(_emergency_messages())


def emergency_answer(language: str) -> str:
    """Call 112 first, in `language` (English where there is no translation); a plugin may word it for its
    residents through `koban_translations` (key `assistant.emergency`)."""
    messages = _emergency_messages()
    return catalog(language).get("assistant.emergency") or messages.get(language) or messages["en"]


@dataclass(frozen=True)
class Draft:
    force: str
    unit_name: str
    hits: tuple[Hit, ...]
    report_category_name: str | None
    handoff: bool
    unsure: bool


def knowledge_part(hit: Hit, language: str) -> str:
    lines = [f"{hit.item.title}\n{hit.passage}"]
    if hit.item.language != language:
        name = ENDONYMS.get(hit.item.language, hit.item.language)
        lines.append(translate("assistant.other_language", language, language_name=name))
    if hit.item.url:
        lines.append(translate("assistant.more", language, url=hit.item.url))
    return "\n".join(lines)


def compose(draft: Draft, language: str) -> str:
    """The answer to a non-emergency message, in `language`."""
    parts: list[str] = []
    if draft.hits:
        parts.append(translate("assistant.intro", language, force=draft.force))
        parts.extend(knowledge_part(hit, language) for hit in draft.hits)
    elif draft.unsure:
        parts.append(translate("assistant.unsure", language))
    else:
        parts.append(translate("assistant.no_knowledge", language, force=draft.force))
    if draft.report_category_name:
        parts.append(translate("assistant.report_offer", language, category=draft.report_category_name))
    if draft.handoff:
        parts.append(translate("assistant.handoff", language, unit=draft.unit_name))
    return "\n\n".join(parts)
