"""The template's side of the rate limits: every route a handler limits per client also has an API Gateway
throttle of its own (all clients together), the buckets' table is private and self-cleaning, exactly the functions
that limit may write it, and CloudFront passes the viewer's address with the proof that it did.

The limited routes are read from the handlers' source (never imported), so a newly limited route without a
throttle fails here."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.infra.conftest import REPO_ROOT

# `@router.post("/v1/...", ..., middlewares=[rate_limited(Scope.X)])`, up to the decorated function.
_LIMITED_DECORATOR = re.compile(r'@\w+\.(get|post|put|patch|delete)\(\s*"([^"]+)"((?:(?!\ndef ).)*?)\ndef ', re.DOTALL)
# Open311's POST limits inside the handler (the tenant is the form's jurisdiction_id).
OPEN311_POST = ("POST", "/open311/v2/{document}")


def limited_routes() -> dict[tuple[str, str], str]:
    """(method, template path) → the function folder whose handler limits it."""
    found: dict[tuple[str, str], str] = {}
    for source in sorted((REPO_ROOT / "functions").glob("*/*.py")):
        text = source.read_text(encoding="utf-8")
        for method, path, arguments in _LIMITED_DECORATOR.findall(text):
            if "rate_limited(" in arguments:
                found[(method.upper(), re.sub(r"<(\w+)>", r"{\1}", path))] = source.parent.name
        if "admit_request(Scope.OPEN311" in text:
            found[OPEN311_POST] = source.parent.name
    return found


def _resource_path(path: str) -> str:
    """API Gateway's MethodSettings form of a path: '/' + the path with every '/' escaped as '~1'."""
    return "/" + path.replace("/", "~1")


def _route_function(template: dict[str, Any], method: str, path: str) -> str:
    for name, resource in template["Resources"].items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        for event in (resource["Properties"].get("Events") or {}).values():
            properties = event.get("Properties", {})
            if event["Type"] == "Api" and properties.get("Path") == path and properties.get("Method") == method:
                return str(name)
    raise AssertionError(f"no function serves {method} {path}")


def test_given_the_handlers_then_the_open_writes_are_the_limited_routes() -> None:
    assert set(limited_routes()) == {
        ("POST", "/v1/tenants/{tenant}/reports"),
        ("POST", "/v1/tenants/{tenant}/attachments"),
        OPEN311_POST,
        ("POST", "/v1/tenants/{tenant}/assistant/messages"),
        ("POST", "/v1/tenants/{tenant}/public/priorities/{priority_id}/votes"),
        ("POST", "/v1/tenants/{tenant}/subscriptions"),
        ("POST", "/v1/tenants/{tenant}/reports/{report_id}/subscriptions"),
    }


@pytest.mark.parametrize(("method", "path"), sorted(limited_routes()))
def test_given_a_limited_route_then_the_stage_throttles_it_on_its_own(
    template: dict[str, Any], method: str, path: str
) -> None:
    """Given a route limited per client, then its method has a throttle of its own, tighter than the API's."""
    settings = template["Resources"]["KobanApi"]["Properties"]["MethodSettings"]
    own = [s for s in settings if s.get("ResourcePath") == _resource_path(path) and s.get("HttpMethod") == method]
    parameters = template["Parameters"]

    assert len(own) == 1, f"{method} {path} has no MethodSettings entry of its own"
    assert own[0]["ThrottlingRateLimit"] == {"Ref": "OpenWriteThrottleRate"}
    assert own[0]["ThrottlingBurstLimit"] == {"Ref": "OpenWriteThrottleBurst"}
    assert own[0].get("DataTraceEnabled", False) is False
    assert int(parameters["OpenWriteThrottleRate"]["Default"]) < int(parameters["ThrottleRate"]["Default"])
    assert int(parameters["OpenWriteThrottleBurst"]["Default"]) < int(parameters["ThrottleBurst"]["Default"])


