"""Dashboard views for staff, read from the aggregate counters only: the cost of a view grows with the days and
cells it covers, never with the number of reports (no report is read)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import asdict
from datetime import date, datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from koban.aggregation.contributions import (
    RESPONSE_BUCKETS_HOURS,
    cells_partition,
    days_partition,
    due_partition,
)
from koban.aggregation.service import aggregate_repository
from koban.auth import READ_REPORTS, Principal, require_staff
from koban.errors import FieldError, ValidationFailed
from koban.geo import RESOLUTIONS, cell_polygon
from koban.i18n import pick
from koban.reports.lifecycle import Status
from koban.tenants.models import Tenant
from koban.tenants.service import get_category, get_tenant, list_categories

MAX_PERIOD_DAYS = 400
DEFAULT_PERIOD_DAYS = 30
# Recent reports a cell needs before it is flagged as emerging, unless the tenant's `alert_threshold` rule says.
MIN_RECENT = 5


class Period(BaseModel):
    first: date
    last: date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


def period(first: date | None, last: date | None, today: date) -> Period:
    """The inclusive day range asked for (default: the last 30 days), checked."""
    last = last or today
    first = first or last - timedelta(days=DEFAULT_PERIOD_DAYS - 1)
    if first > last:
        raise ValidationFailed([FieldError("query.from", "must not be after 'to'")])
    if (last - first).days + 1 > MAX_PERIOD_DAYS:
        raise ValidationFailed([FieldError("query.from", f"a period may cover at most {MAX_PERIOD_DAYS} days")])
    return Period(first=first, last=last)


def _staff_tenant(tenant_id: str, principal: Principal | None) -> Tenant:
    require_staff(principal, tenant_id, READ_REPORTS)
    return get_tenant(tenant_id)


def _categories(tenant: Tenant, codes: Sequence[str]) -> set[str] | None:
    unknown = [code for code in codes if get_category(tenant, code) is None]
    if unknown:
        raise ValidationFailed([FieldError("query.categories", f"not categories of {tenant.id}: {', '.join(unknown)}")])
    return set(codes) or None


def _resolution(resolution: int) -> int:
    if resolution not in RESOLUTIONS:
        allowed = ", ".join(str(r) for r in RESOLUTIONS)
        raise ValidationFailed([FieldError("query.resolution", f"must be one of {allowed}")])
    return resolution


def cell_counts(
    tenant: Tenant, span: Period, resolution: int, categories: set[str] | None
) -> dict[tuple[str, str], dict[date, int]]:
    """(cell, category) → {day → count} for the period: one range read of the resolution's partition."""
    raw = aggregate_repository().read_range(
        cells_partition(tenant.id, resolution), span.first.isoformat(), span.last.isoformat()
    )
    counts: dict[tuple[str, str], dict[date, int]] = defaultdict(dict)
    for key, count in raw.items():
        day, cell, category = key.split("#", 2)
        if count and (categories is None or category in categories):
            counts[(cell, category)][date.fromisoformat(day)] = count
    return counts


