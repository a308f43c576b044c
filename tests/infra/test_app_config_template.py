"""template.yaml for App Factory: published configurations are kept for good, and nothing deletes them; apps
read without signing in, everything else about configurations is staff-only. (The generic invariants of every
bucket, table and function are in test_template.py.)"""

from __future__ import annotations

from typing import Any

from tests.infra.test_template import PUBLIC, STAFF, all_api_events, bucket_policy_for, iter_statements


def _actions(statement: dict[str, Any]) -> set[str]:
    actions = statement.get("Action", [])
    return set(actions if isinstance(actions, list) else [actions])


def test_given_the_app_config_bucket_then_no_rule_expires_published_versions_and_access_is_logged(
    template: dict[str, Any],
) -> None:
    properties = template["Resources"]["AppConfigBucket"]["Properties"]
    rules = properties["LifecycleConfiguration"]["Rules"]
    delivery = next(
        statement
        for statement in bucket_policy_for(template, "AccessLogsBucket")["Statement"]  # type: ignore[index]
        if statement.get("Sid") == "AllowS3ServerAccessLogDelivery"
    )

    assert not any("NoncurrentVersionExpiration" in rule or "ExpirationInDays" in rule for rule in rules)
    assert properties["LoggingConfiguration"] == {
        "DestinationBucketName": {"Ref": "AccessLogsBucket"},
        "LogFilePrefix": "app-config/",
    }
    assert {"Fn::Sub": "${AccessLogsBucket.Arn}/app-config/*"} in delivery["Resource"]


def test_given_the_app_config_bucket_policy_then_nobody_deletes_a_published_version(template: dict[str, Any]) -> None:
    policy = bucket_policy_for(template, "AppConfigBucket")
    assert policy is not None

    [deny] = [statement for statement in policy["Statement"] if statement.get("Sid") == "DenyDeletingPublishedVersions"]

    assert (deny["Effect"], deny["Principal"]) == ("Deny", "*")
    assert _actions(deny) == {"s3:DeleteObject", "s3:DeleteObjectVersion"}
    assert deny["Resource"] == [{"Fn::Sub": "${AppConfigBucket.Arn}/tenants/*"}]


def test_given_the_app_config_function_then_it_writes_objects_once_and_items_without_scan_or_delete(
    template: dict[str, Any],
) -> None:
    statements = [s for _, s in iter_statements(template["Resources"]["AppConfigFunction"]["Properties"]["Policies"])]
    s3 = set().union(*(_actions(s) for s in statements if any(a.startswith("s3:") for a in _actions(s))))
    dynamodb = set().union(*(_actions(s) for s in statements if any(a.startswith("dynamodb:") for a in _actions(s))))

    assert s3 == {"s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"}
    assert dynamodb == {"dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:ConditionCheckItem"}


def test_given_the_app_config_routes_then_only_what_apps_read_is_public(template: dict[str, Any]) -> None:
    routes = {
        (properties["Method"], properties["Path"]): properties["Auth"]["Authorizer"]
        for function_id, _, properties in all_api_events(template)
        if function_id == "AppConfigFunction" and properties["Method"] != "OPTIONS"
    }

    public = {route for route, authorizer in routes.items() if authorizer == PUBLIC}
    assert public == {
        ("GET", "/v1/tenants/{tenant}/app-config"),
        ("GET", "/v1/tenants/{tenant}/app-config/schema"),
    }
    assert all(authorizer == STAFF for route, authorizer in routes.items() if route not in public)
    assert len(routes) == 10