def test_given_the_throttled_paths_then_each_is_a_route_of_the_template(template: dict[str, Any]) -> None:
    """A throttle on a path that no longer exists would protect nothing: every entry names a real route."""
    settings = template["Resources"]["KobanApi"]["Properties"]["MethodSettings"]
    for entry in settings:
        if entry["ResourcePath"] == "/*":
            continue
        path = "/" + entry["ResourcePath"][1:].replace("~1", "/")
        assert _route_function(template, entry["HttpMethod"], path.replace("//", "/"))


def test_given_the_buckets_table_then_it_is_keyed_by_pk_only_expires_and_is_encrypted(template: dict[str, Any]) -> None:
    table = template["Resources"]["RateLimitsTable"]
    properties = table["Properties"]

    assert properties["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"}]
    assert properties["BillingMode"] == "PAY_PER_REQUEST"
    assert properties["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    assert properties["SSESpecification"]["SSEEnabled"] is True
    assert properties["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert "GlobalSecondaryIndexes" not in properties
    assert template["Globals"]["Function"]["Environment"]["Variables"]["RATE_LIMITS_TABLE"] == {
        "Ref": "RateLimitsTable"
    }


def test_given_the_functions_then_exactly_those_that_limit_may_update_the_buckets(template: dict[str, Any]) -> None:
    granted: dict[str, set[str]] = {}
    for name, resource in template["Resources"].items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        for policy in resource["Properties"].get("Policies", []):
            for statement in policy.get("Statement", []) if isinstance(policy, dict) else []:
                if {"Fn::GetAtt": ["RateLimitsTable", "Arn"]} in statement.get("Resource", []):
                    granted.setdefault(name, set()).update(statement["Action"])
    limiting = {_route_function(template, method, path) for method, path in limited_routes()}

    assert granted == {name: {"dynamodb:UpdateItem"} for name in limiting}


def test_given_cloudfront_then_api_requests_carry_the_viewer_address_and_the_edge_key(
    template: dict[str, Any],
) -> None:
    """Given the distribution, then both API behaviours run the viewer-address function and the api origin adds
    the edge key from its generated secret, the one the functions compare it with."""
    config = template["Resources"]["WebDistribution"]["Properties"]["DistributionConfig"]
    api_origin = next(origin for origin in config["Origins"] if origin["Id"] == "api")
    headers = {header["HeaderName"]: header["HeaderValue"] for header in api_origin["OriginCustomHeaders"]}
    behaviours = [b for b in config["CacheBehaviors"] if b["TargetOriginId"] == "api"]
    function_code = template["Resources"]["ApiViewerAddress"]["Properties"]["FunctionCode"]
    edge_key = {"Fn::Sub": "{{resolve:secretsmanager:${RateLimitEdgeKey}}}"}

    assert {b["PathPattern"] for b in behaviours} == {"/v1/*", "/open311/*"}
    for behaviour in behaviours:
        assert behaviour["FunctionAssociations"] == [
            {
                "EventType": "viewer-request",
                "FunctionARN": {"Fn::GetAtt": ["ApiViewerAddress", "FunctionMetadata.FunctionARN"]},
            }
        ]
    assert "request.headers['x-koban-viewer-address'] = {value: event.viewer.ip}" in function_code
    assert headers["X-Koban-Edge-Key"] == edge_key
    assert template["Globals"]["Function"]["Environment"]["Variables"]["RATE_LIMIT_EDGE_KEY"] == edge_key
    assert template["Resources"]["RateLimitEdgeKey"]["Type"] == "AWS::SecretsManager::Secret"
    assert template["Resources"]["RateLimitClientKey"]["Type"] == "AWS::SecretsManager::Secret"


def test_given_the_limited_routes_then_the_openapi_document_describes_their_429(repo_root: Path) -> None:
    document = json.loads((repo_root / "functions/docs/openapi.json").read_text(encoding="utf-8"))
    for method, path in limited_routes():
        if path.startswith("/open311/"):
            continue  # Open311 is described by its own specification, not the /v1 document
        response = document["paths"][path][method.lower()]["responses"]["429"]
        assert "Retry-After" in response["headers"]
        assert response["content"]["application/problem+json"]["schema"] == {"$ref": "#/components/schemas/Problem"}
