"""The local API Gateway: HTTP in, the REST proxy event the cloud sends to the same handler, HTTP out.

Routes come from `template.yaml` (API Gateway's rule: the most specific resource wins, literal segments over
`{param}` over `{proxy+}`), staff tokens are checked like the Cognito and Lambda authorizers do, and the event
carries every field API Gateway's REST proxy integration sets, so nothing in a handler can tell the two apart.
"""

from __future__ import annotations

import base64
import binascii
import fnmatch
import hashlib
import json
import logging
import mimetypes
import re
import threading
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, cast
from urllib.parse import parse_qsl, unquote, urlsplit

from koban_local.functions import Handler, LocalLambdaContext
from koban_local.running import Running
from koban_local.template import LOCAL_ACCOUNT_ID, Route, Template
from koban_local.tokens import ExpiredToken, InvalidToken, verify_staff_token

MAX_BODY_BYTES = 10 * 1024 * 1024  # API Gateway's payload limit
API_ID = "kobanlocal"  # ten lower-case characters, like a real REST API id
PROBLEM_CONTENT_TYPE = "application/problem+json"

log = logging.getLogger(__name__)

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_DEFAULT_ALLOWED_HEADERS = "Content-Type,Authorization,Accept-Language,Idempotency-Key,X-Tracking-Token"
_DEFAULT_PREFLIGHT_MAX_AGE = "600"
_ALL_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")
_CONTEXT_VARIABLE = re.compile(r"\$context\.([A-Za-z][A-Za-z0-9]*(?:\.[A-Za-z][A-Za-z0-9]*)*)")
# Headers the gateway sets itself; a handler's values for them would contradict the bytes on the wire.
_HOP_BY_HOP = frozenset({"content-length", "transfer-encoding", "connection", "keep-alive"})
# mimetypes reads the machine's tables; these must not depend on the machine.
_CONTENT_TYPES = {
    ".html": "text/html",
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".css": "text/css",
    ".json": "application/json",
    ".map": "application/json",
    ".svg": "image/svg+xml",
    ".webmanifest": "application/manifest+json",
    ".wasm": "application/wasm",
    ".woff2": "font/woff2",
    ".ico": "image/x-icon",
}


@dataclass
class _Reply:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    close: bool = False  # close the connection after this reply (the request body was not read to its end)
    function_id: str | None = None


class GatewayError(Exception):
    """An answer API Gateway gives itself, rendered from the template's GatewayResponses when it has one.

    `response_type` is API Gateway's name (UNAUTHORIZED, REQUEST_TOO_LARGE...); None for answers that only
    the local gateway gives (405, static files), which are always plain problem+json.
    """

    def __init__(
        self,
        response_type: str | None,
        status: int,
        message: str,
        *,
        headers: Sequence[tuple[str, str]] = (),
        close: bool = False,
    ) -> None:
        super().__init__(message)
        self.response_type = response_type
        self.status = status
        self.message = message
        self.headers = list(headers)
        self.close = close


def _problem(status: int, detail: str, request_id: str, headers: Sequence[tuple[str, str]] = ()) -> _Reply:
    """RFC 9457 problem+json in the shape of the template's gateway responses."""
    body = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "request_id": request_id,
    }
    return _Reply(status, [("Content-Type", PROBLEM_CONTENT_TYPE), *headers], json.dumps(body).encode())


@dataclass(frozen=True)
class _CompiledRoute:
    route: Route
    segments: tuple[str, ...]

    def match(self, parts: Sequence[str]) -> tuple[tuple[int, ...], dict[str, str]] | None:
        """(specificity, path parameters) if the route's path matches; lower specificity is more specific."""
        rank: list[int] = []
        parameters: dict[str, str] = {}
        for index, segment in enumerate(self.segments):
            if segment.startswith("{") and segment.endswith("+}"):
                rest = parts[index:]
                if not rest:
                    return None  # {proxy+} needs at least one segment, as in API Gateway
                parameters[segment[1:-2]] = "/".join(rest)
                return (*rank, 2), parameters
            if index >= len(parts):
                return None
            if segment.startswith("{") and segment.endswith("}"):
                if not parts[index]:
                    return None
                parameters[segment[1:-1]] = parts[index]
                rank.append(1)
            elif segment == parts[index]:
                rank.append(0)
            else:
                return None
        if len(parts) != len(self.segments):
            return None
        return tuple(rank), parameters


