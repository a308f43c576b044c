"""OpenAPI helpers: merge per-function documents into one, and render Swagger UI with its assets inlined."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from koban import __version__

API_TITLE = "KOBAN community policing API"
API_DESCRIPTION = (
    "Report intake, tenants and (in later versions) dashboards, App Factory and the assistant. "
    "Errors are RFC 9457 problem+json. Staff endpoints need a bearer token of the tenant in the path."
)


PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "RFC 9457 problem details; `errors` names each invalid field",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "message", "code"],
                "properties": {
                    "field": {"type": "string"},
                    "message": {"type": "string"},
                    "code": {"type": "string"},
                },
            },
        },
    },
}
PROBLEM_RESPONSES = {
    status: {
        "description": description,
        "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
    for status, description in (
        ("400", "Malformed request"),
        ("401", "A staff token is needed"),
        ("403", "The token's tenant or role does not allow this"),
        ("404", "Not found"),
        ("422", "Invalid fields (see `errors`)"),
    )
}


def merge_openapi(documents: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """One OpenAPI 3.1 document from several; paths and component schemas are unioned (names must agree)."""
    merged: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": API_TITLE, "version": __version__, "description": API_DESCRIPTION},
        "servers": [{"url": "/"}],
        "paths": {},
        "components": {
            "schemas": {},
            "securitySchemes": {
                "staffBearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
            },
        },
    }
    for document in documents:
        for path, operations in document.get("paths", {}).items():
            merged["paths"].setdefault(path, {}).update(operations)
        for name, schema in document.get("components", {}).get("schemas", {}).items():
            existing = merged["components"]["schemas"].setdefault(name, schema)
            if existing != schema:
                raise ValueError(f"two functions define different OpenAPI schemas named {name}")
    merged["components"]["schemas"]["Problem"] = PROBLEM_SCHEMA
    for operations in merged["paths"].values():
        for operation in operations.values():
            operation.setdefault("responses", {}).update(PROBLEM_RESPONSES)
    merged["paths"] = dict(sorted(merged["paths"].items()))
    merged["components"]["schemas"] = dict(sorted(merged["components"]["schemas"].items()))
    return merged


def swagger_page(spec_json: str) -> str:
    from aws_lambda_powertools.event_handler.openapi import swagger_ui
    from aws_lambda_powertools.event_handler.openapi.swagger_ui.html import generate_swagger_html

    assets = Path(swagger_ui.__file__).parent
    return generate_swagger_html(
        spec_json,
        (assets / "swagger-ui-bundle.min.js").read_text(encoding="utf-8"),
        (assets / "swagger-ui.min.css").read_text(encoding="utf-8"),
        "",
        None,
    )
