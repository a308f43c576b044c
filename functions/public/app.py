"""Public function: the residents' transparency view of a tenant (no sign-in)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Query

from koban.dashboard.service import period
from koban.http.api import create_app, lambda_entry
from koban.http.params import AcceptLanguage, TenantPath, languages
from koban.public.service import public_hotspots
from koban.tenants.service import get_tenant

app = create_app()


@app.get(
    "/v1/tenants/<tenant>/public/hotspots",
    summary="Neighbourhood cells with at least k reports (no sensitive categories, no text)",
    tags=["public"],
)
def get_public_hotspots(
    tenant: TenantPath,
    first: Annotated[date | None, Query(alias="from")] = None,
    last: Annotated[date | None, Query(alias="to")] = None,
    accept_language: AcceptLanguage = None,
) -> dict[str, Any]:
    today = datetime.now(UTC).astimezone(get_tenant(tenant).zone).date()
    return public_hotspots(tenant, period(first, last, today), languages(accept_language))


lambda_handler = lambda_entry(app)
