"""Dashboard function: hotspots, trends, summary and emerging problems for staff, from aggregate counters only."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler.openapi.params import Query

from koban.auth import principal_from_event
from koban.dashboard.service import (
    EmergingOut,
    SummaryOut,
    TrendsOut,
    emerging,
    hotspots,
    period,
    summary,
    trends,
)
from koban.geo import FINE_RESOLUTION
from koban.http.api import create_app, lambda_entry
from koban.http.params import AcceptLanguage, TenantPath, languages
from koban.tenants.service import get_tenant

app = create_app()

From = Annotated[date | None, Query(alias="from", description="First day (local), default 30 days ago")]
To = Annotated[date | None, Query(alias="to", description="Last day (local), default today")]
Categories = Annotated[str, Query(max_length=2000, description="Comma-separated category codes; empty = all")]
Resolution = Annotated[int, Query(description="H3 resolution: 9 (a block) or 7 (a neighbourhood)")]


def _codes(categories: str) -> list[str]:
    return [code.strip() for code in categories.split(",") if code.strip()]


def _today(tenant: str) -> date:
    return datetime.now(UTC).astimezone(get_tenant(tenant).zone).date()


@app.get("/v1/tenants/<tenant>/dashboard/hotspots", summary="Hotspot cells (GeoJSON)", tags=["dashboard"])
def get_hotspots(
    tenant: TenantPath,
    first: From = None,
    last: To = None,
    categories: Categories = "",
    resolution: Resolution = FINE_RESOLUTION,
    accept_language: AcceptLanguage = None,
) -> dict[str, Any]:
    span = period(first, last, _today(tenant))
    principal = principal_from_event(app.current_event.raw_event)
    return hotspots(tenant, principal, span, _codes(categories), resolution, languages(accept_language))


@app.get("/v1/tenants/<tenant>/dashboard/trends", summary="Series per category", tags=["dashboard"])
def get_trends(
    tenant: TenantPath,
    first: From = None,
    last: To = None,
    categories: Categories = "",
    interval: Annotated[Literal["day", "week"], Query()] = "day",
    accept_language: AcceptLanguage = None,
) -> TrendsOut:
    span = period(first, last, _today(tenant))
    principal = principal_from_event(app.current_event.raw_event)
    return trends(tenant, principal, span, _codes(categories), interval, languages(accept_language))


@app.get("/v1/tenants/<tenant>/dashboard/summary", summary="Volume and accountability figures", tags=["dashboard"])
def get_summary(tenant: TenantPath, first: From = None, last: To = None) -> SummaryOut:
    span = period(first, last, _today(tenant))
    return summary(tenant, principal_from_event(app.current_event.raw_event), span, datetime.now(UTC))


@app.get(
    "/v1/tenants/<tenant>/dashboard/emerging",
    summary="Cells × categories significantly above their own baseline",
    tags=["dashboard"],
)
def get_emerging(
    tenant: TenantPath,
    last: To = None,
    categories: Categories = "",
    recent_days: Annotated[int, Query(ge=1, le=28)] = 7,
    baseline_days: Annotated[int, Query(ge=7, le=182)] = 28,
    resolution: Resolution = FINE_RESOLUTION,
    accept_language: AcceptLanguage = None,
) -> EmergingOut:
    principal = principal_from_event(app.current_event.raw_event)
    return emerging(
        tenant,
        principal,
        last or _today(tenant),
        _codes(categories),
        recent_days,
        baseline_days,
        resolution,
        languages(accept_language),
    )


lambda_handler = lambda_entry(app)