def hotspots(
    tenant_id: str,
    principal: Principal | None,
    span: Period,
    categories: Sequence[str],
    resolution: int,
    languages: list[str],
) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of the cells with reports in the period, with totals per category."""
    tenant = _staff_tenant(tenant_id, principal)
    counts = cell_counts(tenant, span, _resolution(resolution), _categories(tenant, categories))
    features = [
        cell_feature(cell, {"count": sum(by_category.values()), "by_category": dict(by_category.most_common())})
        for cell, by_category in cell_totals(counts)
    ]
    properties = {
        "resolution": resolution,
        "categories": {c.code: pick(c.name, languages) for c in list_categories(tenant)},
    }
    return feature_collection(tenant, span, features, properties)


def cell_totals(counts: dict[tuple[str, str], dict[date, int]]) -> list[tuple[str, Counter[str]]]:
    """Per cell, its reports by category over the days read; the busiest cell first."""
    per_cell: dict[str, Counter[str]] = defaultdict(Counter)
    for (cell, category), days in counts.items():
        per_cell[cell][category] += sum(days.values())
    return sorted(per_cell.items(), key=lambda item: -sum(item[1].values()))


def cell_feature(cell: str, properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "Feature",
        "id": cell,
        "geometry": {"type": "Polygon", "coordinates": [cell_polygon(cell)]},
        "properties": {"cell": cell, **properties},
    }


def feature_collection(
    tenant: Tenant, span: Period, features: list[dict[str, Any]], properties: dict[str, Any]
) -> dict[str, Any]:
    return {
        "type": "FeatureCollection",
        "features": features,
        "properties": {"tenant": tenant.id, "from": span.first.isoformat(), "to": span.last.isoformat(), **properties},
    }


def _day_counters(tenant: Tenant, span: Period) -> dict[str, int]:
    return aggregate_repository().read_range(days_partition(tenant.id), span.first.isoformat(), span.last.isoformat())


class SeriesPoint(BaseModel):
    start: date
    count: int


class Series(BaseModel):
    category: str
    name: str
    total: int
    points: list[SeriesPoint]


class TrendsOut(BaseModel):
    tenant: str
    interval: Literal["day", "week"]
    first: date
    last: date
    series: list[Series]


def _bucket(day: date, interval: str) -> date:
    return day - timedelta(days=day.weekday()) if interval == "week" else day


def trends(
    tenant_id: str,
    principal: Principal | None,
    span: Period,
    categories: Sequence[str],
    interval: Literal["day", "week"],
    languages: list[str],
) -> TrendsOut:
    """A series per category over the period, by day or by ISO week (Monday), zeros included."""
    tenant = _staff_tenant(tenant_id, principal)
    wanted = _categories(tenant, categories)
    counts: dict[str, Counter[date]] = defaultdict(Counter)
    for key, count in _day_counters(tenant, span).items():
        day, kind, value = key.split("#", 2) if key.count("#") >= 2 else (key, "", "")
        if kind == "cat" and (wanted is None or value in wanted):
            counts[value][_bucket(date.fromisoformat(day), interval)] += count
    starts = sorted({_bucket(span.first + timedelta(days=offset), interval) for offset in range(span.days)})
    series = []
    for code in sorted(counts, key=lambda c: -sum(counts[c].values())):
        category = get_category(tenant, code)
        series.append(
            Series(
                category=code,
                name=pick(category.name, languages) if category else code,
                total=sum(counts[code].values()),
                points=[SeriesPoint(start=start, count=counts[code].get(start, 0)) for start in starts],
            )
        )
    return TrendsOut(tenant=tenant.id, interval=interval, first=span.first, last=span.last, series=series)


class SummaryOut(BaseModel):
    tenant: str
    first: date
    last: date
    volume: int
    by_category: dict[str, int]
    by_channel: dict[str, int]
    by_language: dict[str, int]
    by_status: dict[str, int]
    median_hours_to_first_response: float | None
    share_given_feedback: float | None
    share_resolved: float | None
    overdue: int


def median_hours(buckets: Counter[int]) -> float | None:
    """The median of a histogram of response times, interpolated within its bucket."""
    total = sum(buckets.values())
    if not total:
        return None
    bounds = [0, *RESPONSE_BUCKETS_HOURS, RESPONSE_BUCKETS_HOURS[-1] * 2]
    half, seen = total / 2, 0
    for index in range(len(bounds) - 1):
        in_bucket = buckets.get(index, 0)
        if seen + in_bucket >= half and in_bucket:
            low, high = bounds[index], bounds[index + 1]
            return round(low + (high - low) * (half - seen) / in_bucket, 1)
        seen += in_bucket
    return float(bounds[-1])


def summary(tenant_id: str, principal: Principal | None, span: Period, now: datetime) -> SummaryOut:
    tenant = _staff_tenant(tenant_id, principal)
    dims: dict[str, Counter[str]] = defaultdict(Counter)
    buckets: Counter[int] = Counter()
    responded = 0
    for key, count in _day_counters(tenant, span).items():
        parts = key.split("#", 2)
        if len(parts) == 3 and parts[1] == "resp":
            buckets[int(parts[2])] += count
        elif len(parts) == 3:
            dims[parts[1]][parts[2]] += count
        elif len(parts) == 2 and parts[1] == "responded":
            responded += count
    volume = sum(dims["cat"].values())
    today = now.astimezone(tenant.zone).date()
    overdue = sum(
        count
        for day, count in aggregate_repository().read_range(due_partition(tenant.id), None, today.isoformat()).items()
        if day < today.isoformat()
    )
    return SummaryOut(
        tenant=tenant.id,
        first=span.first,
        last=span.last,
        volume=volume,
        by_category=dict(dims["cat"].most_common()),
        by_channel=dict(dims["channel"].most_common()),
        by_language=dict(dims["lang"].most_common()),
        by_status=dict(dims["status"].most_common()),
        median_hours_to_first_response=median_hours(buckets),
        share_given_feedback=round(responded / volume, 4) if volume else None,
        share_resolved=round(dims["status"][Status.RESOLVED.value] / volume, 4) if volume else None,
        overdue=overdue,
    )


class EmergingItem(BaseModel):
    cell: str
    category: str
    category_name: str
    recent_count: int
    recent_days: int
    baseline_count: int
    baseline_days: int
    expected_recent: float
    ratio: float
    p_value: float
    adjusted_p_value: float
    score: float
    neighbour_recent: int
    explanation: str
    geometry: dict[str, Any]


class EmergingOut(BaseModel):
    tenant: str
    last_day: date
    resolution: int
    recent_days: Annotated[int, Field(description="The recent window: this many local days ending with last_day")]
    baseline_days: Annotated[int, Field(description="The baseline: this many days just before the recent window")]
    method: str
    items: list[EmergingItem]


def emerging(
    tenant_id: str,
    principal: Principal | None,
    today: date,
    categories: Sequence[str],
    recent_days: int,
    baseline_days: int,
    resolution: int,
    languages: list[str],
) -> EmergingOut:
    """Cells × categories whose last `recent_days` stand significantly above their own baseline and their
    neighbours' (Poisson exceedance with neighbour smoothing and a false-discovery correction)."""
    from koban.dashboard.emerging import find_emerging

    tenant = _staff_tenant(tenant_id, principal)
    wanted = _categories(tenant, categories)
    span = Period(first=today - timedelta(days=recent_days + baseline_days - 1), last=today)
    counts = cell_counts(tenant, span, _resolution(resolution), wanted)
    # The tenant's `alert_threshold` rule sets, per category, the reports a cell needs before it is flagged.
    thresholds = {c.code: c.alert_threshold or MIN_RECENT for c in list_categories(tenant)}
    signals = [
        signal
        for signal in find_emerging(
            counts,
            today,
            recent_days=recent_days,
            baseline_days=baseline_days,
            min_recent=min(thresholds.values(), default=MIN_RECENT),
        )
        if signal.recent_count >= thresholds.get(signal.category, MIN_RECENT)
    ]
    language = languages[0] if languages else tenant.default_language
    items = []
    for signal in signals:
        category = get_category(tenant, signal.category)
        name = pick(category.name, [language, *languages]) if category else signal.category
        items.append(
            EmergingItem(
                **asdict(signal)
                | {
                    "expected_recent": round(signal.expected_recent, 3),
                    "ratio": round(signal.ratio, 2),
                    "score": round(signal.score, 2),
                },
                category_name=name,
                explanation=signal.explanation(language, name),
                geometry={"type": "Polygon", "coordinates": [cell_polygon(signal.cell)]},
            )
        )
    method = (
        f"Poisson-Gamma predictive exceedance of the last {recent_days} days over the cell's own {baseline_days}-day "
        "baseline, raised by its neighbours' rate, Benjamini-Hochberg corrected (alpha 0.01, at least the category's "
        f"alert threshold of recent reports, {MIN_RECENT} unless the tenant's rules say otherwise)"
    )
    return EmergingOut(
        tenant=tenant.id,
        last_day=today,
        resolution=resolution,
        recent_days=recent_days,
        baseline_days=baseline_days,
        method=method,
        items=items,
    )
