"""Docs function: the OpenAPI 3.1 document of the whole /v1 API and Swagger UI (assets inlined: offline).

`openapi.json` beside this file is generated from every function's routes by `make openapi`; a test fails
when it is out of date, so the document never drifts from the handlers.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from aws_lambda_powertools.event_handler import Response

from koban.http.api import create_app, lambda_entry
from koban.http.docs import swagger_page

app = create_app()
SPEC_FILE = Path(__file__).with_name("openapi.json")


@lru_cache(maxsize=1)
def _spec() -> str:
    return SPEC_FILE.read_text(encoding="utf-8")


@app.get("/v1/openapi.json", summary="OpenAPI document", tags=["docs"], include_in_schema=False)
def openapi_document() -> Response[str]:
    return Response(status_code=200, content_type="application/json", body=_spec())


@app.get("/v1/docs", summary="Swagger UI", tags=["docs"], include_in_schema=False)
def swagger_ui() -> Response[str]:
    return Response(status_code=200, content_type="text/html; charset=utf-8", body=swagger_page(_spec()))


lambda_handler = lambda_entry(app)
