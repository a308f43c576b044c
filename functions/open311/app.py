"""Open311 function: GeoReport v2 (and FixMyStreet's updates extension) under /open311/v2/, JSON and XML.

Every route parses its path into (document, format), calls one logic function and renders the result in the
format asked for. Errors are Open311 errors (`[{code, description}]`) in that format, never problem+json.
"""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError

from koban.errors import KobanError, NotFound, ValidationFailed
from koban.http.api import create_app, lambda_entry
from koban.http.problems import error_headers, status_for
from koban.i18n import parse_accept_language
from koban.observability import logger
from koban.open311 import service
from koban.open311.formats import (
    Open311Document,
    discovery_document,
    error_document,
    parse_form,
    parse_format,
    render,
    requests_document,
    service_definition_document,
    services_document,
    updates_document,
)
from koban.ratelimit.service import Scope, admit_request
from koban.tenants.service import list_tenants

app = create_app()
PREFIX = "/open311/v2"


def _format_of_path() -> str:
    last = app.current_event.path.rstrip("/").rsplit("/", 1)[-1]
    try:
        return parse_format(last)[1]
    except ValueError:
        return "json"


def _reply(
    document: Open311Document, fmt: str, status: int = 200, headers: dict[str, str] | None = None
) -> Response[str]:
    body, content_type = render(document, fmt)
    return Response(status_code=status, content_type=content_type, body=body, headers=headers)


def _errors(status: int, descriptions: list[str], headers: dict[str, str] | None = None) -> Response[str]:
    return _reply(error_document([(status, text) for text in descriptions]), _format_of_path(), status, headers)


@app.exception_handler(KobanError)
def _domain_error(error: KobanError) -> Response[str]:
    status = status_for(error)
    if error.code == "storage_error":
        logger.exception("storage failure")
        return _errors(503, [error.detail], error_headers(error))
    if isinstance(error, ValidationFailed):
        return _errors(400, [f"{field.field}: {field.message}" for field in error.errors] or [error.detail])
    # Open311 knows 400, 403 and 404; a missing credential is a 403 there. A refused rate keeps its 429 and wait.
    return _errors({401: 403, 422: 400}.get(status, status), [error.detail], error_headers(error))


@app.exception_handler(RequestValidationError)
def _invalid(error: RequestValidationError) -> Response[str]:
    fields = [".".join(str(part) for part in e.get("loc", ())[1:]) or "request" for e in error.errors()]
    return _errors(400, [f"{field}: invalid value" for field in fields])


@app.not_found
def _no_route(_: NotFoundError) -> Response[str]:
    return _errors(404, [f"No Open311 resource at {app.current_event.path}."])


@app.exception_handler(Exception)
def _unexpected(_: Exception) -> Response[str]:
    logger.exception("unhandled error")
    return _errors(500, ["An internal error occurred; it has been logged."])


def _params() -> dict[str, str]:
    return {key: str(value) for key, value in (app.current_event.query_string_parameters or {}).items()}


def _languages() -> list[str]:
    return parse_accept_language(app.current_event.headers.get("accept-language"))


def _split(name: str, expected: str | None = None) -> tuple[str, str]:
    try:
        stem, fmt = parse_format(name)
    except ValueError as exc:
        raise ValidationFailed([], detail=str(exc)) from exc
    if expected is not None and stem != expected:
        raise NotFound(f"No Open311 resource '{name}'.")
    return stem, fmt


def _base_url() -> str:
    headers = app.current_event.headers
    host = headers.get("host") or "localhost"
    local = host.startswith(("127.", "localhost"))
    scheme = headers.get("x-forwarded-proto") or headers.get("X-Forwarded-Proto") or ("http" if local else "https")
    return f"{scheme}://{host}{PREFIX}"


@app.get("/open311/v2/<document>", include_in_schema=False)
def get_document(document: str) -> Response[str]:
    stem, fmt = _split(document)
    params = _params()
    jurisdiction_id = params.get("jurisdiction_id")
    payload: Open311Document
    if stem == "discovery":
        payload = discovery_document(service.discovery(_base_url(), [tenant.id for tenant in list_tenants()]))
    elif stem == "services":
        payload = services_document(service.services(jurisdiction_id, _languages()))
    elif stem == "requests":
        payload = requests_document(service.get_requests(jurisdiction_id, params, _languages()))
    elif stem == "servicerequestupdates":
        payload = updates_document(service.get_updates(jurisdiction_id, params))
    else:
        raise NotFound(f"No Open311 resource '{document}'.")
    return _reply(payload, fmt)


@app.post("/open311/v2/<document>", include_in_schema=False)
def post_request(document: str) -> Response[str]:
    _, fmt = _split(document, expected="requests")
    form = _form()
    jurisdiction_id = (form.get("jurisdiction_id") or [_params().get("jurisdiction_id", "")])[0] or None
    admit_request(Scope.OPEN311, jurisdiction_id or "", app.current_event.raw_event)
    created = service.post_request(jurisdiction_id, form)
    return _reply(requests_document(created), fmt, 201)


def _form() -> dict[str, list[str]]:
    event = app.current_event
    content_type = (event.headers.get("content-type") or event.headers.get("Content-Type") or "").lower()
    if content_type and not content_type.startswith("application/x-www-form-urlencoded"):
        raise ValidationFailed([], detail="POST requests as application/x-www-form-urlencoded")
    try:
        return parse_form(event.decoded_body or "")
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationFailed([], detail=f"The form cannot be read: {exc}") from exc


@app.get("/open311/v2/services/<service_file>", include_in_schema=False)
def get_service_definition(service_file: str) -> Response[str]:
    service_code, fmt = _split(service_file)
    definition = service.service_definition(_params().get("jurisdiction_id"), service_code, _languages())
    return _reply(service_definition_document(definition), fmt)


@app.get("/open311/v2/requests/<request_file>", include_in_schema=False)
def get_request(request_file: str) -> Response[str]:
    request_id, fmt = _split(request_file)
    found = service.get_request(_params().get("jurisdiction_id"), request_id, _languages())
    return _reply(requests_document(found), fmt)


@app.get("/open311/v2/tokens/<token_file>", include_in_schema=False)
def get_token(token_file: str) -> Response[str]:
    token, fmt = _split(token_file)
    return _reply(requests_document(service.get_token(_params().get("jurisdiction_id"), token)), fmt)


lambda_handler = lambda_entry(app)
