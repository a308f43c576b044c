"""koban_local.gateway over real HTTP: the API Gateway REST proxy event, auth, errors, bodies, keep-alive.

The fixture template (tests/fixtures/gateway) routes to echo handlers that answer with the event they got.
"""

from __future__ import annotations

import base64
import http.client
import json
import logging
import socket
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
import pytest

from koban_local import tokens
from koban_local.functions import Handler, load_handler
from koban_local.gateway import MAX_BODY_BYTES, LocalGateway
from koban_local.template import Template

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "gateway"
PHYSICAL = {"EventsTable": "local-events", "FilesBucket": "local-files"}
EVENT_KEYS = {
    "resource",
    "path",
    "httpMethod",
    "headers",
    "multiValueHeaders",
    "queryStringParameters",
    "multiValueQueryStringParameters",
    "pathParameters",
    "stageVariables",
    "requestContext",
    "body",
    "isBase64Encoded",
}
REQUEST_CONTEXT_KEYS = {
    "accountId",
    "apiId",
    "resourceId",
    "resourcePath",
    "httpMethod",
    "path",
    "stage",
    "requestId",
    "extendedRequestId",
    "requestTime",
    "requestTimeEpoch",
    "protocol",
    "identity",
    "domainName",
}


@dataclass
class Answer:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        return next((value for key, value in self.headers if key.lower() == name.lower()), None)

    def header_values(self, name: str) -> list[str]:
        return [value for key, value in self.headers if key.lower() == name.lower()]

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def event(self) -> dict[str, Any]:
        event: dict[str, Any] = self.json()["event"]
        return event


@pytest.fixture(scope="module")
def template() -> Template:
    return Template.load(FIXTURE / "template.yaml")


@pytest.fixture(scope="module")
def handlers(template: Template) -> dict[str, Handler]:
    """Given both echo functions loaded; both are app.py with a sibling helpers.py."""
    return {
        function_id: load_handler(
            template.functions[function_id].code_uri,
            template.functions[function_id].handler,
            template.resolve_environment(function_id, PHYSICAL),
        )
        for function_id in ("EchoAFunction", "EchoBFunction")
    }


