"""The rule points: the named JSONLogic rules core asks for a decision, and the facts each one sees.

A tenant's rules are the merged `koban_rules` contributions of its plugins (the first definition of a name wins,
so a city's rule replaces the built-in one). Report rules run for every new report (`koban.reports.triage`
builds their facts); category rules run once per process when the tenant's taxonomy is built, so their result
is part of the category every reader sees. `plugins/README.md` documents them for plugin authors.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from koban.tenants.models import Category, Tenant

REPORT_FACTS: Final = frozenset(
    {"tenant", "category", "group", "sensitive", "answers", "channel", "hour", "weekday", "deadline_hours"}
)
"""What every report rule sees (`answers` is an object: question code -> answer)."""
CATEGORY_FACTS: Final = frozenset({"tenant", "category", "group", "sensitive", "deadline_hours", "maps_to"})
"""What every category rule sees."""


@dataclass(frozen=True)
class RulePoint:
    name: str
    scope: str  # "report" or "category"
    facts: frozenset[str]
    result: str
    summary: str


RULE_POINTS: Final = {
    point.name: point
    for point in (
        RulePoint(
            "triage",
            "report",
            REPORT_FACTS,
            '"urgent", "high", "normal" or "low"',
            "the priority of a new report (the default plugin's koban_triage evaluates it)",
        ),
        RulePoint(
            "routing",
            "report",
            REPORT_FACTS | {"priority"},
            "a unit code of the tenant, or null for the category's default unit",
            "the unit that handles a new report (koban_route)",
        ),
        RulePoint(
            "deadline_hours",
            "report",
            REPORT_FACTS | {"priority", "unit"},
            "hours to a first response, 1 to 2160 (a fraction is rounded up)",
            "the response deadline the reporter is promised (koban_deadline_hours)",
        ),
        RulePoint(
            "sensitive",
            "category",
            CATEGORY_FACTS,
            "true or false; true makes the category sensitive (a rule never makes a sensitive category public)",
            "which categories are sensitive: no free text, no exact location and no hotspot in public views",
        ),
        RulePoint(
            "alert_threshold",
            "category",
            CATEGORY_FACTS,
            "a whole number of reports, 1 to 10000, or null for the dashboard's default",
            "how many reports of the category in one neighbourhood cell in the recent window raise an emerging-"
            "problem alert on the dashboard",
        ),
    )
}
"""Every rule name core evaluates, by name. Other names in a rule set are kept (an app may evaluate them)."""

MAX_ALERT_THRESHOLD: Final = 10_000


def category_facts(tenant: Tenant, category: Category) -> dict[str, Any]:
    """What the category rules see."""
    return {
        "tenant": tenant.id,
        "category": category.code,
        "group": str(category.group),
        "sensitive": category.sensitive,
        "deadline_hours": category.deadline_hours,
        "maps_to": category.maps_to,
    }
