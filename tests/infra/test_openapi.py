"""The published OpenAPI document is generated from the handlers, current, and valid OpenAPI 3.1."""

from __future__ import annotations

import json
from pathlib import Path

from openapi_spec_validator import validate

from koban_local.openapi import render_openapi
from koban_local.template import Template


def test_committed_openapi_document_matches_the_handlers(repo_root: Path) -> None:
    template = Template.load(repo_root / "template.yaml")
    committed = (repo_root / "functions" / "docs" / "openapi.json").read_text(encoding="utf-8")
    assert committed == render_openapi(template), "functions/docs/openapi.json is stale: run `make openapi`"


def test_openapi_document_is_valid_and_covers_every_template_route(repo_root: Path) -> None:
    template = Template.load(repo_root / "template.yaml")
    document = json.loads((repo_root / "functions" / "docs" / "openapi.json").read_text(encoding="utf-8"))
    validate(document)
    documented = {(path, method.upper()) for path, methods in document["paths"].items() for method in methods}
    # /open311 speaks GeoReport v2 (JSON and XML, Open311 errors); it is documented by its own specification.
    routes = {
        (route.path, route.method.upper())
        for route in template.routes
        if route.method != "OPTIONS" and not route.path.startswith("/open311/")
    }
    undocumented = routes - documented - {("/v1/openapi.json", "GET"), ("/v1/docs", "GET")}
    assert not undocumented


def test_staff_operations_declare_the_bearer_scheme(repo_root: Path) -> None:
    document = json.loads((repo_root / "functions" / "docs" / "openapi.json").read_text(encoding="utf-8"))
    queue = document["paths"]["/v1/tenants/{tenant}/reports"]
    assert queue["get"]["security"] == [{"staffBearer": []}]
    assert {} in queue["post"]["security"]  # citizens may submit without a token
    assert queue["post"]["responses"]["422"]["content"]["application/problem+json"]