def _segments(path: str) -> tuple[str, ...]:
    stripped = path.strip("/")
    return tuple(stripped.split("/")) if stripped else ()


class LocalGateway(Running):
    """`with LocalGateway(template, handlers, "127.0.0.1", 0) as gateway:` serves in a background thread;
    `serve_forever()` serves in the calling thread. The socket is bound on construction, so `url` is known.

    `static_roots` maps URL prefixes (`/dashboard/`) to folders served as files, checked before the routes.
    """

    def __init__(
        self,
        template: Template,
        handlers: Mapping[str, Handler],
        host: str = "127.0.0.1",
        port: int = 8000,
        static_roots: Mapping[str, Path] | None = None,
    ) -> None:
        missing = sorted({route.function_id for route in template.routes} - set(handlers))
        if missing:
            raise KeyError(f"No handler loaded for the routed function(s): {', '.join(missing)}.")
        self.template = template
        self.handlers = handlers
        self.routes = [_CompiledRoute(route, _segments(route.path)) for route in template.routes]
        # Longest prefix first, so "/app/admin/" would win over "/app/".
        self.static_roots = {
            "/" + prefix.strip("/") + "/": Path(folder).resolve()
            for prefix, folder in sorted((static_roots or {}).items(), key=lambda item: -len(item[0]))
        }
        # A Lambda execution environment handles one event at a time, and handlers rely on it (powertools' resolver
        # keeps the current event on the app): concurrent requests to one function are served one after another.
        self._function_locks = {function_id: threading.Lock() for function_id in handlers}
        self._server = _Server((host, port), self)
        self._thread: threading.Thread | None = None
        self._serving = threading.Event()

    @property
    def host(self) -> str:
        return str(self._server.server_address[0])

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def serve_forever(self) -> None:
        self._serving.set()
        try:
            self._server.serve_forever(poll_interval=0.2)
        finally:
            self._serving.clear()

    def start(self) -> None:
        """Serve in a background thread."""
        if self._thread is not None:
            raise RuntimeError("The gateway is already serving.")
        self._thread = threading.Thread(target=self.serve_forever, name="koban-gateway", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and close the socket; open keep-alive connections end with their threads."""
        if self._thread is not None:
            # Safe even if the thread has not entered serve_forever yet: its loop then ends at once.
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        elif self._serving.is_set():  # serve_forever running in a thread of the caller's
            self._server.shutdown()
        self._server.server_close()

    # -- routing ---------------------------------------------------------------------------------------------

    def resolve(self, path: str) -> tuple[list[Route], dict[str, str]] | None:
        """The routes of the most specific resource matching `path` (all its methods), with its parameters."""
        parts = _segments(path)
        best: tuple[tuple[int, ...], dict[str, str], str] | None = None
        routes: list[Route] = []
        for compiled in self.routes:
            found = compiled.match(parts)
            if found is None:
                continue
            rank, parameters = found
            if best is None or rank < best[0]:
                best, routes = (rank, parameters, compiled.route.path), [compiled.route]
            elif rank == best[0] and compiled.route.path == best[2]:
                routes.append(compiled.route)
        return None if best is None else (routes, best[1])

    def _static_reply(self, method: str, path: str, query: str) -> _Reply | None:
        for prefix, root in self.static_roots.items():
            if path == prefix.rstrip("/"):
                location = prefix + (f"?{query}" if query else "")
                return _Reply(HTTPStatus.MOVED_PERMANENTLY, [("Location", location)])
            if not path.startswith(prefix):
                continue
            if method not in ("GET", "HEAD"):
                raise GatewayError(None, 405, "Static files are read-only.", headers=[("Allow", "GET, HEAD")])
            relative = unquote(path[len(prefix) :])
            if "\x00" in relative:
                raise GatewayError(None, 404, "No such file.")
            target = (root / relative).resolve()
            if not target.is_relative_to(root):  # "..", or a symbolic link out of the folder
                raise GatewayError(None, 404, "No such file.")
            if target.is_dir():
                if not path.endswith("/"):
                    return _Reply(HTTPStatus.MOVED_PERMANENTLY, [("Location", path + "/")])
                target = target / "index.html"
            if not target.is_file() and "." not in relative.rsplit("/", 1)[-1]:
                # A single-page app's own route (/app/pilot-nl/report): its index.html, as the template's
                # CloudFront routing function (WebPageRouting) does in the cloud.
                target = root / "index.html"
            if not target.is_file():
                raise GatewayError(None, 404, "No such file.")
            headers = [
                ("Content-Type", _content_type(target)),
                ("Cache-Control", "no-cache"),
                *self.template.page_headers,
            ]
            return _Reply(200, headers, target.read_bytes())
        return None

    # -- one request -----------------------------------------------------------------------------------------

    def handle(self, request: _RequestHandler) -> _Reply:
        """Answer one HTTP request; every answer carries API Gateway's request id headers."""
        request_id = str(uuid.uuid4())
        try:
            reply = self._handle(request, request_id)
        except GatewayError as error:
            reply = self.error_reply(error, request_id, request)
        reply.headers.append(("x-amzn-RequestId", request_id))
        return reply

    def _handle(self, request: _RequestHandler, request_id: str) -> _Reply:
        method = request.command
        target = request.path
        if target.startswith(("http://", "https://")):  # absolute-form request target
            split = urlsplit(target)
            target = split.path + (f"?{split.query}" if split.query else "")
        path, _, query = target.partition("#")[0].partition("?")
        body = request.read_body()  # always, so that a keep-alive connection stays in step
        static = self._static_reply(method, path, query)
        if static is not None:
            return static
        resolved = self.resolve(path)
        if resolved is None:
            # API Gateway's response type for "no such resource or method".
            raise GatewayError("MISSING_AUTHENTICATION_TOKEN", 404, f"No route for {method} {path}.")
        routes, parameters = resolved
        methods = sorted({route.method for route in routes})
        route = next((r for r in routes if r.method == method), None) or next(
            (r for r in routes if r.method == "ANY" and method != "OPTIONS"), None
        )
        if route is None and method == "OPTIONS":
            return self._preflight(request, methods)
        if route is None:
            allow = ", ".join(sorted({*methods, "OPTIONS"}))
            raise GatewayError(None, 405, f"{path} does not support {method}.", headers=[("Allow", allow)])
        authorizer = self._authorize(route, request.headers.get("Authorization"))
        event = self._event(request, route, parameters, path, query, body, authorizer, request_id)
        reply = self._invoke(route, event, request_id)
        reply.function_id = route.function_id
        reply.headers.append(("x-amz-apigw-id", event["requestContext"]["extendedRequestId"]))
        return reply

    def error_reply(self, error: GatewayError, request_id: str, request: BaseHTTPRequestHandler) -> _Reply:
        """`error` as API Gateway would send it: the template's gateway response for its type, else
        DEFAULT_4XX/DEFAULT_5XX, else plain problem+json."""
        family = "DEFAULT_4XX" if error.status < 500 else "DEFAULT_5XX"
        responses = self.template.gateway_responses
        configured = None
        if error.response_type is not None:
            configured = responses.get(error.response_type) or responses.get(family)
        if configured is None:
            reply = _problem(error.status, error.message, request_id, error.headers)
        else:
            headers = []
            for name, expression in configured.headers.items():
                value = _header_value(expression, request)
                if value is not None:
                    headers.append((name, value))
            named = {name.lower() for name, _ in headers}
            headers += [(name, value) for name, value in error.headers if name.lower() not in named]
            content_type, template = next(
                iter(configured.templates.items()),
                ("application/json", '{"message":$context.error.messageString}'),
            )
            variables = {
                "error.message": error.message,
                "error.messageString": json.dumps(error.message),
                "error.responseType": error.response_type or family,
                "requestId": request_id,
                "stage": self.template.stage,
                "httpMethod": request.command,
            }
            body = _CONTEXT_VARIABLE.sub(lambda match: variables.get(match.group(1), ""), template)
            status = configured.status_code or error.status
            reply = _Reply(status, [("Content-Type", content_type), *headers], body.encode())
        reply.close = error.close
        return reply

    def _preflight(self, request: _RequestHandler, methods: list[str]) -> _Reply:
        """CORS preflight for a path without an OPTIONS route of its own (SAM's `Cors` mock integration)."""
        cors = self.template.cors
        allowed = _ALL_METHODS if "ANY" in methods else sorted({*methods, "OPTIONS"})
        requested_headers = request.headers.get("Access-Control-Request-Headers")
        origin = cors.allow_origin if cors else request.headers.get("Origin") or "*"
        headers = [
            ("Access-Control-Allow-Origin", origin),
            ("Access-Control-Allow-Methods", (cors.allow_methods if cors else None) or ",".join(allowed)),
            (
                "Access-Control-Allow-Headers",
                (cors.allow_headers if cors else None) or requested_headers or _DEFAULT_ALLOWED_HEADERS,
            ),
            ("Access-Control-Max-Age", (cors.max_age if cors else None) or _DEFAULT_PREFLIGHT_MAX_AGE),
        ]
        if cors and cors.allow_credentials:
            headers.append(("Access-Control-Allow-Credentials", "true"))
        return _Reply(204, headers)

    def _authorize(self, route: Route, authorization: str | None) -> dict[str, Any] | None:
        """requestContext.authorizer as the route's authorizer sets it; GatewayError 401 when refused."""
        if route.authorizer is None:
            return None
        kind = self.template.authorizers[route.authorizer]
        if not authorization:
            if kind == "lambda":  # the optional staff authorizer lets citizens through anonymously
                return {"principalId": "anonymous"}
            message = "This endpoint needs a staff bearer token: Authorization: Bearer <token>."
            raise GatewayError("UNAUTHORIZED", 401, message, headers=[("WWW-Authenticate", "Bearer")])
        scheme, _, credentials = authorization.strip().partition(" ")
        # Cognito accepts the raw token as well as "Bearer <token>"; so does the local gateway.
        token = credentials.strip() if scheme.lower() == "bearer" else authorization.strip()
        try:
            claims = verify_staff_token(token)
        except InvalidToken as error:
            response_type = "EXPIRED_TOKEN" if isinstance(error, ExpiredToken) else "UNAUTHORIZED"
            raise GatewayError(response_type, 401, error.detail, headers=[("WWW-Authenticate", "Bearer")]) from None
        groups = ",".join(claims["cognito:groups"])  # REST authorizers pass claims as strings
        if kind == "lambda":
            return {
                "principalId": claims["sub"],
                "sub": claims["sub"],
                "custom:tenant": claims["custom:tenant"],
                "cognito:groups": groups,
            }
        names = ("sub", "custom:tenant", "token_use", "iss", "aud")
        return {"claims": {**{name: str(claims[name]) for name in names}, "cognito:groups": groups}}

    def _event(
        self,
        request: _RequestHandler,
        route: Route,
        parameters: dict[str, str],
        path: str,
        query: str,
        body: bytes,
        authorizer: dict[str, Any] | None,
        request_id: str,
    ) -> dict[str, Any]:
        headers: dict[str, str] = {}
        multi_headers: dict[str, list[str]] = {}
        for name, value in request.headers.items():
            headers[name] = value
            multi_headers.setdefault(name, []).append(value)
        # API Gateway adds these for the integration; the client's own values (a proxy's) are kept.
        present = {name.lower() for name in headers}
        client_ip = request.client_address[0]
        for name, value in (
            ("X-Forwarded-For", client_ip),
            ("X-Forwarded-Port", str(self.port)),
            ("X-Forwarded-Proto", "http"),
        ):
            if name.lower() not in present:
                headers[name] = value
                multi_headers[name] = [value]
        query_pairs = parse_qsl(query, keep_blank_values=True)
        multi_query: dict[str, list[str]] = {}
        for name, value in query_pairs:
            multi_query.setdefault(name, []).append(value)
        text, is_base64 = self._event_body(body, request.headers.get("Content-Type"))
        now = datetime.now(UTC)
        host = request.headers.get("Host") or f"{self.host}:{self.port}"
        extended_request_id = base64.b32encode(uuid.uuid4().bytes[:10]).decode().rstrip("=")[:16]
        request_context: dict[str, Any] = {
            "accountId": LOCAL_ACCOUNT_ID,
            "apiId": API_ID,
            "resourceId": hashlib.sha1(route.path.encode(), usedforsecurity=False).hexdigest()[:6],
            "resourcePath": route.path,
            "httpMethod": request.command,
            "extendedRequestId": extended_request_id,
            "requestTime": f"{now:%d}/{_MONTHS[now.month - 1]}/{now:%Y:%H:%M:%S} +0000",
            "requestTimeEpoch": int(now.timestamp() * 1000),
            "path": f"/{self.template.stage}{path}",
            "protocol": request.request_version,
            "stage": self.template.stage,
            "domainPrefix": host.split(".", 1)[0],
            "requestId": request_id,
            "identity": {
                "cognitoIdentityPoolId": None,
                "cognitoIdentityId": None,
                "apiKey": None,
                "apiKeyId": None,
                "principalOrgId": None,
                "cognitoAuthenticationType": None,
                "cognitoAuthenticationProvider": None,
                "userArn": None,
                "userAgent": request.headers.get("User-Agent"),
                "accountId": None,
                "caller": None,
                "sourceIp": client_ip,
                "accessKey": None,
                "user": None,
            },
            "domainName": host,
        }
        if authorizer is not None:
            request_context["authorizer"] = authorizer
        return {
            "resource": route.path,
            "path": path,
            "httpMethod": request.command,
            "headers": headers,
            "multiValueHeaders": multi_headers,
            "queryStringParameters": {name: values[-1] for name, values in multi_query.items()} or None,
            "multiValueQueryStringParameters": multi_query or None,
            "pathParameters": parameters or None,
            "stageVariables": None,
            "requestContext": request_context,
            "body": text,
            "isBase64Encoded": is_base64,
        }

    def _event_body(self, body: bytes, content_type: str | None) -> tuple[str | None, bool]:
        if not body:
            return None, False
        media_type = (content_type or "").split(";", 1)[0].strip().lower()
        binary = bool(media_type) and any(
            fnmatch.fnmatchcase(media_type, pattern.lower()) for pattern in self.template.binary_media_types
        )
        if not binary:
            try:
                return body.decode("utf-8"), False
            except UnicodeDecodeError:
                pass
        return base64.b64encode(body).decode("ascii"), True

    def _invoke(self, route: Route, event: dict[str, Any], request_id: str) -> _Reply:
        function = self.template.functions[route.function_id]
        context = LocalLambdaContext(
            function.logical_id, memory_limit_in_mb=function.memory_size, timeout_seconds=function.timeout
        )
        try:
            with self._function_locks[route.function_id]:
                response = self.handlers[route.function_id](event, context)
        except Exception:
            # API Gateway answers a crashed integration with 502 and a fixed message; the trace stays here.
            log.exception("%s raised while handling request %s", route.function_id, request_id)
            raise GatewayError("INTEGRATION_FAILURE", 502, "Internal server error") from None
        try:
            return _reply_from(response)
        except (TypeError, ValueError, binascii.Error) as error:
            log.error(
                "%s returned a malformed Lambda proxy response (%s) for request %s",
                route.function_id,
                error,
                request_id,
            )
            raise GatewayError("INTEGRATION_FAILURE", 502, "Internal server error") from None


def _header_value(expression: str, request: BaseHTTPRequestHandler) -> str | None:
    """A gateway response header mapping: "'literal'" or method.request.header.<Name>."""
    expression = str(expression).strip()
    if len(expression) >= 2 and expression[0] == expression[-1] == "'":
        return expression[1:-1]
    prefix = "method.request.header."
    if expression.startswith(prefix):
        return request.headers.get(expression[len(prefix) :])
    return None


def _reply_from(response: Any) -> _Reply:
    """The handler's proxy response as HTTP; TypeError/ValueError if API Gateway would reject it."""
    if not isinstance(response, Mapping):
        raise TypeError(f"the response is a {type(response).__name__}, not an object")
    status = int(response.get("statusCode", 0))
    if not 100 <= status <= 599:
        raise ValueError(f"statusCode {response.get('statusCode')!r} is not an HTTP status")
    body = response.get("body")
    if body is not None and not isinstance(body, str):
        raise TypeError("body must be a string")
    raw = b""
    if body:
        raw = base64.b64decode(body, validate=True) if response.get("isBase64Encoded") else body.encode("utf-8")
    # API Gateway merges both header maps; a pair present in both appears once.
    headers: list[tuple[str, str]] = []
    for name, values in (response.get("multiValueHeaders") or {}).items():
        headers += [(str(name), str(value)) for value in (values or [])]
    seen = {(name.lower(), value) for name, value in headers}
    for name, value in (response.get("headers") or {}).items():
        if (str(name).lower(), str(value)) not in seen:
            headers.append((str(name), str(value)))
    headers = [(name, value) for name, value in headers if name.lower() not in _HOP_BY_HOP]
    if not any(name.lower() == "content-type" for name, _ in headers):
        headers.append(("Content-Type", "application/json"))  # API Gateway's default
    return _Reply(status, headers, raw)


def _content_type(path: Path) -> str:
    content_type = _CONTENT_TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0]
    if content_type is None:
        return "application/octet-stream"
    if content_type.startswith("text/") or content_type in ("application/json", "application/manifest+json"):
        return f"{content_type}; charset=utf-8"
    return content_type


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # A keep-alive connection may stay open for minutes; shutting down must not wait for it.
    block_on_close = False

    def __init__(self, address: tuple[str, int], gateway: LocalGateway) -> None:
        self.gateway = gateway
        super().__init__(address, _RequestHandler)


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive
    disable_nagle_algorithm = True  # else every keep-alive request stalls ~60 ms (DESIGN.md §8)
    server_version = "koban-local"
    timeout = 120  # seconds an idle keep-alive connection is kept

    # http.server dispatches on the method name; API Gateway knows these seven.
    def do_GET(self) -> None:
        self._serve()

    def do_HEAD(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def do_PATCH(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def do_OPTIONS(self) -> None:
        self._serve()

    def handle_expect_100(self) -> bool:
        """Refuse an oversized body before the client sends it."""
        length = self.headers.get("Content-Length", "")
        if length.isdigit() and int(length) > MAX_BODY_BYTES:
            gateway = cast(_Server, self.server).gateway
            error = GatewayError("REQUEST_TOO_LARGE", 413, _too_large_detail(), close=True)
            self._write(gateway.error_reply(error, str(uuid.uuid4()), self))
            return False
        return super().handle_expect_100()

    def read_body(self) -> bytes:
        """The request body (Content-Length or chunked), at most MAX_BODY_BYTES; raises GatewayError."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked()
        length_text = self.headers.get("Content-Length")
        if length_text is None:
            return b""
        if not length_text.strip().isdigit():
            raise GatewayError("DEFAULT_4XX", 400, "Content-Length is not a number.", close=True)
        length = int(length_text)
        if length > MAX_BODY_BYTES:
            raise GatewayError("REQUEST_TOO_LARGE", 413, _too_large_detail(), close=True)
        body = self.rfile.read(length)
        if len(body) != length:
            raise GatewayError("DEFAULT_4XX", 400, "The body is shorter than its Content-Length.", close=True)
        return body

    def _read_chunked(self) -> bytes:
        body = bytearray()
        while True:
            size_line = self.rfile.readline(1024)
            try:
                size = int(size_line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                raise GatewayError("DEFAULT_4XX", 400, _MALFORMED_CHUNKS, close=True) from None
            if size == 0:
                while self.rfile.readline(8192) not in (b"\r\n", b"\n", b""):
                    pass  # trailers carry nothing an API Gateway integration would see
                return bytes(body)
            if len(body) + size > MAX_BODY_BYTES:
                raise GatewayError("REQUEST_TOO_LARGE", 413, _too_large_detail(), close=True)
            chunk = self.rfile.read(size)
            if len(chunk) != size or self.rfile.readline(3) not in (b"\r\n", b"\n"):
                raise GatewayError("DEFAULT_4XX", 400, _MALFORMED_CHUNKS, close=True)
            body += chunk

    def _serve(self) -> None:
        started = time.perf_counter()
        gateway = cast(_Server, self.server).gateway
        try:
            reply = gateway.handle(self)
        except Exception:  # a bug of the local gateway itself: answer, and keep serving
            log.exception("the local gateway failed on %s %s", self.command, self.path)
            reply = _problem(500, "The local gateway failed; see its log.", str(uuid.uuid4()))
            reply.close = True
        self._write(reply)
        elapsed_ms = (time.perf_counter() - started) * 1000
        # Like the cloud's access log, no query string: it can carry API keys and residents' search terms.
        log.info(
            '%s "%s %s %s" %d %d %.1fms%s',
            self.client_address[0],
            self.command,
            self.path.partition("?")[0],
            self.request_version,
            reply.status,
            len(reply.body),
            elapsed_ms,
            f" {reply.function_id}" if reply.function_id else "",
        )

    def _write(self, reply: _Reply) -> None:
        self.send_response(reply.status)
        for name, value in reply.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        if reply.close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command != "HEAD" and reply.body:
            self.wfile.write(reply.body)

    def version_string(self) -> str:
        """The Server header without the Python version."""
        return self.server_version

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Silenced: `_serve` writes one access line with more in it."""

    def log_message(self, format: str, *args: Any) -> None:
        log.warning("%s %s", self.address_string(), format % args)


_MALFORMED_CHUNKS = "The chunked request body is malformed."


def _too_large_detail() -> str:
    return f"The request body is larger than {MAX_BODY_BYTES // (1024 * 1024)} MB."
