"""Unit tests of the HTTP glue (body guard, problem mapping) and of reading staff claims."""

from __future__ import annotations

import json

import pytest

from koban.auth import Principal, Role, principal_from_event, require_staff
from koban.errors import FieldError, Forbidden, NotFound, Unauthenticated, ValidationFailed
from koban.http.api import MAX_JSON_BODY_BYTES, guard_body, json_depth
from koban.http.problems import from_domain_error, from_validation_errors


def test_json_depth_ignores_brackets_inside_strings() -> None:
    assert json_depth('{"a": "[[[[[[", "b": [1, {"c": [2]}]}') == 4
    assert json_depth('"\\"[[["') == 0
    assert json_depth("[" * 50 + "]" * 50) == 50


def test_guard_refuses_deep_and_huge_bodies_but_passes_normal_ones() -> None:
    assert guard_body({"body": '{"a": [1, 2]}'}) is None
    deep = guard_body({"body": "[" * 40 + "]" * 40})
    assert deep is not None
    assert deep["statusCode"] == 400
    huge = guard_body({"body": '"' + "a" * MAX_JSON_BODY_BYTES + '"'})
    assert huge is not None
    assert huge["statusCode"] == 413
    assert json.loads(huge["body"])["status"] == 413
    # Binary bodies are the attachment route's business, not the JSON guard's.
    assert guard_body({"body": "AAAA", "isBase64Encoded": True}) is None


def test_validation_errors_become_problem_json_naming_each_field_without_echoing_input() -> None:
    response = from_validation_errors(
        [
            {
                "loc": ("body", "location", "lat"),
                "type": "less_than_equal",
                "msg": "Input should be <= 90",
                "input": 91,
            },
            {
                "loc": ("query", "limit"),
                "type": "int_parsing",
                "msg": "Input should be an integer",
                "input": "secret-value",
            },
        ]
    )
    body = json.loads(response.body or "")
    assert response.status_code == 422
    assert [error["field"] for error in body["errors"]] == ["location.lat", "query.limit"]
    assert "secret-value" not in (response.body or "")


def test_domain_errors_map_to_their_statuses() -> None:
    assert from_domain_error(NotFound("x")).status_code == 404
    assert from_domain_error(Forbidden("x")).status_code == 403
    assert from_domain_error(Unauthenticated("x")).status_code == 401
    invalid = from_domain_error(ValidationFailed([FieldError("category", "unknown")]))
    assert invalid.status_code == 422
    assert json.loads(invalid.body or "")["errors"][0]["field"] == "category"


def event_with(authorizer: object) -> dict[str, object]:
    return {"requestContext": {"authorizer": authorizer}}


def test_claims_are_read_from_the_cognito_and_the_lambda_authorizer_shapes() -> None:
    cognito = event_with({"claims": {"sub": "u1", "custom:tenant": "pilot-nl", "cognito:groups": "officer,admin"}})
    flat = event_with({"principalId": "u1", "sub": "u1", "custom:tenant": "pilot-nl", "cognito:groups": "[officer]"})
    assert principal_from_event(cognito) == Principal("u1", "pilot-nl", frozenset({Role.OFFICER, Role.ADMIN}))
    assert principal_from_event(flat) == Principal("u1", "pilot-nl", frozenset({Role.OFFICER}))
    assert principal_from_event(event_with({"principalId": "anonymous"})) is None
    assert principal_from_event(event_with(None)) is None


def test_unknown_groups_grant_nothing() -> None:
    event = event_with({"claims": {"sub": "u", "custom:tenant": "pilot-nl", "cognito:groups": "root superuser"}})
    principal = principal_from_event(event)
    assert principal is not None
    assert principal.roles == frozenset()
    with pytest.raises(Forbidden):
        require_staff(principal, "pilot-nl", {Role.OFFICER})


def test_another_tenants_token_is_forbidden() -> None:
    event = event_with({"claims": {"sub": "u", "custom:tenant": "pilot-pl", "cognito:groups": "admin"}})
    with pytest.raises(Forbidden, match="pilot-pl"):
        require_staff(principal_from_event(event), "pilot-nl", {Role.ADMIN})
    with pytest.raises(Unauthenticated):
        require_staff(principal_from_event(event_with(None)), "pilot-nl", {Role.ADMIN})
