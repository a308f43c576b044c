"""Every finding that stops a configuration from being published, beyond its schema.

`document_findings` returns them all at once (never only the first), each at its JSON path:

| code | what |
|---|---|
| `schema.<type>` | the document breaks its schema (pydantic's error type, e.g. `schema.missing`) |
| `rule_invalid` | a condition does not compile with `koban.rules` |
| `rule_operator_not_in_apps` | a condition uses an operator json-logic-js (the apps' engine) lacks |
| `rule_too_costly` | for some answers a condition's evaluation would make or do more than an app can bear |
| `rule_unknown_field` | a condition reads a field its form does not have, or computes a field name |
| `rule_cycle` | questions are shown only after each other's answers, so none can ever appear |
| `translation_missing` | a text (or a text taken from the tenant's taxonomy) lacks an enabled language |
| `string_missing` | a string the app shell needs is absent |
| `language_default_not_enabled` | the default language is not among the enabled ones |
| `contrast_too_low` | a text/background pair of the theme is below WCAG AA 4.5:1 |
| `unknown_category` | a category (report, alerts) the tenant does not have |
| `unknown_unit` | a neighbourhood team unit the tenant does not have |
| `question_type_changed` | a report question replaces a taxonomy question with another type |
| `option_unknown` | a replacing question offers an option the taxonomy's question does not have |
| `question_requirement_weakened` | a question the taxonomy requires is optional or conditional in the app |
| `required_question_missing` | the taxonomy's questions are left out, a required one among them |
| `duplicate_code` | a module id, category, question, option, article or language listed twice |
| `no_enabled_module` | the app would show nothing |
| `emergency_missing` (warning) | no enabled 112 module |
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from pydantic import BaseModel

from koban.app_config.colours import AA_NORMAL_TEXT, contrast_ratio
from koban.app_config.findings import Finding, Path, Severity
from koban.app_config.logic import condition_findings
from koban.app_config.models import (
    CONTRAST_PAIRS,
    TRANSLATED_TYPES,
    AppConfigBase,
    CheckContext,
    Condition,
    ModuleTypes,
    Translated,
)
from koban.app_config.modules import default_strings
from koban.tenants.models import Category, Tenant

EMERGENCY_TYPE = "emergency"


def _walk(value: Any, path: Path) -> Iterator[tuple[Translated | Condition, Path]]:
    """Every translated text and condition inside a validated document, with its path."""
    if isinstance(value, (*TRANSLATED_TYPES, Condition)):
        yield value, path
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _walk(getattr(value, name), (*path, name))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _walk(item, (*path, index))
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _walk(item, (*path, str(key)))


def _texts_and_conditions(document: AppConfigBase, languages: Sequence[str]) -> Iterator[Finding]:
    for value, path in _walk(document, ()):
        if isinstance(value, Condition):
            yield from condition_findings(value.root, path)
            continue
        for language in languages:
            if language not in value.root:
                yield Finding("translation_missing", (*path, language), f"no text in '{language}'")


def _languages(document: AppConfigBase) -> Iterator[Finding]:
    enabled = document.languages.enabled
    if document.languages.default not in enabled:
        yield Finding(
            "language_default_not_enabled",
            ("languages", "default"),
            f"'{document.languages.default}' is not one of the enabled languages ({', '.join(enabled)})",
        )
    seen: set[str] = set()
    for position, language in enumerate(enabled):
        if language in seen:
            yield Finding("duplicate_code", ("languages", "enabled", position), f"'{language}' is listed twice")
        seen.add(language)


def _strings(document: AppConfigBase) -> Iterator[Finding]:
    for key in default_strings():
        if key not in document.strings:
            yield Finding("string_missing", ("strings", key), f"the app needs the string '{key}'")


def _floor2(value: float) -> str:
    return f"{math.floor(value * 100) / 100:.2f}"


def _contrast(document: AppConfigBase) -> Iterator[Finding]:
    colours = document.theme.colours
    for foreground, background, what in CONTRAST_PAIRS:
        ratio = contrast_ratio(getattr(colours, foreground), getattr(colours, background))
        if ratio < AA_NORMAL_TEXT:
            yield Finding(
                "contrast_too_low",
                ("theme", "colours", foreground),
                f"{what}: {foreground} {getattr(colours, foreground)} on {background} "
                f"{getattr(colours, background)} has a contrast of {_floor2(ratio)}:1; WCAG AA needs "
                f"{AA_NORMAL_TEXT}:1",
            )


def _modules(
    document: AppConfigBase, tenant: Tenant, categories: Mapping[str, Category], types: ModuleTypes
) -> Iterator[Finding]:
    seen: set[str] = set()
    for position, module in enumerate(document.modules):
        if module.id in seen:
            yield Finding("duplicate_code", ("modules", position, "id"), f"module id '{module.id}' is used twice")
        seen.add(module.id)
        if len(set(module.platforms)) != len(module.platforms):
            yield Finding("duplicate_code", ("modules", position, "platforms"), "a platform is listed twice")
        definition = types.get(module.type)
        if definition is None or definition.check is None:
            continue
        context = CheckContext(tenant, categories, document.languages.enabled, ("modules", position, "settings"))
        yield from definition.check(module.settings, context)
    enabled = [module for module in document.modules if module.enabled]
    if not enabled:
        yield Finding("no_enabled_module", ("modules",), "no module is enabled: the app would show nothing")
    if EMERGENCY_TYPE in types and not any(module.type == EMERGENCY_TYPE for module in enabled):
        yield Finding(
            "emergency_missing",
            ("modules",),
            "no enabled 112 module: residents should always be one tap away from the emergency number",
            Severity.WARNING,
        )


def document_findings(
    document: AppConfigBase, tenant: Tenant, categories: Mapping[str, Category], types: ModuleTypes
) -> list[Finding]:
    """Every finding of a schema-valid document for `tenant`, in document order within each kind."""
    return [
        *_languages(document),
        *_strings(document),
        *_texts_and_conditions(document, document.languages.enabled),
        *_contrast(document),
        *_modules(document, tenant, categories, types),
    ]
