"""The built-in KOBAN behaviour, itself a plugin: the base taxonomy, the default rules, status names and the
notification adapters.

Core registers this module by name (`koban_default`) and every hook here is `trylast`, so a city plugin is
called first and wins. The data lives next to this file (`categories.json`, `rules.json`, `messages/`) and
is described in `README.md`, including the facts the rules see.
"""

from __future__ import annotations

import copy
import json
import logging
import math
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any, Final

from koban.plugins import hookimpl
from koban.rules import RuleError, evaluate, load_rule_file
from koban.tenants.models import Category, Tenant

__all__ = [
    "GENERIC_UNITS",
    "PRIORITIES",
    "koban_app_module_types",
    "koban_assistant_handoff",
    "koban_capability_model",
    "koban_categories",
    "koban_deadline_hours",
    "koban_notification_adapters",
    "koban_route",
    "koban_rules",
    "koban_translations",
    "koban_triage",
]

logger = logging.getLogger("koban.plugins.default")

_HERE: Final = Path(__file__).parent
_CATEGORIES_FILE: Final = _HERE / "categories.json"
_RULES_FILE: Final = _HERE / "rules.json"
_MESSAGES_DIR: Final = _HERE / "messages"
_CAPABILITY_DIR: Final = _HERE / "capability"

PRIORITIES: Final = frozenset({"urgent", "high", "normal", "low"})
"""The priorities a triage rule may return."""
GENERIC_UNITS: Final = (
    "neighbourhood_team",
    "traffic_unit",
    "cybercrime_desk",
    "community_liaison",
    "municipality",
)
"""The unit codes the default taxonomy and rules route to; every pilot tenant defines them."""
MAX_DEADLINE_HOURS: Final = 24 * 90
"""The longest deadline a rule may set, the same bound as `Category.deadline_hours`."""


# ---------------------------------------------------------------------------------------------- data


@cache
def base_categories() -> tuple[Category, ...]:
    """The base taxonomy from `categories.json`, validated once."""
    data = json.loads(_CATEGORIES_FILE.read_text(encoding="utf-8"))
    return tuple(Category.model_validate(item) for item in data)


@cache
def base_rules() -> Mapping[str, Any]:
    """The named rules from `rules.json`, each validated (limits, operators) once."""
    return load_rule_file(_RULES_FILE)


@cache
def _languages() -> frozenset[str]:
    return frozenset(path.stem for path in _MESSAGES_DIR.glob("*.json"))


@cache
def _messages(language: str) -> Mapping[str, str]:
    data: dict[str, str] = json.loads((_MESSAGES_DIR / f"{language}.json").read_text(encoding="utf-8"))
    return data


def _evaluate(rules: Mapping[str, Any], name: str, facts: Mapping[str, Any]) -> Any:
    """The result of rule `name` on `facts`, or None when the rule is absent or fails (logged)."""
    rule = rules.get(name)
    if rule is None:
        return None
    try:
        return evaluate(rule, facts, default=None)
    except (RuleError, TypeError, ValueError) as exc:  # e.g. facts holding a value that is not JSON
        logger.warning("default plugin: rule %r could not be evaluated: %s", name, exc)
        return None


# ---------------------------------------------------------------------------------------------- hooks


@hookimpl(trylast=True)
def koban_categories(tenant: Tenant) -> list[Category]:
    """The base taxonomy for every tenant; a `default_unit` the tenant does not define is dropped."""
    units = {unit.code for unit in tenant.units}
    return [
        category
        if category.default_unit is None or category.default_unit in units
        else category.model_copy(update={"default_unit": None})
        for category in base_categories()
    ]


@hookimpl(trylast=True)
def koban_rules(tenant: Tenant) -> dict[str, Any]:
    """The default `triage`, `routing` and `deadline_hours` rules (a copy the caller may keep)."""
    return copy.deepcopy(dict(base_rules()))


@hookimpl(trylast=True)
def koban_triage(tenant: Tenant, facts: dict[str, Any], rules: dict[str, Any]) -> str | None:
    """Evaluate the `triage` rule; None unless it gives one of `PRIORITIES`."""
    result = _evaluate(rules, "triage", facts)
    return result if isinstance(result, str) and result in PRIORITIES else None


