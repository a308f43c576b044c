"""Build the one OpenAPI document of the /v1 API from every function's own routes (template order)."""

from __future__ import annotations

import json
from typing import Any

from koban.http.docs import merge_openapi
from koban_local.functions import load_handler
from koban_local.template import Template


def build_openapi(template: Template) -> dict[str, Any]:
    documents = []
    for function in template.functions.values():
        if not function.routes:
            continue
        handler = load_handler(function.code_uri, function.handler, {})
        resolver = getattr(handler, "resolver", None)
        if resolver is None:
            continue
        schema = resolver.get_openapi_schema(title="KOBAN", version="0")
        documents.append(schema.model_dump(mode="json", by_alias=True, exclude_none=True))
    merged = merge_openapi(documents)
    _document_auth(template, merged)
    return merged


def _document_auth(template: Template, document: dict[str, Any]) -> None:
    """Security requirements come from the template's authorizers, so docs and gateway agree."""
    kinds = template.authorizers
    for route in template.routes:
        operation = document["paths"].get(route.path, {}).get(route.method.lower())
        if operation is None or route.authorizer is None:
            continue
        if kinds.get(route.authorizer) == "cognito":
            operation["security"] = [{"staffBearer": []}]
        else:  # optional staff: anonymous citizens or staff with a token
            operation["security"] = [{}, {"staffBearer": []}]


def render_openapi(template: Template) -> str:
    return json.dumps(build_openapi(template), indent=1, ensure_ascii=False, sort_keys=False) + "\n"
