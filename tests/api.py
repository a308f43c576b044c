"""Test helpers: API Gateway events built from `tests/events/*.json`, and a client that invokes handlers."""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from koban_local.functions import LocalLambdaContext, load_handler
from koban_local.template import Template

EVENTS = Path(__file__).with_name("events")


@cache
def event_template(name: str = "api_gateway_rest") -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EVENTS / f"{name}.json").read_text(encoding="utf-8"))
    return data


def _route_pattern(path: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(path)) + "$")


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: str

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class ApiClient:
    """Calls the template's handlers in-process with complete API Gateway REST proxy events."""

    template: Template
    handlers: dict[str, Any] = field(default_factory=dict)

    def _match(self, method: str, path: str) -> tuple[str, str, dict[str, str]]:
        """API Gateway's rule: of the routes that match, the most specific (literal segments before variables)."""
        matches = [
            (tuple(segment.startswith("{") for segment in route.path.split("/")), route, found)
            for route in self.template.routes
            if route.method.upper() == method and (found := _route_pattern(route.path).match(path))
        ]
        if not matches:
            raise AssertionError(f"no template route for {method} {path}")
        _, route, found = min(matches, key=lambda match: match[0])
        return route.function_id, route.path, found.groupdict()

    def _handler(self, function_id: str) -> Any:
        if function_id not in self.handlers:
            function = self.template.functions[function_id]
            self.handlers[function_id] = load_handler(function.code_uri, function.handler, {})
        return self.handlers[function_id]

    def event(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        raw_body: str | None = None,
        headers: dict[str, str] | None = None,
        query: dict[str, str] | None = None,
        claims: dict[str, str] | None = None,
        base64_body: str | None = None,
        source_ip: str | None = None,
    ) -> tuple[str, dict[str, Any]]:
        function_id, resource, params = self._match(method, path)
        event = copy.deepcopy(event_template())
        all_headers = {**event["headers"], **(headers or {})}
        if body is not None or raw_body is not None:
            all_headers.setdefault("Content-Type", "application/json")
        event.update(
            resource=resource,
            path=path,
            httpMethod=method,
            headers=all_headers,
            multiValueHeaders={name: [value] for name, value in all_headers.items()},
            queryStringParameters=query or None,
            multiValueQueryStringParameters={k: [v] for k, v in query.items()} if query else None,
            pathParameters=params or None,
        )
        if base64_body is not None:
            event.update(body=base64_body, isBase64Encoded=True)
        elif raw_body is not None:
            event["body"] = raw_body
        elif body is not None:
            event["body"] = json.dumps(body)
        context = event["requestContext"]
        context.update(resourcePath=resource, httpMethod=method, path=f"/live{path}")
        context["authorizer"] = {"claims": claims} if claims else None
        if source_ip is not None:
            context["identity"]["sourceIp"] = source_ip
        return function_id, event

    def request(self, method: str, path: str, **kwargs: Any) -> Reply:
        function_id, event = self.event(method, path, **kwargs)
        response = self._handler(function_id)(event, LocalLambdaContext(function_id, timeout_seconds=10))
        headers = {name: values[-1] for name, values in (response.get("multiValueHeaders") or {}).items()}
        headers.update(response.get("headers") or {})
        return Reply(status=response["statusCode"], headers=headers, body=response.get("body") or "")

    def get(self, path: str, **kwargs: Any) -> Reply:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Reply:
        return self.request("POST", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> Reply:
        return self.request("PATCH", path, **kwargs)


def staff_claims(tenant: str, role: str = "officer", subject: str | None = None) -> dict[str, str]:
    """Claims as the Cognito authorizer puts them into the event."""
    return {"sub": subject or f"test-{role}-{tenant}", "custom:tenant": tenant, "cognito:groups": role}