@hookimpl(trylast=True)
def koban_route(tenant: Tenant, facts: dict[str, Any], rules: dict[str, Any]) -> str | None:
    """Evaluate the `routing` rule; None unless it names one of the tenant's units."""
    result = _evaluate(rules, "routing", facts)
    return result if isinstance(result, str) and tenant.unit(result) is not None else None


@hookimpl(trylast=True)
def koban_deadline_hours(tenant: Tenant, facts: dict[str, Any], rules: dict[str, Any]) -> int | None:
    """Evaluate the `deadline_hours` rule; None unless it gives a positive number of hours (rounded up)."""
    result = _evaluate(rules, "deadline_hours", facts)
    if isinstance(result, bool) or not isinstance(result, int | float) or not math.isfinite(result):
        return None
    hours = math.ceil(result)
    return hours if result > 0 and hours <= MAX_DEADLINE_HOURS else None


@hookimpl(trylast=True)
def koban_assistant_handoff(tenant: Tenant, facts: dict[str, Any], rules: dict[str, Any]) -> bool | None:
    """Evaluate the `assistant_handoff` rule; None unless it gives a boolean."""
    result = _evaluate(rules, "assistant_handoff", facts)
    return result if isinstance(result, bool) else None


@hookimpl(trylast=True)
def koban_translations(language: str) -> dict[str, str] | None:
    """Status and priority names in `language`, or None for a language without a catalogue."""
    if language not in _languages():
        return None
    return dict(_messages(language))


@hookimpl(trylast=True)
def koban_notification_adapters(tenant: Tenant, delivery: str) -> dict[str, Any]:
    """The outbox for every channel, or, with `delivery` = `providers`, SES e-mail, SNS SMS and web push."""
    from koban.notifications.adapters import default_adapters

    return {str(channel): adapter for channel, adapter in default_adapters(delivery).items()}


@hookimpl(trylast=True)
def koban_app_module_types(tenant: Tenant) -> list[Any]:
    """The built-in module types of citizen apps (App Factory): 112 button, report, tracking, assistant, area
    alerts, neighbourhood priorities, neighbourhood team, safety information and the trust survey."""
    from koban.app_config.modules import builtin_module_types  # only the functions that use apps load it

    return builtin_module_types()


@cache
def capability_model_part() -> Any:
    """The KOBAN capability model from `capability/model.json` (structure and thresholds) and
    `capability/texts/<language>.json` (every text in one language), validated once."""
    from koban.capability.spec import CapabilityModelPart

    structure = json.loads((_CAPABILITY_DIR / "model.json").read_text(encoding="utf-8"))
    texts = {
        path.stem: json.loads(path.read_text(encoding="utf-8"))
        for path in sorted((_CAPABILITY_DIR / "texts").glob("*.json"))
    }

    def localised(section: str, key: str, field: str) -> dict[str, str]:
        return {language: data[section][key][field] for language, data in texts.items() if key in data[section]}

    dimensions, capabilities = [], []
    for dimension in structure["dimensions"]:
        dimensions.append(
            {
                "id": dimension["id"],
                "name": localised("dimensions", dimension["id"], "name"),
                "description": localised("dimensions", dimension["id"], "description"),
            }
        )
        for capability in dimension["capabilities"]:
            levels = localised("capabilities", capability, "levels")
            capabilities.append(
                {
                    "id": capability,
                    "dimension": dimension["id"],
                    "name": localised("capabilities", capability, "name"),
                    "description": localised("capabilities", capability, "description"),
                    "levels": [{language: steps[index] for language, steps in levels.items()} for index in range(5)],
                }
            )
    indicators = [
        {
            **indicator,
            "name": localised("indicators", indicator["id"], "name"),
            "definition": localised("indicators", indicator["id"], "definition"),
        }
        for indicator in structure["indicators"]
    ]
    phrases: dict[str, dict[str, str]] = {}
    for language, data in texts.items():
        for key, text in data["phrases"].items():
            phrases.setdefault(key, {})[language] = text
    return CapabilityModelPart.model_validate(
        {
            "dimensions": dimensions,
            "capabilities": capabilities,
            "indicators": indicators,
            "level_names": [
                {language: data["levels"][index] for language, data in texts.items()} for index in range(5)
            ],
            "phrases": phrases,
        }
    )


@hookimpl(trylast=True)
def koban_capability_model(tenant: Tenant) -> Any:
    """The six KOBAN dimensions, two capabilities each with five maturity levels, and sixteen live indicators,
    in every pilot language (`capability/`)."""
    return capability_model_part()
