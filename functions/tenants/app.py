"""Tenants function: the pilot forces and their report taxonomies (public, read-only)."""

from __future__ import annotations

from koban.http.api import create_app, lambda_entry
from koban.http.params import AcceptLanguage, TenantPath, languages
from koban.tenants.schemas import CategoryListOut, TenantListOut, TenantOut
from koban.tenants.service import describe_categories, describe_tenant, describe_tenants
from koban.warmup import warm_up_for_snapshot

app = create_app()
warm_up_for_snapshot(services=())


@app.get("/v1/tenants", summary="List tenants", tags=["tenants"])
def list_tenants(accept_language: AcceptLanguage = None) -> TenantListOut:
    return describe_tenants(languages(accept_language))


@app.get("/v1/tenants/<tenant>", summary="One tenant", tags=["tenants"])
def get_tenant(tenant: TenantPath, accept_language: AcceptLanguage = None) -> TenantOut:
    return describe_tenant(tenant, languages(accept_language))


@app.get("/v1/tenants/<tenant>/categories", summary="Report categories, localised", tags=["tenants"])
def list_categories(tenant: TenantPath, accept_language: AcceptLanguage = None) -> CategoryListOut:
    return describe_categories(tenant, languages(accept_language))


lambda_handler = lambda_entry(app)
