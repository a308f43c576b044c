"""Triage, routing and deadline of a new report: facts for the rules, then the plugin hooks in order."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel

from koban.plugins.host import plugin_manager
from koban.reports.models import Channel, Priority
from koban.tenants.models import Category, Tenant
from koban.tenants.service import tenant_rules


class TriageResult(BaseModel):
    priority: Priority
    unit: str
    deadline_hours: int
    expected_response_at: datetime


def rule_facts(
    tenant: Tenant, category: Category, answers: dict[str, Any], channel: Channel, occurred_at: datetime
) -> dict[str, Any]:
    """What JSONLogic rules see; times are local to the tenant (rules speak the residents' clock)."""
    local = occurred_at.astimezone(tenant.zone)
    return {
        "tenant": tenant.id,
        "category": category.code,
        "group": str(category.group),
        "sensitive": category.sensitive,
        "answers": answers,
        "channel": str(channel),
        "hour": local.hour,
        "weekday": local.isoweekday(),
        "deadline_hours": category.deadline_hours,
    }


def triage(
    tenant: Tenant,
    category: Category,
    answers: dict[str, Any],
    channel: Channel,
    occurred_at: datetime,
    received_at: datetime,
) -> TriageResult:
    hooks = plugin_manager().hook
    rules = tenant_rules(tenant)
    facts = rule_facts(tenant, category, answers, channel, occurred_at)

    priority_value = hooks.koban_triage(tenant=tenant, facts=facts, rules=rules)
    priority = Priority(priority_value) if priority_value in Priority._value2member_map_ else Priority.NORMAL
    facts["priority"] = str(priority)

    unit = hooks.koban_route(tenant=tenant, facts=facts, rules=rules)
    if not unit or tenant.unit(unit) is None:
        unit = category.default_unit if category.default_unit and tenant.unit(category.default_unit) else None
    unit = unit or tenant.units[0].code
    facts["unit"] = unit

    hours = hooks.koban_deadline_hours(tenant=tenant, facts=facts, rules=rules)
    deadline_hours = int(hours) if isinstance(hours, int | float) and hours >= 1 else category.deadline_hours
    return TriageResult(
        priority=priority,
        unit=unit,
        deadline_hours=deadline_hours,
        expected_response_at=received_at + timedelta(hours=deadline_hours),
    )
