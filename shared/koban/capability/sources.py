"""Gathers the `Facts` the live indicators read, with bounded reads only (see `koban.capability.indicators`):

AggregatesTable  DAYS#<tenant>         one Query, one item per day of the previous and current window
AggregatesTable  CELLS#<tenant>#r7     one Query, one item per day and H3 r5 region of both windows
ProblemsTable    PROBLEM#<tenant>      one Query from the first problem id of the previous window, ≤ MAX_PROBLEMS
ProblemsTable    PRIORITY#<tenant>     one Query (a tenant has tens of priorities)
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

from koban.aggregation.contributions import cells_partition, days_partition
from koban.aggregation.service import aggregate_repository
from koban.capability.indicators import Facts, PriorityFacts, ProblemFacts, Window
from koban.geo import COARSE_RESOLUTION, polygon_cells
from koban.ids import new_id
from koban.priorities.service import priority_repository
from koban.problems.models import OwnerKind, Problem, Stage
from koban.problems.service import problem_repository
from koban.tenants.models import Tenant

# Problems opened in two windows of a scorecard; a force opens tens to hundreds a year.
MAX_PROBLEMS = 1000


def area_cells(tenant: Tenant) -> frozenset[str]:
    """The neighbourhoods (H3 resolution-7 cells) whose centres lie in the tenant's area."""
    return _bbox_cells(tenant.area.bbox)


@lru_cache(maxsize=16)
def _bbox_cells(bbox: tuple[float, float, float, float]) -> frozenset[str]:
    west, south, east, north = bbox
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return frozenset(polygon_cells({"type": "Polygon", "coordinates": [ring]}, COARSE_RESOLUTION))


def first_id_on(day: date, tenant: Tenant) -> str:
    """The smallest problem id that can have been made on or after the start of `day` (local)."""
    start = datetime.combine(day, time.min, tzinfo=tenant.zone).astimezone(UTC)
    return new_id(int(start.timestamp() * 1000))[:10] + "0" * 10


def problem_facts(problem: Problem, tenant: Tenant) -> ProblemFacts:
    partner_actions = [action for action in problem.actions if action.owner_kind is OwnerKind.PARTNER]
    return ProblemFacts(
        opened_on=problem.created_at.astimezone(tenant.zone).date(),
        partners=len(problem.partners),
        partner_actions_done=sum(1 for action in partner_actions if action.status == "done"),
        partner_actions_open=sum(1 for action in partner_actions if action.status == "open"),
        evaluated=any(change.to_stage is Stage.EVALUATION for change in problem.history),
        satisfaction=tuple(feedback.satisfaction for feedback in problem.feedback),
    )


def gather_facts(tenant: Tenant, current: Window, previous: Window, today: date) -> Facts:
    aggregates = aggregate_repository()
    first, last = previous.first.isoformat(), current.last.isoformat()
    problems = problem_repository().opened_since(tenant.id, first_id_on(previous.first, tenant), MAX_PROBLEMS)
    end = datetime.combine(current.last + timedelta(days=1), time.min, tzinfo=tenant.zone)
    return Facts(
        main_language=tenant.languages[0] if tenant.languages else "en",
        today=today,
        days=aggregates.read_range(days_partition(tenant.id), first, last),
        cells=aggregates.read_range(cells_partition(tenant.id, COARSE_RESOLUTION), first, last),
        area_cells=area_cells(tenant),
        problems=[problem_facts(problem, tenant) for problem in problems if problem.created_at < end],
        priorities=[
            PriorityFacts(status=str(priority.status), votes=priority.votes)
            for priority in priority_repository().of_tenant(tenant.id)
        ],
    )