@pytest.fixture(scope="module")
def static_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("dashboard")
    (root / "index.html").write_text("<h1>dashboard</h1>", encoding="utf-8")
    (root / "app.js").write_text("console.log('hi')", encoding="utf-8")
    (root / "reports").mkdir()
    (root / "reports" / "index.html").write_text("<h1>reports</h1>", encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def gateway(template: Template, handlers: dict[str, Handler], static_root: Path) -> Iterator[LocalGateway]:
    with (
        pytest.MonkeyPatch.context() as patch,
        LocalGateway(template, handlers, "127.0.0.1", 0, {"/dashboard/": static_root}) as running,
    ):
        patch.setenv(tokens.SIGNING_KEY_VARIABLE, "gateway-test-key")
        yield running


def _request(
    gateway: LocalGateway,
    method: str,
    path: str,
    *,
    body: bytes | None = None,
    headers: list[tuple[str, str]] | None = None,
) -> Answer:
    connection = http.client.HTTPConnection("127.0.0.1", gateway.port, timeout=10)
    try:
        return _exchange(connection, method, path, body=body, headers=headers)
    finally:
        connection.close()


def _exchange(
    connection: http.client.HTTPConnection,
    method: str,
    path: str,
    *,
    body: bytes | None = None,
    headers: list[tuple[str, str]] | None = None,
) -> Answer:
    connection.putrequest(method, path, skip_accept_encoding=True)
    for name, value in headers or []:
        connection.putheader(name, value)
    if body is not None:
        connection.putheader("Content-Length", str(len(body)))
    connection.endheaders(body)
    response = connection.getresponse()
    return Answer(response.status, response.getheaders(), response.read())


def _raw(gateway: LocalGateway, data: bytes) -> Answer:
    """Send bytes as they are on a fresh socket and read one HTTP response."""
    with socket.create_connection(("127.0.0.1", gateway.port), timeout=10) as raw:
        raw.sendall(data)
        response = http.client.HTTPResponse(raw)
        response.begin()
        return Answer(response.status, response.getheaders(), response.read())


def _bearer(token: str) -> list[tuple[str, str]]:
    return [("Authorization", f"Bearer {token}")]


def test_given_a_get_when_routed_then_the_event_is_a_complete_rest_proxy_event(gateway: LocalGateway) -> None:
    answer = _request(
        gateway,
        "GET",
        "/v1/echo/hello%20world?tag=a&tag=b&single=x%2By",
        headers=[
            ("X-Custom-Case", "Value"),
            ("X-Multi", "1"),
            ("X-Multi", "2"),
            ("User-Agent", "pytest-agent"),
        ],
    )
    assert answer.status == 200
    event = answer.event
    assert set(event) == EVENT_KEYS
    assert event["resource"] == "/v1/echo/{name}"
    assert event["path"] == "/v1/echo/hello%20world"  # left encoded, as API Gateway does
    assert event["httpMethod"] == "GET"
    assert event["pathParameters"] == {"name": "hello%20world"}
    assert event["headers"]["X-Custom-Case"] == "Value"  # the client's header case
    assert event["headers"]["X-Multi"] == "2"
    assert event["multiValueHeaders"]["X-Multi"] == ["1", "2"]
    assert event["headers"]["X-Forwarded-For"] == "127.0.0.1"
    assert event["queryStringParameters"] == {"tag": "b", "single": "x+y"}
    assert event["multiValueQueryStringParameters"] == {"tag": ["a", "b"], "single": ["x+y"]}
    assert event["stageVariables"] is None
    assert (event["body"], event["isBase64Encoded"]) == (None, False)
    context = event["requestContext"]
    assert set(context) >= REQUEST_CONTEXT_KEYS
    assert "authorizer" not in context  # an open route, as in API Gateway
    assert context["resourcePath"] == "/v1/echo/{name}"
    assert context["path"] == "/v1/v1/echo/hello%20world"  # /<stage> + path
    assert context["stage"] == "v1"
    assert context["protocol"] == "HTTP/1.1"
    assert context["identity"]["sourceIp"] == "127.0.0.1"
    assert context["identity"]["userAgent"] == "pytest-agent"
    assert context["domainName"] == f"127.0.0.1:{gateway.port}"
    assert abs(context["requestTimeEpoch"] / 1000 - time.time()) < 60
    assert answer.header("x-amzn-RequestId") == context["requestId"]


def test_given_the_handler_response_when_written_then_headers_and_multi_value_headers_both_arrive(
    gateway: LocalGateway,
) -> None:
    answer = _request(gateway, "GET", "/v1/echo/x")
    assert answer.header_values("Set-Cookie") == ["a=1", "b=2"]
    assert answer.header("X-Single") == "one"
    assert answer.header("Content-Type") == "application/json"
    assert answer.header("Content-Length") == str(len(answer.body))


def test_given_two_functions_with_app_py_when_both_loaded_then_each_keeps_its_own_modules(
    gateway: LocalGateway,
) -> None:
    echo_a = _request(gateway, "GET", "/v1/echo/x").json()
    echo_b = _request(gateway, "GET", "/v1/other").json()
    assert (echo_a["helper"], echo_a["service"]) == ("helpers of echo_a", "echo-a")
    assert (echo_b["helper"], echo_b["service"]) == ("helpers of echo_b", "echo-b")
    assert echo_a["function_name"] == "EchoAFunction"
    assert 0 < echo_a["remaining_ms"] <= 10_000
    leaked = [
        name
        for name, module in sys.modules.items()
        if name in ("app", "helpers") and str(getattr(module, "__file__", "")).startswith(str(FIXTURE))
    ]
    assert leaked == []


def test_given_a_literal_and_a_parameter_route_when_both_match_then_the_literal_wins(
    gateway: LocalGateway,
) -> None:
    event = _request(gateway, "GET", "/v1/echo/special").event
    assert event["resource"] == "/v1/echo/special"
    assert event["pathParameters"] is None
    assert event["queryStringParameters"] is None
    assert event["multiValueQueryStringParameters"] is None


def test_given_a_greedy_route_when_matched_then_proxy_holds_the_rest_of_the_path(
    gateway: LocalGateway,
) -> None:
    event = _request(gateway, "GET", "/v1/files/a/b/c.txt").event
    assert event["resource"] == "/v1/files/{proxy+}"
    assert event["pathParameters"] == {"proxy": "a/b/c.txt"}
    assert _request(gateway, "GET", "/v1/files").status == 404  # {proxy+} needs at least one segment


def test_given_a_json_body_when_posted_then_it_arrives_as_text(gateway: LocalGateway) -> None:
    body = json.dumps({"text": "zażółć gęślą jaźń"}).encode()
    event = _request(gateway, "POST", "/v1/echo/x", body=body, headers=[("Content-Type", "application/json")]).event
    assert event["isBase64Encoded"] is False
    assert json.loads(event["body"]) == {"text": "zażółć gęślą jaźń"}


def test_given_a_binary_media_type_when_put_then_the_body_is_base64_both_ways(gateway: LocalGateway) -> None:
    payload = bytes(range(256)) * 4
    answer = _request(gateway, "PUT", "/v1/upload", body=payload, headers=[("Content-Type", "image/png")])
    assert answer.status == 200
    assert answer.header("Content-Type") == "image/png"
    assert answer.body == payload  # the handler's base64 body was decoded on the way out


def test_given_a_body_that_is_not_utf8_when_posted_then_it_arrives_base64(gateway: LocalGateway) -> None:
    payload = b"\xff\xfe\x00 not text"
    event = _request(gateway, "POST", "/v1/echo/x", body=payload, headers=[("Content-Type", "text/plain")]).event
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == payload


def test_given_a_chunked_body_when_sent_on_a_raw_socket_then_the_handler_gets_it_whole(
    gateway: LocalGateway,
) -> None:
    request = (
        b"POST /v1/echo/chunky HTTP/1.1\r\n"
        b"Host: localhost\r\n"
        b"Content-Type: text/plain\r\n"
        b"Transfer-Encoding: chunked\r\n"
        b"\r\n"
        b"3\r\nhel\r\n"
        b"6;ext=1\r\nlo wor\r\n"
        b"2\r\nld\r\n"
        b"0\r\n"
        b"X-Trailer: ignored\r\n"
        b"\r\n"
    )
    answer = _raw(gateway, request)
    assert answer.status == 200
    assert answer.event["body"] == "hello world"
    assert answer.event["headers"]["Transfer-Encoding"] == "chunked"


def test_given_a_cognito_route_without_a_token_when_called_then_401_is_the_templates_gateway_response(
    gateway: LocalGateway,
) -> None:
    answer = _request(gateway, "GET", "/v1/tenants/pilot-nl/things", headers=[("Origin", "https://app.example")])
    assert answer.status == 401
    assert answer.header("Content-Type") == "application/problem+json"
    assert answer.header("Access-Control-Allow-Origin") == "*"
    assert answer.header("X-Echo-Origin") == "https://app.example"  # method.request.header.Origin
    assert answer.header("WWW-Authenticate") == "Bearer"
    problem = answer.json()
    assert {key: problem[key] for key in ("type", "title", "status")} == {
        "type": "about:blank",
        "title": "Unauthorized",
        "status": 401,
    }
    assert "bearer token" in problem["detail"]
    assert problem["request_id"] == answer.header("x-amzn-RequestId")


@pytest.mark.parametrize("authorization", ["Bearer garbage", "Bearer ", "Basic dXNlcjpwYXNz"])
def test_given_a_cognito_route_with_a_bad_token_when_called_then_401(gateway: LocalGateway, authorization: str) -> None:
    answer = _request(gateway, "GET", "/v1/tenants/pilot-nl/things", headers=[("Authorization", authorization)])
    assert answer.status == 401
    assert answer.json()["status"] == 401


def test_given_a_token_signed_with_another_key_when_called_then_401(gateway: LocalGateway) -> None:
    claims = {"sub": "x", "custom:tenant": "pilot-nl", "cognito:groups": ["admin"], "token_use": "id"}
    forged = jwt.encode({**claims, "iss": "koban-local", "aud": "koban-local", "iat": 0, "exp": 2**40}, "x" * 32)
    answer = _request(gateway, "GET", "/v1/tenants/pilot-nl/things", headers=_bearer(forged))
    assert answer.status == 401
    assert "signature" in answer.json()["detail"]


def test_given_an_expired_token_when_called_then_401_says_it_expired(gateway: LocalGateway) -> None:
    claims = {"sub": "x", "custom:tenant": "pilot-nl", "cognito:groups": ["officer"], "token_use": "id"}
    timing = {"iss": "koban-local", "aud": "koban-local", "iat": 1_000, "exp": 2_000}
    expired = jwt.encode({**claims, **timing}, tokens._key("staff-token"), algorithm="HS256")
    answer = _request(gateway, "GET", "/v1/tenants/pilot-nl/things", headers=_bearer(expired))
    assert answer.status == 401
    # No EXPIRED_TOKEN response in the fixture: the local gateway's own problem+json.
    assert answer.header("Content-Type") == "application/problem+json"
    assert "expired" in answer.json()["detail"]


def test_given_a_valid_token_when_calling_a_cognito_route_then_the_claims_are_injected(
    gateway: LocalGateway,
) -> None:
    token = tokens.issue_staff_token("pilot-nl", "officer", subject="officer-1")
    event = _request(gateway, "GET", "/v1/tenants/pilot-nl/things", headers=_bearer(token)).event
    claims = event["requestContext"]["authorizer"]["claims"]
    assert claims["sub"] == "officer-1"
    assert claims["custom:tenant"] == "pilot-nl"
    assert claims["cognito:groups"] == "officer"  # a string, as REST Cognito authorizers send it
    assert event["pathParameters"] == {"tenant": "pilot-nl"}


def test_given_a_raw_token_without_scheme_when_called_then_it_is_accepted_like_cognito_does(
    gateway: LocalGateway,
) -> None:
    token = tokens.issue_staff_token("pilot-pl", "admin")
    answer = _request(gateway, "GET", "/v1/tenants/pilot-pl/things", headers=[("Authorization", token)])
    assert answer.status == 200


def test_given_the_optional_authorizer_without_a_token_when_called_then_the_caller_is_anonymous(
    gateway: LocalGateway,
) -> None:
    event = _request(gateway, "POST", "/v1/optional", body=b"{}", headers=[("Content-Type", "application/json")]).event
    assert event["requestContext"]["authorizer"] == {"principalId": "anonymous"}


def test_given_the_optional_authorizer_with_a_token_when_called_then_the_context_is_flat(
    gateway: LocalGateway,
) -> None:
    token = tokens.issue_staff_token("pilot-fi", "supervisor", subject="sup-1")
    event = _request(gateway, "POST", "/v1/optional", body=b"{}", headers=_bearer(token)).event
    assert event["requestContext"]["authorizer"] == {
        "principalId": "sup-1",
        "sub": "sup-1",
        "custom:tenant": "pilot-fi",
        "cognito:groups": "supervisor",
    }
    assert _request(gateway, "POST", "/v1/optional", body=b"{}", headers=_bearer("bad")).status == 401


def test_given_a_preflight_when_the_path_is_known_then_204_with_the_templates_cors(
    gateway: LocalGateway,
) -> None:
    answer = _request(
        gateway,
        "OPTIONS",
        "/v1/echo/x",
        headers=[("Origin", "https://app.example"), ("Access-Control-Request-Method", "POST")],
    )
    assert answer.status == 204
    assert answer.body == b""
    assert answer.header("Access-Control-Allow-Origin") == "*"
    assert answer.header("Access-Control-Allow-Headers") == "Content-Type,Authorization,Idempotency-Key"
    assert answer.header("Access-Control-Max-Age") == "600"
    assert "POST" in (answer.header("Access-Control-Allow-Methods") or "")
    assert _request(gateway, "OPTIONS", "/v1/nowhere").status == 404


def test_given_an_unknown_route_when_called_then_404_problem_json(gateway: LocalGateway) -> None:
    answer = _request(gateway, "GET", "/v1/nowhere")
    assert answer.status == 404
    assert answer.header("Content-Type") == "application/problem+json"
    problem = answer.json()
    assert {"type", "title", "status", "detail"} <= set(problem)
    assert problem["status"] == 404


def test_given_a_known_path_with_a_wrong_method_when_called_then_405_with_allow(
    gateway: LocalGateway,
) -> None:
    answer = _request(gateway, "DELETE", "/v1/other")
    assert answer.status == 405
    assert answer.header("Allow") == "GET, OPTIONS"
    assert answer.header("Content-Type") == "application/problem+json"
    problem = answer.json()
    assert (problem["type"], problem["title"], problem["status"]) == (
        "about:blank",
        "Method Not Allowed",
        405,
    )
    assert "DELETE" in problem["detail"]


def test_given_a_declared_body_over_10_mb_when_sent_then_413_and_the_connection_closes(
    gateway: LocalGateway,
) -> None:
    head = f"PUT /v1/upload HTTP/1.1\r\nHost: localhost\r\nContent-Length: {MAX_BODY_BYTES + 1}\r\n\r\n"
    answer = _raw(gateway, head.encode())
    assert answer.status == 413
    assert answer.header("Connection") == "close"
    assert answer.json()["status"] == 413


def test_given_a_chunked_body_over_10_mb_when_sent_then_413(gateway: LocalGateway) -> None:
    head = b"POST /v1/echo/x HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n"
    answer = _raw(gateway, head + f"{MAX_BODY_BYTES + 1:x}\r\n".encode())
    assert answer.status == 413


def test_given_a_body_of_exactly_10_mb_when_sent_then_it_is_accepted(gateway: LocalGateway) -> None:
    answer = _request(
        gateway, "PUT", "/v1/upload", body=b"\x00" * MAX_BODY_BYTES, headers=[("Content-Type", "image/png")]
    )
    assert answer.status == 200


def test_given_a_handler_that_raises_when_called_then_502_without_the_trace(
    gateway: LocalGateway, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="koban_local.gateway"):
        answer = _request(gateway, "GET", "/v1/crash")
    assert answer.status == 502
    assert answer.header("Content-Type") == "application/problem+json"
    assert answer.json()["detail"] == "Internal server error"
    assert b"secret-internal-detail" not in answer.body
    assert b"Traceback" not in answer.body
    assert "secret-internal-detail" in caplog.text  # the trace is logged on the server side


def test_given_one_connection_when_many_requests_then_it_is_kept_alive(gateway: LocalGateway) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", gateway.port, timeout=10)
    try:
        _exchange(connection, "GET", "/v1/other")
        first_socket = connection.sock
        statuses = [_exchange(connection, "GET", "/v1/other").status for _ in range(20)]
        # Errors with a body the handler never saw keep the connection in step too.
        statuses.append(_exchange(connection, "POST", "/v1/nowhere", body=b"ignored").status)
        statuses.append(_exchange(connection, "GET", "/v1/other").status)
        assert connection.sock is first_socket
    finally:
        connection.close()
    assert statuses == [200] * 20 + [404, 200]


def test_given_a_request_when_served_then_one_access_line_is_logged(
    gateway: LocalGateway, caplog: pytest.LogCaptureFixture
) -> None:
    # A path no other test requests: other tests' access lines may trail their responses into this one.
    marker = f"/v1/echo/access-log-{uuid.uuid4().hex}"
    with caplog.at_level(logging.INFO, logger="koban_local.gateway"):
        _request(gateway, "GET", f"{marker}?api_key=secret-key")
        # The line is written once the response is sent, so it may trail the client by a moment.
        deadline = time.monotonic() + 5
        while f"{marker} " not in caplog.text and time.monotonic() < deadline:
            time.sleep(0.01)
    messages = [record.getMessage() for record in caplog.records if record.name == "koban_local.gateway"]
    lines = [message for message in messages if f"{marker} " in message]
    assert len(lines) == 1
    assert f'"GET {marker} HTTP/1.1" 200' in lines[0]  # the query string (api_key=...) is not logged
    assert "secret-key" not in lines[0]
    assert lines[0].endswith("EchoAFunction")


def test_given_a_static_root_when_browsed_then_files_are_served_with_their_types(
    gateway: LocalGateway,
) -> None:
    redirect = _request(gateway, "GET", "/dashboard")
    assert (redirect.status, redirect.header("Location")) == (301, "/dashboard/")
    index = _request(gateway, "GET", "/dashboard/")
    assert (index.status, index.body) == (200, b"<h1>dashboard</h1>")
    assert index.header("Content-Type") == "text/html; charset=utf-8"
    # The same security headers as CloudFront gives the pages in the cloud (the template's policy)
    assert index.header("Content-Security-Policy") == "default-src 'self'"
    assert index.header("X-Frame-Options") == "DENY"
    script = _request(gateway, "GET", "/dashboard/app.js")
    assert script.header("Content-Type") == "text/javascript; charset=utf-8"
    assert _request(gateway, "GET", "/dashboard/reports").header("Location") == "/dashboard/reports/"
    assert _request(gateway, "GET", "/dashboard/reports/").body == b"<h1>reports</h1>"


def test_given_a_static_root_when_a_route_of_the_page_is_asked_then_its_index_is_served(
    gateway: LocalGateway,
) -> None:
    assert _request(gateway, "GET", "/dashboard/problems/42").body == b"<h1>dashboard</h1>"
    assert _request(gateway, "GET", "/dashboard/missing.css").status == 404


@pytest.mark.parametrize("path", ["/dashboard/%2e%2e/%2e%2e/etc/passwd", "/dashboard/..%2f..%2fetc%2fpasswd"])
def test_given_a_path_escaping_the_static_root_when_asked_then_404(gateway: LocalGateway, path: str) -> None:
    answer = _request(gateway, "GET", path)
    assert answer.status == 404
    assert b"root:" not in answer.body


def test_given_a_static_root_when_posted_to_then_405(gateway: LocalGateway) -> None:
    answer = _request(gateway, "POST", "/dashboard/", body=b"x")
    assert answer.status == 405
    assert answer.header("Allow") == "GET, HEAD"


def test_given_a_route_without_a_loaded_handler_when_the_gateway_is_built_then_it_refuses(
    template: Template, handlers: dict[str, Handler]
) -> None:
    with pytest.raises(KeyError, match="EchoBFunction"):
        LocalGateway(template, {"EchoAFunction": handlers["EchoAFunction"]}, "127.0.0.1", 0)


def test_given_concurrent_requests_for_one_function_when_served_then_its_handler_runs_one_at_a_time(
    template: Template, handlers: dict[str, Handler]
) -> None:
    # Given a function whose handler notes how many of its invocations overlap (a Lambda environment runs one at a
    # time, and powertools keeps the current event on the app, so overlapping calls would mix their arguments)
    running_now: list[int] = [0]
    seen: list[int] = []
    guard = threading.Lock()

    def slow_echo(event: dict[str, Any], context: Any) -> Any:
        with guard:
            running_now[0] += 1
            seen.append(running_now[0])
        time.sleep(0.02)
        with guard:
            running_now[0] -= 1
        return handlers["EchoAFunction"](event, context)

    with LocalGateway(template, {**handlers, "EchoAFunction": slow_echo}, "127.0.0.1", 0) as running:
        # When eight requests for it arrive at once
        answers: list[Answer] = []
        threads = [
            threading.Thread(target=lambda n=n: answers.append(_request(running, "GET", f"/v1/echo/n{n}")))
            for n in range(8)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    # Then every request was answered with its own event, and the handler never ran twice at the same time
    assert sorted(answer.event["pathParameters"]["name"] for answer in answers) == [f"n{n}" for n in range(8)]
    assert seen == [1] * 8
