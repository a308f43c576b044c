"""template.yaml is the single source of routes, tables, buckets and permissions: these tests hold it to that.

Given/When/Then in each test's name and docstring. The handlers are read with `ast`, never imported, so these
tests need neither AWS nor the runtime dependencies. A route test fails while a handler is missing or serves
other routes than the template routes to it: that is the point.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

# ------------------------------------------------------------------------------------------------------------
# The contract (DESIGN.md §4 and the template brief). New routes need no entry here, only an explicit Auth.
# ------------------------------------------------------------------------------------------------------------
STAFF = "StaffAuthorizer"
OPTIONAL_STAFF = "OptionalStaffAuthorizer"
PUBLIC = "NONE"
KNOWN_AUTHORIZERS = {STAFF, OPTIONAL_STAFF, PUBLIC}

CONTRACT_ROUTES: dict[tuple[str, str], tuple[str, str]] = {
    ("GET", "/v1/tenants"): ("TenantsFunction", PUBLIC),
    ("GET", "/v1/tenants/{tenant}"): ("TenantsFunction", PUBLIC),
    ("GET", "/v1/tenants/{tenant}/categories"): ("TenantsFunction", PUBLIC),
    ("POST", "/v1/tenants/{tenant}/reports"): ("ReportsFunction", OPTIONAL_STAFF),
    ("GET", "/v1/tenants/{tenant}/reports/{report_id}"): ("ReportsFunction", OPTIONAL_STAFF),
    ("GET", "/v1/tenants/{tenant}/reports"): ("ReportsFunction", STAFF),
    ("PATCH", "/v1/tenants/{tenant}/reports/{report_id}"): ("ReportsFunction", STAFF),
    ("POST", "/v1/tenants/{tenant}/attachments"): ("ReportsFunction", PUBLIC),
    ("GET", "/v1/tenants/{tenant}/attachments/{attachment_id}"): ("ReportsFunction", STAFF),
    ("GET", "/v1/openapi.json"): ("DocsFunction", PUBLIC),
    ("GET", "/v1/docs"): ("DocsFunction", PUBLIC),
    ("GET", "/open311/v2/{document}"): ("Open311Function", PUBLIC),
    ("POST", "/open311/v2/{document}"): ("Open311Function", PUBLIC),
    ("GET", "/open311/v2/services/{service_file}"): ("Open311Function", PUBLIC),
    ("GET", "/open311/v2/requests/{request_file}"): ("Open311Function", PUBLIC),
    ("GET", "/open311/v2/tokens/{token_file}"): ("Open311Function", PUBLIC),
    ("POST", "/v1/tenants/{tenant}/api-keys"): ("ApiKeysFunction", STAFF),
    ("GET", "/v1/tenants/{tenant}/api-keys"): ("ApiKeysFunction", STAFF),
    ("DELETE", "/v1/tenants/{tenant}/api-keys/{key_id}"): ("ApiKeysFunction", STAFF),
    ("GET", "/v1/tenants/{tenant}/dashboard/hotspots"): ("DashboardFunction", STAFF),
    ("GET", "/v1/tenants/{tenant}/dashboard/trends"): ("DashboardFunction", STAFF),
    ("GET", "/v1/tenants/{tenant}/dashboard/summary"): ("DashboardFunction", STAFF),
    ("GET", "/v1/tenants/{tenant}/dashboard/emerging"): ("DashboardFunction", STAFF),
    ("GET", "/v1/tenants/{tenant}/public/hotspots"): ("PublicFunction", PUBLIC),
    ("POST", "/v1/tenants/{tenant}/problems"): ("ProblemsFunction", STAFF),
    ("GET", "/v1/tenants/{tenant}/problems"): ("ProblemsFunction", STAFF),
    ("GET", "/v1/tenants/{tenant}/problems/{problem_id}"): ("ProblemsFunction", STAFF),
    ("PATCH", "/v1/tenants/{tenant}/problems/{problem_id}"): ("ProblemsFunction", STAFF),
    ("POST", "/v1/tenants/{tenant}/problems/{problem_id}/actions"): ("ProblemsFunction", STAFF),
    ("PATCH", "/v1/tenants/{tenant}/problems/{problem_id}/actions/{action_id}"): ("ProblemsFunction", STAFF),
    ("GET", "/v1/tenants/{tenant}/problems/{problem_id}/evaluation"): ("ProblemsFunction", STAFF),
    ("POST", "/v1/tenants/{tenant}/priorities"): ("PrioritiesFunction", STAFF),
    ("PATCH", "/v1/tenants/{tenant}/priorities/{priority_id}"): ("PrioritiesFunction", STAFF),
    ("GET", "/v1/tenants/{tenant}/public/priorities"): ("PrioritiesFunction", PUBLIC),
    ("POST", "/v1/tenants/{tenant}/public/priorities/{priority_id}/votes"): ("PrioritiesFunction", PUBLIC),
    ("POST", "/v1/tenants/{tenant}/assistant/messages"): ("AssistantFunction", PUBLIC),
    ("GET", "/v1/tenants/{tenant}/assistant/handoffs"): ("AssistantFunction", STAFF),
    ("GET", "/v1/tenants/{tenant}/assistant/conversations/{conversation_id}"): ("AssistantFunction", STAFF),
    ("POST", "/v1/tenants/{tenant}/knowledge"): ("AssistantFunction", STAFF),
    ("PUT", "/v1/tenants/{tenant}/knowledge/{item_id}"): ("AssistantFunction", STAFF),
    ("DELETE", "/v1/tenants/{tenant}/knowledge/{item_id}"): ("AssistantFunction", STAFF),
    ("GET", "/v1/tenants/{tenant}/app-config"): ("AppConfigFunction", PUBLIC),
    ("GET", "/v1/tenants/{tenant}/app-config/schema"): ("AppConfigFunction", PUBLIC),
    ("GET", "/v1/tenants/{tenant}/app-config/draft"): ("AppConfigFunction", STAFF),
    ("PUT", "/v1/tenants/{tenant}/app-config/draft"): ("AppConfigFunction", STAFF),
    ("POST", "/v1/tenants/{tenant}/app-config/validate"): ("AppConfigFunction", STAFF),
    ("POST", "/v1/tenants/{tenant}/app-config/publish"): ("AppConfigFunction", STAFF),
    ("GET", "/v1/tenants/{tenant}/app-config/versions"): ("AppConfigFunction", STAFF),
    ("GET", "/v1/tenants/{tenant}/app-config/versions/{version}"): ("AppConfigFunction", STAFF),
    ("POST", "/v1/tenants/{tenant}/app-config/rollback"): ("AppConfigFunction", STAFF),
    ("GET", "/v1/tenants/{tenant}/app-config/audit"): ("AppConfigFunction", STAFF),
    ("GET", "/v1/tenants/{tenant}/notifications/push-key"): ("NotificationsFunction", PUBLIC),
    ("POST", "/v1/tenants/{tenant}/reports/{report_id}/subscriptions"): ("NotificationsFunction", PUBLIC),
    ("GET", "/v1/tenants/{tenant}/reports/{report_id}/subscriptions"): ("NotificationsFunction", PUBLIC),
    ("POST", "/v1/tenants/{tenant}/subscriptions"): ("NotificationsFunction", PUBLIC),
    ("POST", "/v1/tenants/{tenant}/subscriptions/{subscription_id}/confirmation"): ("NotificationsFunction", PUBLIC),
    ("POST", "/v1/tenants/{tenant}/unsubscribe"): ("NotificationsFunction", PUBLIC),
    ("GET", "/v1/tenants/{tenant}/reports/{report_id}/messages"): ("NotificationsFunction", OPTIONAL_STAFF),
    ("POST", "/v1/tenants/{tenant}/reports/{report_id}/messages"): ("NotificationsFunction", OPTIONAL_STAFF),
    ("GET", "/v1/tenants/{tenant}/reports/{report_id}/notifications"): ("NotificationsFunction", PUBLIC),
    ("GET", "/v1/tenants/{tenant}/notifications/outbox"): ("NotificationsFunction", STAFF),
    ("POST", "/v1/tenants/{tenant}/receipts"): ("NotificationsFunction", PUBLIC),
    ("POST", "/v1/tenants/{tenant}/alerts"): ("NotificationsFunction", STAFF),
    ("GET", "/v1/tenants/{tenant}/alerts"): ("NotificationsFunction", STAFF),
    ("GET", "/v1/tenants/{tenant}/alerts/{alert_id}"): ("NotificationsFunction", STAFF),
    ("PATCH", "/v1/tenants/{tenant}/alerts/{alert_id}"): ("NotificationsFunction", STAFF),
    ("POST", "/v1/tenants/{tenant}/alerts/{alert_id}/decision"): ("NotificationsFunction", STAFF),
    ("GET", "/v1/tenants/{tenant}/capability/model"): ("CapabilityFunction", STAFF),
    ("POST", "/v1/tenants/{tenant}/capability/rounds"): ("CapabilityFunction", STAFF),
    ("GET", "/v1/tenants/{tenant}/capability/rounds"): ("CapabilityFunction", STAFF),
    ("PATCH", "/v1/tenants/{tenant}/capability/rounds/{round_id}"): ("CapabilityFunction", STAFF),
    ("PUT", "/v1/tenants/{tenant}/capability/rounds/{round_id}/assessments/mine"): ("CapabilityFunction", STAFF),
    ("GET", "/v1/tenants/{tenant}/capability/rounds/{round_id}/assessments/mine"): ("CapabilityFunction", STAFF),
    ("GET", "/v1/tenants/{tenant}/capability/scorecard"): ("CapabilityFunction", STAFF),
    ("GET", "/v1/tenants/{tenant}/capability/scorecard/export"): ("CapabilityFunction", STAFF),
}

EXPECTED_FUNCTIONS = {
    "TenantsFunction": "tenants",
    "ReportsFunction": "reports",
    "DocsFunction": "docs",
    "AuthorizerFunction": "authorizer",
    "Open311Function": "open311",
    "ApiKeysFunction": "api_keys",
    "DashboardFunction": "dashboard",
    "AggregationFunction": "aggregation",
    "PublicFunction": "public",
    "ProblemsFunction": "problems",
    "PrioritiesFunction": "priorities",
    "AssistantFunction": "assistant",
    "AppConfigFunction": "app_config",
    "NotificationsFunction": "notifications",
    "NotificationDeliveryFunction": "notification_delivery",
    "ReportUpdatesFunction": "report_updates",
    "CapabilityFunction": "capability",
    "AuditFunction": "audit",
    "AuditAnchorFunction": "audit_anchor",
    "PrivacyFunction": "privacy",
    "PrivacyMaintenanceFunction": "privacy_maintenance",
}

GLOBAL_ENVIRONMENT = {
    "REPORTS_TABLE": {"Ref": "ReportsTable"},
    "PERSONAL_DATA_TABLE": {"Ref": "PersonalDataTable"},
    "IDEMPOTENCY_TABLE": {"Ref": "IdempotencyTable"},
    "API_KEYS_TABLE": {"Ref": "ApiKeysTable"},
    "AGGREGATES_TABLE": {"Ref": "AggregatesTable"},
    "PROBLEMS_TABLE": {"Ref": "ProblemsTable"},
    "CAPABILITY_TABLE": {"Ref": "CapabilityTable"},
    "AUDIT_TABLE": {"Ref": "AuditTable"},
    "CONVERSATIONS_TABLE": {"Ref": "ConversationsTable"},
    "KNOWLEDGE_BUCKET": {"Ref": "KnowledgeBucket"},
    "NOTIFICATIONS_TABLE": {"Ref": "NotificationsTable"},
    "SUBSCRIPTIONS_TABLE": {"Ref": "SubscriptionsTable"},
    "SUBJECT_INDEX_KEY": {"Fn::GetAtt": ["SubjectIndexKey", "Arn"]},
    "ATTACHMENTS_BUCKET": {"Ref": "AttachmentsBucket"},
    "APP_CONFIG_TABLE": {"Ref": "AppConfigTable"},
    "APP_CONFIG_BUCKET": {"Ref": "AppConfigBucket"},
    "RATE_LIMITS_TABLE": {"Ref": "RateLimitsTable"},
    "RATE_LIMIT_CLIENT_KEY": {"Fn::Sub": "{{resolve:secretsmanager:${RateLimitClientKey}}}"},
    "RATE_LIMIT_EDGE_KEY": {"Fn::Sub": "{{resolve:secretsmanager:${RateLimitEdgeKey}}}"},
    "POWERTOOLS_METRICS_NAMESPACE": "Koban",
    "POWERTOOLS_LOG_LEVEL": {"Ref": "LogLevel"},
    "REPORTER_DATA_RETENTION_DAYS": {"Ref": "ReporterDataRetentionDays"},
    "STAFF_USER_POOL_ID": {"Ref": "StaffUserPool"},
    "STAFF_USER_POOL_CLIENT_ID": {"Ref": "StaffUserPoolClient"},
}

# API Gateway's own status code of each gateway response type (a problem body must state the same one).
GATEWAY_RESPONSE_STATUS = {
    "DEFAULT_4XX": 400,
    "DEFAULT_5XX": 500,
    "BAD_REQUEST_BODY": 400,
    "BAD_REQUEST_PARAMETERS": 400,
    "UNAUTHORIZED": 401,
    "EXPIRED_TOKEN": 403,
    "ACCESS_DENIED": 403,
    "INVALID_API_KEY": 403,
    "INVALID_SIGNATURE": 403,
    "MISSING_AUTHENTICATION_TOKEN": 403,
    "WAF_FILTERED": 403,
    "RESOURCE_NOT_FOUND": 404,
    "REQUEST_TOO_LARGE": 413,
    "UNSUPPORTED_MEDIA_TYPE": 415,
    "THROTTLED": 429,
    "QUOTA_EXCEEDED": 429,
    "AUTHORIZER_FAILURE": 500,
    "AUTHORIZER_CONFIGURATION_ERROR": 500,
    "API_CONFIGURATION_ERROR": 500,
    "INTEGRATION_FAILURE": 504,
    "INTEGRATION_TIMEOUT": 504,
}

HTTP_METHODS = {"get", "post", "put", "patch", "delete", "head", "options"}


# ------------------------------------------------------------------------------------------------------------
# Helpers
# ------------------------------------------------------------------------------------------------------------
def function_properties(template: dict[str, Any], function_id: str) -> dict[str, Any]:
    """The function's properties with Globals.Function merged in the way SAM does (local keys win,
    Environment variables merged)."""
    merged: dict[str, Any] = dict(template.get("Globals", {}).get("Function", {}))
    local = template["Resources"][function_id].get("Properties", {})
    for key, value in local.items():
        if key == "Environment":
            variables = dict(merged.get("Environment", {}).get("Variables", {}))
            variables.update(value.get("Variables", {}))
            merged["Environment"] = {"Variables": variables}
        else:
            merged[key] = value
    return merged


def api_events(template: dict[str, Any], function_id: str) -> dict[str, dict[str, Any]]:
    events = template["Resources"][function_id].get("Properties", {}).get("Events", {}) or {}
    return {name: event for name, event in events.items() if event.get("Type") == "Api"}


def template_routes(template: dict[str, Any], function_id: str) -> set[tuple[str, str]]:
    return {
        (event["Properties"]["Method"].upper(), event["Properties"]["Path"])
        for event in api_events(template, function_id).values()
    }


def all_api_events(template: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(function id, event name, event properties) of every Api event in the template."""
    found = []
    for function_id, res in template["Resources"].items():
        if res.get("Type") == "AWS::Serverless::Function":
            for name, event in api_events(template, function_id).items():
                found.append((function_id, name, event["Properties"]))
    return found


def normalise_path(path: str) -> str:
    """Powertools writes `<param>`, API Gateway `{param}`: compare both as `{param}`."""
    return re.sub(r"<(\w+)>", r"{\1}", path)


def _literal_str(node: ast.expr | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _name_of(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((kw.value for kw in call.keywords if kw.arg == name), None)


def handler_routes(folder: Path) -> set[tuple[str, str]]:
    """Routes that the powertools resolvers and routers in `folder` register, as (METHOD, /path/{param}).

    Understands `@app.get("/p")` (any receiver name, any HTTP verb), `@app.route("/p", method=[...])`,
    `app.enable_swagger(path="/p")` (a GET route) and `app.include_router(router, prefix="/p")`.
    """
    declared: list[tuple[str | None, str, str]] = []  # (receiver, METHOD, path)
    prefixes: dict[str, str] = {}
    for source in sorted(folder.rglob("*.py")):
        tree = ast.parse(source.read_text(encoding="utf-8"), filename=str(source))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                for decorator in node.decorator_list:
                    declared.extend(_routes_of_decorator(decorator, source))
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                receiver = _name_of(node.func.value)
                if node.func.attr == "enable_swagger":
                    path = _literal_str(_keyword(node, "path")) or "/swagger"
                    declared.append((receiver, "GET", path))
                elif node.func.attr == "include_router" and node.args:
                    prefix = _literal_str(node.args[1] if len(node.args) > 1 else _keyword(node, "prefix"))
                    router = _name_of(node.args[0])
                    if prefix and router:
                        prefixes[router] = prefix
    return {(method, normalise_path(prefixes.get(receiver or "", "") + path)) for receiver, method, path in declared}


def _routes_of_decorator(decorator: ast.expr, source: Path) -> list[tuple[str | None, str, str]]:
    if not (isinstance(decorator, ast.Call) and isinstance(decorator.func, ast.Attribute)):
        return []
    verb = decorator.func.attr
    if verb not in HTTP_METHODS and verb != "route":
        return []
    rule_node = decorator.args[0] if decorator.args else _keyword(decorator, "rule")
    rule = _literal_str(rule_node)
    if rule is None:
        if rule_node is None:
            return []
        pytest.fail(f"{source}:{decorator.lineno}: a route path must be a string literal to be checked")
    if not rule.startswith("/"):
        return []
    receiver = _name_of(decorator.func.value)
    if verb != "route":
        return [(receiver, verb.upper(), rule)]
    method_node = decorator.args[1] if len(decorator.args) > 1 else _keyword(decorator, "method")
    if isinstance(method_node, ast.List | ast.Tuple | ast.Set):
        methods = [_literal_str(element) for element in method_node.elts]
    else:
        methods = [_literal_str(method_node)]
    if any(method is None for method in methods):
        pytest.fail(f"{source}:{decorator.lineno}: route methods must be string literals to be checked")
    return [(receiver, str(method).upper(), rule) for method in methods]


def iter_statements(node: Any, path: str = "") -> list[tuple[str, dict[str, Any]]]:
    """Every IAM-style policy statement anywhere under `node`, with where it was found."""
    found: list[tuple[str, dict[str, Any]]] = []
    if isinstance(node, dict):
        for key, value in node.items():
            where = f"{path}.{key}" if path else str(key)
            if key == "Statement":
                statements = value if isinstance(value, list) else [value]
                found.extend((f"{where}[{i}]", s) for i, s in enumerate(statements) if isinstance(s, dict))
            else:
                found.extend(iter_statements(value, where))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found.extend(iter_statements(value, f"{path}[{index}]"))
    return found


def is_tls_only_deny(statement: dict[str, Any]) -> bool:
    """The one wildcard we accept: a bucket policy denying every S3 action to everyone without TLS."""
    principal = statement.get("Principal")
    condition = statement.get("Condition", {})
    secure = condition.get("Bool", {}).get("aws:SecureTransport") if isinstance(condition, dict) else None
    return (
        statement.get("Effect") == "Deny"
        and principal in ("*", {"AWS": "*"})
        and statement.get("Action") in ("s3:*", ["s3:*"])
        and secure in (False, "false")
    )


def wildcard_problems(resource_type: str, where: str, statement: dict[str, Any]) -> list[str]:
    """Why a statement is not least-privilege: a wildcard or non-literal Action, or any NotAction."""
    if resource_type == "AWS::S3::BucketPolicy" and is_tls_only_deny(statement):
        return []
    problems = []
    if "NotAction" in statement:
        problems.append(f"{where}: NotAction grants everything else")
    actions = statement.get("Action", [])
    for action in actions if isinstance(actions, list) else [actions]:
        if not isinstance(action, str):
            problems.append(f"{where}: Action {action!r} is not a literal action name")
        elif "*" in action:
            problems.append(f"{where}: wildcard Action {action!r}")
    return problems


def refers_to(value: Any, logical_id: str) -> bool:
    """Does an intrinsic value point at `logical_id` (Ref, GetAtt, or a ${X} / ${X.Arn} inside a Sub)?"""
    if isinstance(value, dict):
        if value.get("Ref") == logical_id:
            return True
        get_att = value.get("Fn::GetAtt")
        if isinstance(get_att, list) and get_att and get_att[0] == logical_id:
            return True
        sub = value.get("Fn::Sub")
        if isinstance(sub, str) and re.search(r"\$\{" + re.escape(logical_id) + r"(\.[A-Za-z]+)?\}", sub):
            return True
        return any(refers_to(v, logical_id) for v in value.values())
    if isinstance(value, list):
        return any(refers_to(v, logical_id) for v in value)
    return False


def bucket_policy_for(template: dict[str, Any], bucket_id: str) -> dict[str, Any] | None:
    for res in template["Resources"].values():
        properties = res.get("Properties", {})
        if res.get("Type") == "AWS::S3::BucketPolicy" and properties.get("Bucket") == {"Ref": bucket_id}:
            document: dict[str, Any] = properties["PolicyDocument"]
            return document
    return None


# ------------------------------------------------------------------------------------------------------------
# The template as a whole
# ------------------------------------------------------------------------------------------------------------
def test_given_the_template_when_cfn_lint_checks_it_then_it_reports_nothing(repo_root: Path) -> None:
    """Given template.yaml, when the venv's cfn-lint checks it, then it exits 0 with no finding."""
    cfn_lint = Path(sys.executable).parent / "cfn-lint"
    assert cfn_lint.exists(), f"cfn-lint is a dev dependency and belongs beside {sys.executable}"

    result = subprocess.run(
        [str(cfn_lint), "template.yaml"],
        cwd=repo_root,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_given_the_fixed_parameters_when_read_then_names_and_defaults_match_the_contract(
    template: dict[str, Any],
) -> None:
    """Given the parameters other code relies on, then each exists with its agreed default."""
    parameters = template["Parameters"]
    expected_defaults = {
        "Stage": "live",
        "SnapStart": "false",
        "LogRetentionDays": "30",
        "ReporterDataRetentionDays": "365",
        "LogLevel": "INFO",
    }

    for name, default in expected_defaults.items():
        assert str(parameters[name]["Default"]) == default, name
    assert set(parameters["SnapStart"]["AllowedValues"]) == {"true", "false"}
    assert {"ThrottleRate", "ThrottleBurst"} <= set(parameters)
    assert parameters["ThrottleRate"]["Type"] == parameters["ThrottleBurst"]["Type"] == "Number"


def test_given_the_outputs_when_read_then_deployers_find_api_pool_client_and_bucket(
    template: dict[str, Any],
) -> None:
    """Given a deployed stack, then its outputs name the API URL, staff pool and client, and the bucket."""
    outputs = template["Outputs"]

    assert {"ApiUrl", "StaffUserPoolId", "StaffUserPoolClientId", "AttachmentsBucketName"} <= set(outputs)
    assert refers_to(outputs["ApiUrl"]["Value"], "KobanApi")
    assert outputs["StaffUserPoolId"]["Value"] == {"Ref": "StaffUserPool"}
    assert outputs["StaffUserPoolClientId"]["Value"] == {"Ref": "StaffUserPoolClient"}
    assert outputs["AttachmentsBucketName"]["Value"] == {"Ref": "AttachmentsBucket"}


# ------------------------------------------------------------------------------------------------------------
# Functions
# ------------------------------------------------------------------------------------------------------------
def test_given_the_use_cases_when_the_template_is_read_then_it_has_exactly_their_functions(
    template: dict[str, Any],
) -> None:
    """Given the four use cases, then the template declares one function for each, named after it."""
    functions = {name for name, res in template["Resources"].items() if res["Type"] == "AWS::Serverless::Function"}

    assert functions == set(EXPECTED_FUNCTIONS)


def test_given_globals_when_read_then_every_function_runs_python312_arm64_traced_with_both_layers(
    template: dict[str, Any],
) -> None:
    """Given Globals.Function, then runtime, architecture, size, timeout, tracing and layers are agreed."""
    globals_function = template["Globals"]["Function"]

    assert globals_function["Runtime"] == "python3.12"
    assert globals_function["Architectures"] == ["arm64"]
    assert globals_function["MemorySize"] == 512
    assert globals_function["Timeout"] == 10
    assert globals_function["Tracing"] == "Active"
    assert globals_function["Layers"] == [{"Ref": "SharedLayer"}, {"Ref": "PluginsLayer"}]


def test_given_globals_when_environment_is_read_then_it_has_exactly_the_agreed_variables(
    template: dict[str, Any],
) -> None:
    """Given Globals.Function.Environment, then its variables are exactly the names handlers read."""
    variables = template["Globals"]["Function"]["Environment"]["Variables"]

    assert variables == GLOBAL_ENVIRONMENT


def test_given_snapstart_parameter_when_true_then_functions_snapshot_published_versions_of_alias_live(
    template: dict[str, Any],
) -> None:
    """Given SnapStart=true, then the condition switches SnapStart on for published versions behind `live`,
    and each function's version description changes with the parameter so that a new version is published."""
    condition = template["Conditions"]["SnapStartEnabled"]
    globals_function = template["Globals"]["Function"]

    assert condition == {"Fn::Equals": [{"Ref": "SnapStart"}, "true"]}
    assert globals_function["SnapStart"] == {
        "Fn::If": ["SnapStartEnabled", {"ApplyOn": "PublishedVersions"}, {"Ref": "AWS::NoValue"}]
    }
    assert globals_function["AutoPublishAlias"] == "live"
    for function_id in EXPECTED_FUNCTIONS:
        description = template["Resources"][function_id]["Properties"].get("VersionDescription", {})
        assert "${SnapStart}" in str(description.get("Fn::Sub", "")), function_id


def test_given_a_function_when_read_then_its_service_name_is_its_use_case_and_folder(
    template: dict[str, Any], function_id: str
) -> None:
    """Given a function, then POWERTOOLS_SERVICE_NAME, CodeUri folder and logical id name one use case."""
    properties = function_properties(template, function_id)
    use_case = EXPECTED_FUNCTIONS.get(function_id, function_id.removesuffix("Function").lower())

    assert properties["Environment"]["Variables"]["POWERTOOLS_SERVICE_NAME"] == use_case
    assert properties["CodeUri"].rstrip("/") == f"functions/{use_case}"
    assert properties["Handler"] == "app.lambda_handler"


def test_given_a_function_when_its_code_folder_is_read_then_the_handler_exists(
    template: dict[str, Any], repo_root: Path, function_id: str
) -> None:
    """Given a function's CodeUri and Handler, when its module is parsed, then it defines `lambda_handler`."""
    properties = function_properties(template, function_id)
    folder = repo_root / properties["CodeUri"]
    module, _, attribute = properties["Handler"].rpartition(".")
    handler_file = folder / (module.replace(".", "/") + ".py")

    assert folder.is_dir(), f"{function_id}: CodeUri {folder} is missing"
    assert handler_file.is_file(), f"{function_id}: handler module {handler_file} is missing"
    tree = ast.parse(handler_file.read_text(encoding="utf-8"), filename=str(handler_file))
    names = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update(t.id for t in targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.ImportFrom | ast.Import):
            names.update(alias.asname or alias.name for alias in node.names)
    assert attribute in names, f"{handler_file} defines no top-level {attribute!r}"


def test_given_a_function_when_its_handler_routes_are_parsed_then_they_equal_the_template_events(
    template: dict[str, Any], repo_root: Path, function_id: str
) -> None:
    """Given a function, when the routes its code registers are compared with its Api events (preflight
    OPTIONS aside), then every template route is served and the code serves no route the API never sends."""
    folder = repo_root / function_properties(template, function_id)["CodeUri"]
    assert folder.is_dir(), f"{function_id}: CodeUri {folder} is missing"
    assert (folder / "app.py").is_file(), f"{function_id}: {folder / 'app.py'} is missing"

    in_template = {route for route in template_routes(template, function_id) if route[0] != "OPTIONS"}
    in_code = {route for route in handler_routes(folder) if route[0] != "OPTIONS"}

    assert in_template == in_code, (
        f"{function_id}: routed by the template but not served: {sorted(in_template - in_code)}; "
        f"served but never routed: {sorted(in_code - in_template)}"
    )


def test_given_handler_sources_when_routes_are_parsed_then_every_registration_form_is_found(
    tmp_path: Path,
) -> None:
    """Given a function folder using decorators, `route`, routers with and without prefix and Swagger UI,
    when parsed, then each route is found once with powertools' <param> written as {param}."""
    (tmp_path / "app.py").write_text(
        "import routes\n"
        "app = APIGatewayRestResolver()\n"
        "app.include_router(routes.router)\n"
        "app.include_router(admin, prefix='/v1/admin')\n"
        "app.enable_swagger(path='/v1/docs')\n"
        "@app.get('/v1/things/<thing_id>')\n"
        "def get_thing(thing_id): ...\n"
        "@app.route('/v1/things', method=['GET', 'POST'])\n"
        "def things(): ...\n"
        "@lru_cache(maxsize=1)\n"
        "def not_a_route(): ...\n",
        encoding="utf-8",
    )
    (tmp_path / "routes.py").write_text(
        "router = Router()\n@router.patch('/v1/things/<thing_id>')\nasync def patch_thing(thing_id): ...\n",
        encoding="utf-8",
    )
    (tmp_path / "admin.py").write_text(
        "admin = Router()\n@admin.delete('/<key>')\ndef drop(key): ...\n", encoding="utf-8"
    )

    routes = handler_routes(tmp_path)

    assert routes == {
        ("GET", "/v1/things/{thing_id}"),
        ("GET", "/v1/things"),
        ("POST", "/v1/things"),
        ("PATCH", "/v1/things/{thing_id}"),
        ("DELETE", "/v1/admin/{key}"),
        ("GET", "/v1/docs"),
    }


def test_given_a_function_when_deployed_then_its_logs_are_kept_log_retention_days(
    template: dict[str, Any], function_id: str
) -> None:
    """Given a function, then a log group of its own keeps its logs for LogRetentionDays, not forever."""
    resources = template["Resources"]
    properties = function_properties(template, function_id)
    logging_group = properties.get("LoggingConfig", {}).get("LogGroup")
    candidates = [
        res
        for name, res in resources.items()
        if res["Type"] == "AWS::Logs::LogGroup"
        and (
            res["Properties"].get("LogGroupName") == {"Fn::Sub": f"/aws/lambda/${{{function_id}}}"}
            or (logging_group is not None and refers_to(logging_group, name))
        )
    ]

    assert len(candidates) == 1, f"{function_id}: expected exactly one log group, found {len(candidates)}"
    assert candidates[0]["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}


def test_given_a_function_when_deployed_then_tracing_is_active(template: dict[str, Any], function_id: str) -> None:
    """Given a function, then X-Ray tracing is active for it (Globals or its own property)."""
    assert function_properties(template, function_id)["Tracing"] == "Active"


# ------------------------------------------------------------------------------------------------------------
# Routes and authorization
# ------------------------------------------------------------------------------------------------------------
def test_given_every_api_event_then_it_is_a_named_api_event_on_koban_api(template: dict[str, Any]) -> None:
    """Given the Api events, then each targets KobanApi, has a descriptive name, no route has two owners."""
    owners: dict[tuple[str, str], str] = {}
    events = all_api_events(template)
    assert events, "the template routes nothing"

    for function_id, name, properties in events:
        assert properties["RestApiId"] == {"Ref": "KobanApi"}, f"{function_id}.{name}"
        assert re.fullmatch(r"[A-Z][a-z]+(?:[A-Z][a-z0-9]*)+", name), f"{function_id}.{name}: not descriptive"
        assert not re.fullmatch(r"(Api|Event|Route)\d*", name), f"{function_id}.{name}: not descriptive"
        route = (properties["Method"].upper(), properties["Path"])
        assert route not in owners, f"{route} is routed to both {owners[route]} and {function_id}"
        owners[route] = function_id


def test_given_every_api_event_then_it_states_its_authorizer_explicitly(template: dict[str, Any]) -> None:
    """Given the Api events, then each names its authorizer (NONE for public), never relying on a default."""
    for function_id, name, properties in all_api_events(template):
        authorizer = properties.get("Auth", {}).get("Authorizer")
        assert authorizer in KNOWN_AUTHORIZERS, f"{function_id}.{name}: Auth.Authorizer is {authorizer!r}"


@pytest.mark.parametrize(("route", "owner"), list(CONTRACT_ROUTES.items()), ids=lambda v: " ".join(v))
def test_given_a_contract_route_then_its_function_and_authorizer_are_the_agreed_ones(
    template: dict[str, Any], route: tuple[str, str], owner: tuple[str, str]
) -> None:
    """Given a route of the HTTP contract, then the agreed function serves it behind the agreed authorizer:
    staff routes behind the Cognito StaffAuthorizer, citizen routes optional, public routes NONE."""
    function_id, authorizer = owner
    matching = [
        properties
        for fid, _, properties in all_api_events(template)
        if fid == function_id and (properties["Method"].upper(), properties["Path"]) == route
    ]

    assert len(matching) == 1, f"{route} is not routed to {function_id}"
    assert matching[0]["Auth"]["Authorizer"] == authorizer


def test_given_every_path_when_a_browser_preflights_then_the_owning_function_answers_publicly(
    template: dict[str, Any],
) -> None:
    """Given each API path, then an OPTIONS event without authorizer routes the CORS preflight to the same
    function that serves the path (the functions answer CORS; a preflight carries no token)."""
    owners: dict[str, set[str]] = {}
    preflights: dict[str, tuple[str, str]] = {}
    for function_id, _, properties in all_api_events(template):
        if properties["Method"].upper() == "OPTIONS":
            preflights[properties["Path"]] = (function_id, properties["Auth"]["Authorizer"])
        else:
            owners.setdefault(properties["Path"], set()).add(function_id)

    for path, functions in owners.items():
        assert len(functions) == 1, f"{path} is split across {sorted(functions)}"
        assert path in preflights, f"{path} has no OPTIONS preflight event"
        assert preflights[path] == (next(iter(functions)), PUBLIC), path
    assert set(preflights) <= set(owners), "a preflight without a route"


def test_given_the_api_when_authorizers_are_read_then_staff_is_cognito_and_optional_needs_no_header(
    template: dict[str, Any],
) -> None:
    """Given KobanApi.Auth, then StaffAuthorizer is the Cognito pool and the default, and
    OptionalStaffAuthorizer is a REQUEST authorizer with no identity source and no cache (so anonymous
    citizens reach it), run by AuthorizerFunction."""
    auth = template["Resources"]["KobanApi"]["Properties"]["Auth"]
    staff = auth["Authorizers"][STAFF]
    optional = auth["Authorizers"][OPTIONAL_STAFF]

    assert auth["DefaultAuthorizer"] == STAFF
    assert auth["AddDefaultAuthorizerToCorsPreflight"] is False
    assert staff["UserPoolArn"] == {"Fn::GetAtt": ["StaffUserPool", "Arn"]}
    assert optional["FunctionPayloadType"] == "REQUEST"
    assert refers_to(optional["FunctionArn"], "AuthorizerFunction") or optional["FunctionArn"] == {
        "Ref": "AuthorizerFunction.Alias"
    }
    identity = optional.get("Identity", {})
    assert not {"Headers", "QueryStrings", "StageVariables", "Context"} & set(identity), identity
    # SAM accepts the missing identity source only for a literal 0 (a Ref is not resolved there).
    assert identity.get("ReauthorizeEvery") == 0
    assert not api_events(template, "AuthorizerFunction")


def test_given_the_api_when_deployed_then_it_is_traced_throttled_logged_without_bodies(
    template: dict[str, Any],
) -> None:
    """Given KobanApi, then tracing is on, every method is throttled by the parameters, metrics and error
    logs are on, bodies (personal data) are never logged, and access logs go to a retained log group."""
    api = template["Resources"]["KobanApi"]["Properties"]
    settings = api["MethodSettings"]
    catch_all = [s for s in settings if s.get("ResourcePath") == "/*" and s.get("HttpMethod") == "*"]

    assert api["StageName"] == {"Ref": "Stage"}
    assert api["TracingEnabled"] is True
    assert len(catch_all) == 1
    assert catch_all[0]["ThrottlingRateLimit"] == {"Ref": "ThrottleRate"}
    assert catch_all[0]["ThrottlingBurstLimit"] == {"Ref": "ThrottleBurst"}
    assert catch_all[0]["MetricsEnabled"] is True
    assert catch_all[0]["LoggingLevel"] in {"ERROR", "INFO"}
    assert all(s.get("DataTraceEnabled", False) is False for s in settings)
    log_group = api["AccessLogSetting"]["DestinationArn"]["Fn::GetAtt"][0]
    assert template["Resources"][log_group]["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    assert template["Resources"]["ApiGatewayAccount"]["Type"] == "AWS::ApiGateway::Account"


def test_given_image_uploads_when_api_gateway_sees_them_then_image_types_are_binary_and_escaped(
    template: dict[str, Any],
) -> None:
    """Given attachment uploads, then jpeg/png/webp/heic are binary media types, written as SAM wants (~1)."""
    media_types = template["Resources"]["KobanApi"]["Properties"]["BinaryMediaTypes"]

    assert {"image~1jpeg", "image~1png", "image~1webp", "image~1heic"} <= set(media_types)
    assert all("/" not in media_type for media_type in media_types)


@pytest.mark.parametrize("response_type", ["DEFAULT_4XX", "DEFAULT_5XX", "UNAUTHORIZED", "ACCESS_DENIED", "THROTTLED"])
def test_given_a_required_gateway_response_then_it_is_customised(template: dict[str, Any], response_type: str) -> None:
    """Given an error API Gateway answers itself, then the API customises it (checked in detail below)."""
    assert response_type in template["Resources"]["KobanApi"]["Properties"]["GatewayResponses"]


def test_given_errors_answered_by_api_gateway_then_each_is_problem_json_with_its_status(
    template: dict[str, Any],
) -> None:
    """Given every customised gateway response, when its template is filled in, then it is an RFC 9457
    problem (type, title, status, detail) served as application/problem+json, whose status is the HTTP one."""
    responses = template["Resources"]["KobanApi"]["Properties"]["GatewayResponses"]
    assert responses

    for response_type, response in responses.items():
        templates = response["ResponseTemplates"]
        assert list(templates) == ["application/problem+json"], response_type
        filled = (
            templates["application/problem+json"]
            .replace("$context.error.messageString", json.dumps("some message"))
            .replace("$context.requestId", "req-1")
        )
        problem = json.loads(filled)
        assert {"type", "title", "status", "detail"} <= set(problem), response_type
        http_status = int(response.get("StatusCode", GATEWAY_RESPONSE_STATUS[response_type]))
        assert problem["status"] == http_status, response_type
        headers = response.get("ResponseParameters", {}).get("Headers", {})
        assert "Access-Control-Allow-Origin" in headers, f"{response_type}: browsers could not read it"


# ------------------------------------------------------------------------------------------------------------
# Layers
# ------------------------------------------------------------------------------------------------------------
def test_given_the_shared_layer_when_built_then_sam_packs_shared_with_its_requirements(
    template: dict[str, Any], repo_root: Path
) -> None:
    """Given SharedLayer, then `sam build` (BuildMethod python3.12) packs shared/, which holds the koban
    package and the requirements it installs."""
    layer = template["Resources"]["SharedLayer"]

    assert layer["Type"] == "AWS::Serverless::LayerVersion"
    assert layer["Properties"]["ContentUri"].rstrip("/") == "shared"
    assert layer["Metadata"]["BuildMethod"] == "python3.12"
    assert (repo_root / "shared" / "requirements.txt").is_file(), "shared/requirements.txt is missing"
    assert any((repo_root / "shared" / "koban").glob("*.py")), "shared/koban holds no module"


def test_given_the_plugins_layer_when_built_then_its_makefile_target_exists_for_plugin_packages(
    template: dict[str, Any], repo_root: Path
) -> None:
    """Given PluginsLayer, then `sam build` runs plugins/Makefile's build-PluginsLayer target, and there is
    at least one plugin package (a sub-folder with pyproject.toml) for it to install."""
    layer = template["Resources"]["PluginsLayer"]
    makefile = repo_root / "plugins" / "Makefile"

    assert layer["Properties"]["ContentUri"].rstrip("/") == "plugins"
    assert layer["Metadata"]["BuildMethod"] == "makefile"
    assert re.search(r"^build-PluginsLayer:", makefile.read_text(encoding="utf-8"), re.MULTILINE)
    assert list((repo_root / "plugins").glob("*/pyproject.toml")), "no plugin package under plugins/"


@pytest.mark.slow
def test_given_a_plugin_package_when_the_plugins_layer_is_built_then_its_entry_points_survive(
    repo_root: Path, tmp_path: Path
) -> None:
    """Given a plugin package beside a folder that is none, when `make build-PluginsLayer` runs as sam build
    runs it (a copy of plugins/, ARTIFACTS_DIR set), then the package and its dist-info with the `koban`
    entry point are under python/, and the other folder is not installed."""
    make = shutil.which("make")
    if make is None:
        pytest.skip("make is not installed")
    source = tmp_path / "plugins"
    package = source / "koban_city" / "koban_city"
    package.mkdir(parents=True)
    (source / "not_a_plugin").mkdir()
    shutil.copy(repo_root / "plugins" / "Makefile", source / "Makefile")
    (package / "__init__.py").write_text("NAME = 'city'\n", encoding="utf-8")
    (source / "koban_city" / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools>=75"]\nbuild-backend = "setuptools.build_meta"\n\n'
        '[project]\nname = "koban-city"\nversion = "1.0.0"\n\n'
        '[project.entry-points.koban]\ncity = "koban_city"\n',
        encoding="utf-8",
    )
    artifacts = tmp_path / "artifacts"

    result = subprocess.run(
        [make, "build-PluginsLayer", f"PYTHON={sys.executable}"],
        cwd=source,
        env={**os.environ, "ARTIFACTS_DIR": str(artifacts)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    python = artifacts / "python"
    assert (python / "koban_city" / "__init__.py").is_file()
    entry_points = list(python.glob("koban_city-1.0.0.dist-info/entry_points.txt"))
    assert entry_points, sorted(p.name for p in python.iterdir())
    assert "[koban]" in entry_points[0].read_text(encoding="utf-8")
    assert not (python / "not_a_plugin").exists()


# ------------------------------------------------------------------------------------------------------------
# Data: tables, key, buckets
# ------------------------------------------------------------------------------------------------------------
def test_given_the_data_model_then_the_three_tables_exist(template: dict[str, Any]) -> None:
    """Given the data model, then reports, personal data and idempotency records each have their table."""
    tables = {name for name, res in template["Resources"].items() if res["Type"] == "AWS::DynamoDB::Table"}

    assert {"ReportsTable", "PersonalDataTable", "IdempotencyTable"} <= tables


def test_given_a_table_then_it_is_on_demand_recoverable_encrypted_expiring_and_retained(
    template: dict[str, Any], table_id: str
) -> None:
    """Given a table, then it bills per request, has point-in-time recovery, encryption at rest, a TTL
    attribute (but the audit log, which nothing may expire), and survives stack deletion and replacement."""
    table = template["Resources"][table_id]
    properties = table["Properties"]

    assert properties["BillingMode"] == "PAY_PER_REQUEST"
    assert properties["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert properties["SSESpecification"]["SSEEnabled"] is True
    if table_id != "AuditTable":
        assert properties["TimeToLiveSpecification"]["Enabled"] is True
        assert properties["TimeToLiveSpecification"]["AttributeName"]
    assert table["DeletionPolicy"] == table["UpdateReplacePolicy"] == "Retain"


def test_given_the_reports_table_then_keys_stream_ttl_and_the_five_gsis_are_the_designed_ones(
    template: dict[str, Any],
) -> None:
    """Given ReportsTable, then pk/sk keys, a NEW_AND_OLD_IMAGES stream for the aggregation consumer, TTL on
    expires_at, and the queue/status/category/unit/priority indexes sorted by received_key."""
    properties = template["Resources"]["ReportsTable"]["Properties"]
    attribute_types = {a["AttributeName"]: a["AttributeType"] for a in properties["AttributeDefinitions"]}
    indexes = {
        index["IndexName"]: (
            {k["KeyType"]: k["AttributeName"] for k in index["KeySchema"]},
            index["Projection"]["ProjectionType"],
        )
        for index in properties["GlobalSecondaryIndexes"]
    }

    assert properties["KeySchema"] == [
        {"AttributeName": "pk", "KeyType": "HASH"},
        {"AttributeName": "sk", "KeyType": "RANGE"},
    ]
    assert properties["StreamSpecification"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    assert properties["TimeToLiveSpecification"]["AttributeName"] == "expires_at"
    assert indexes == {
        "QueueIndex": ({"HASH": "tenant_key", "RANGE": "received_key"}, "ALL"),
        "StatusIndex": ({"HASH": "status_key", "RANGE": "received_key"}, "ALL"),
        "CategoryIndex": ({"HASH": "category_key", "RANGE": "received_key"}, "ALL"),
        "UnitIndex": ({"HASH": "unit_key", "RANGE": "received_key"}, "ALL"),
        "PriorityIndex": ({"HASH": "priority_key", "RANGE": "received_key"}, "ALL"),
        "UpdatesIndex": ({"HASH": "updates_key", "RANGE": "updated_key"}, "ALL"),
    }
    assert set(attribute_types.values()) == {"S"}


def test_given_personal_data_then_its_table_uses_the_rotating_customer_managed_key(
    template: dict[str, Any],
) -> None:
    """Given PersonalDataTable, then it is keyed pk/sk, expires on expires_at and is encrypted with
    PersonalDataKey, a customer-managed key with rotation on."""
    properties = template["Resources"]["PersonalDataTable"]["Properties"]
    key = template["Resources"]["PersonalDataKey"]

    assert [k["AttributeName"] for k in properties["KeySchema"]] == ["pk", "sk"]
    assert properties["TimeToLiveSpecification"]["AttributeName"] == "expires_at"
    assert properties["SSESpecification"]["SSEType"] == "KMS"
    assert refers_to(properties["SSESpecification"]["KMSMasterKeyId"], "PersonalDataKey")
    assert key["Type"] == "AWS::KMS::Key"
    assert key["Properties"]["EnableKeyRotation"] is True


def test_given_powertools_idempotency_then_its_table_uses_the_library_defaults(
    template: dict[str, Any],
) -> None:
    """Given IdempotencyTable, then its key is `id` and its TTL attribute `expiration` (as powertools)."""
    properties = template["Resources"]["IdempotencyTable"]["Properties"]

    assert properties["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    assert properties["TimeToLiveSpecification"]["AttributeName"] == "expiration"


def test_given_a_bucket_then_it_is_versioned_encrypted_private_owner_enforced_and_retained(
    template: dict[str, Any], bucket_id: str
) -> None:
    """Given a bucket, then it is versioned, encrypted by default, blocks all public access, has ACLs
    disabled, and survives stack deletion."""
    bucket = template["Resources"][bucket_id]
    properties = bucket["Properties"]
    encryption = properties["BucketEncryption"]["ServerSideEncryptionConfiguration"]

    assert properties["VersioningConfiguration"]["Status"] == "Enabled"
    assert encryption
    assert all(
        rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in {"AES256", "aws:kms", "aws:kms:dsse"}
        for rule in encryption
    )
    assert properties["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert properties["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    assert bucket["DeletionPolicy"] == bucket["UpdateReplacePolicy"] == "Retain"


def test_given_a_bucket_when_reached_without_tls_then_its_policy_denies_everything(
    template: dict[str, Any], bucket_id: str
) -> None:
    """Given a bucket, then its bucket policy denies every S3 action on the bucket and its objects to any
    principal when aws:SecureTransport is false."""
    policy = bucket_policy_for(template, bucket_id)
    assert policy is not None, f"{bucket_id} has no bucket policy"

    denies = [s for s in policy["Statement"] if is_tls_only_deny(s)]

    assert denies, f"{bucket_id}: no TLS-only Deny statement"
    resources = denies[0]["Resource"]
    assert any(r == {"Fn::GetAtt": [bucket_id, "Arn"]} for r in resources)
    assert any(r == {"Fn::Sub": f"${{{bucket_id}.Arn}}/*"} for r in resources)


def test_given_attachments_then_old_versions_expire_and_access_is_logged(template: dict[str, Any]) -> None:
    """Given AttachmentsBucket, then noncurrent versions expire (erasure really erases) and S3 server access
    logs go to AccessLogsBucket."""
    properties = template["Resources"]["AttachmentsBucket"]["Properties"]
    rules = properties["LifecycleConfiguration"]["Rules"]

    assert any(r["Status"] == "Enabled" and r.get("NoncurrentVersionExpiration") for r in rules)
    assert properties["LoggingConfiguration"]["DestinationBucketName"] == {"Ref": "AccessLogsBucket"}


# ------------------------------------------------------------------------------------------------------------
# Permissions
# ------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("resource_type", "statement", "allowed"),
    [
        ("AWS::IAM::Role", {"Effect": "Allow", "Action": "*", "Resource": "*"}, False),
        (
            "AWS::IAM::Role",
            {"Effect": "Allow", "Action": ["dynamodb:GetItem", "kms:*"], "Resource": "x"},
            False,
        ),
        ("AWS::IAM::Role", {"Effect": "Allow", "Action": "s3:Get*", "Resource": "x"}, False),
        ("AWS::IAM::Role", {"Effect": "Allow", "NotAction": "iam:PassRole", "Resource": "*"}, False),
        ("AWS::IAM::Role", {"Effect": "Allow", "Action": ["dynamodb:GetItem"], "Resource": "x"}, True),
        (
            "AWS::S3::BucketPolicy",
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": "x",
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            },
            True,
        ),
        (
            "AWS::S3::BucketPolicy",
            {"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "x"},
            False,
        ),
        (
            "AWS::IAM::Role",
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": "x",
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            },
            False,
        ),
    ],
)
def test_given_a_statement_when_the_wildcard_rule_judges_it_then_only_the_tls_deny_passes(
    resource_type: str, statement: dict[str, Any], allowed: bool
) -> None:
    """Given sample statements, when the wildcard rule below judges them, then it flags wildcards and
    NotAction, and lets only the TLS-only Deny of a bucket policy through (the rule itself can fail)."""
    assert (wildcard_problems(resource_type, "sample", statement) == []) is allowed


def test_given_every_policy_statement_in_the_template_then_no_action_is_a_wildcard(
    template: dict[str, Any],
) -> None:
    """Given every statement (roles, function policies, key policy, bucket policies), then each lists explicit
    actions; the TLS-only Deny of a bucket policy is the single accepted wildcard."""
    problems = []
    for name, res in template["Resources"].items():
        for where, statement in iter_statements(res.get("Properties", {}), name):
            problems.extend(wildcard_problems(res["Type"], where, statement))

    assert not problems, "\n".join(problems)


def test_given_a_function_then_its_policies_are_statements_or_templates_never_managed_policy_names(
    template: dict[str, Any], function_id: str
) -> None:
    """Given a function's Policies, then each is an explicit statement list or a SAM policy template, never an
    AWS managed policy name (those are broad), and no function assumes a hand-made role."""
    properties = template["Resources"][function_id]["Properties"]
    policies = properties.get("Policies", [])

    assert "Role" not in properties
    assert isinstance(policies, list)
    assert all(isinstance(policy, dict) for policy in policies), policies


def test_given_any_function_then_it_may_never_scan_a_table(template: dict[str, Any], function_id: str) -> None:
    """Given a function, then neither its statements nor a SAM template it uses grant dynamodb:Scan
    (no Scan on any request path; DynamoDBCrudPolicy and DynamoDBReadPolicy include it)."""
    policies = template["Resources"][function_id]["Properties"].get("Policies", [])
    actions = [
        action
        for _, statement in iter_statements(policies)
        for action in (statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]])
    ]
    templates = {key for policy in policies for key in policy if key != "Statement"}

    assert "dynamodb:Scan" not in actions
    assert not templates & {"DynamoDBCrudPolicy", "DynamoDBReadPolicy"}


@pytest.mark.parametrize("data_free_function", ["TenantsFunction", "DocsFunction", "AuthorizerFunction"])
def test_given_a_function_without_data_then_it_has_no_data_permissions(
    template: dict[str, Any], data_free_function: str
) -> None:
    """Given tenants, docs and the authorizer, then they hold no permission beyond logs and tracing."""
    assert not template["Resources"][data_free_function]["Properties"].get("Policies")


@pytest.mark.parametrize(
    ("target", "needed"),
    [
        ("ReportsTable", {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query"}),
        (
            "PersonalDataTable",
            {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"},
        ),
        (
            "IdempotencyTable",
            {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"},
        ),
        ("AttachmentsBucket", {"s3:GetObject", "s3:PutObject", "s3:DeleteObject"}),
        ("PersonalDataKey", {"kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"}),
    ],
)
def test_given_the_reports_function_then_it_may_use_each_of_its_data_stores(
    template: dict[str, Any], target: str, needed: set[str]
) -> None:
    """Given ReportsFunction, then explicit statements grant it what the reports use case needs on each of its
    tables, the attachments bucket and the personal data key."""
    policies = template["Resources"]["ReportsFunction"]["Properties"]["Policies"]
    granted = {
        action
        for _, statement in iter_statements(policies)
        if statement.get("Effect") == "Allow" and refers_to(statement.get("Resource"), target)
        for action in (statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]])
    }

    assert needed <= granted, f"ReportsFunction lacks {sorted(needed - granted)} on {target}"


def test_given_privacy_maintenance_then_it_runs_hourly_and_may_only_finish_and_make_erasures(
    template: dict[str, Any],
) -> None:
    """Given PrivacyMaintenanceFunction, then EventBridge invokes it every hour (no route), and it may do what an
    erasure needs and nothing else: each statement's actions, resources and leading keys exactly (lifecycle changes
    from UpdatesIndex only, reports by key, contacts only to delete them and their subject-index entries, markers,
    threads and its bookmark, the followers' subscriptions, audit appends, photos, the two keys)."""
    properties = template["Resources"]["PrivacyMaintenanceFunction"]["Properties"]
    statements = {statement["Sid"]: statement for _, statement in iter_statements(properties["Policies"])}

    def leading_keys(sid: str) -> list[str] | None:
        condition = statements[sid].get("Condition")
        return condition["ForAllValues:StringLike"]["dynamodb:LeadingKeys"] if condition else None

    assert properties["Events"] == {
        "Hourly": {
            "Type": "Schedule",
            "Properties": {
                "Schedule": "rate(1 hour)",
                "Description": "Finish interrupted erasures; anonymise closed reports past retention.",
                "Enabled": True,
            },
        }
    }
    assert all(statement["Effect"] == "Allow" for statement in statements.values())
    assert {sid: set(statement["Action"]) for sid, statement in statements.items()} == {
        "ErasureMarkersAndThreads": {"dynamodb:Query", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"},
        "ErasureMarkersAndRetentionBookmark": {"dynamodb:GetItem", "dynamodb:PutItem"},
        "ContactsErase": {"dynamodb:GetItem", "dynamodb:DeleteItem"},
        "LifecycleChanges": {"dynamodb:Query"},
        "ReportsErase": {"dynamodb:BatchGetItem", "dynamodb:PutItem"},
        "SubscriptionsReadDelete": {"dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:DeleteItem"},
        "AuditAppend": {*AUDIT_APPEND},
        "AttachmentsDelete": {"s3:DeleteObject"},
        "SubjectIndexHashes": {"kms:GenerateMac"},
        "PersonalDataKeyUse": {"kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"},
    }
    assert {sid: statement["Resource"] for sid, statement in statements.items()} == {
        "ErasureMarkersAndThreads": [{"Fn::GetAtt": ["PersonalDataTable", "Arn"]}],
        "ErasureMarkersAndRetentionBookmark": [{"Fn::GetAtt": ["PersonalDataTable", "Arn"]}],
        "ContactsErase": [{"Fn::GetAtt": ["PersonalDataTable", "Arn"]}],
        "LifecycleChanges": [{"Fn::Sub": "${ReportsTable.Arn}/index/UpdatesIndex"}],
        "ReportsErase": [{"Fn::GetAtt": ["ReportsTable", "Arn"]}],
        "SubscriptionsReadDelete": [{"Fn::GetAtt": ["SubscriptionsTable", "Arn"]}],
        "AuditAppend": [{"Fn::GetAtt": ["AuditTable", "Arn"]}],
        "AttachmentsDelete": [{"Fn::Sub": "${AttachmentsBucket.Arn}/tenants/*"}],
        "SubjectIndexHashes": [{"Fn::GetAtt": ["SubjectIndexKey", "Arn"]}],
        "PersonalDataKeyUse": [{"Fn::GetAtt": ["PersonalDataKey", "Arn"]}],
    }
    assert leading_keys("ErasureMarkersAndThreads") == ["ERASING#*", "THREAD#*"]
    assert leading_keys("ErasureMarkersAndRetentionBookmark") == ["ERASING#*", "RETENTION#*"]
    assert leading_keys("ContactsErase") == ["CONTACT#*", "SUBJECT#*"]
    assert leading_keys("ReportsErase") == ["REPORT#*"]
    assert leading_keys("AuditAppend") == ["AUDIT#*"]
    assert leading_keys("LifecycleChanges") is None  # a GSI's leading key is the index's (the tenant): no prefix
    assert leading_keys("SubscriptionsReadDelete") is None  # every kind of its items belongs to a subscription


def test_given_the_personal_data_key_then_its_policy_delegates_to_the_account_only(
    template: dict[str, Any],
) -> None:
    """Given PersonalDataKey's key policy, then its only principal is this account's root (IAM decides who
    else), with explicit actions that keep the key manageable (PutKeyPolicy)."""
    statements = template["Resources"]["PersonalDataKey"]["Properties"]["KeyPolicy"]["Statement"]

    for statement in statements:
        assert statement["Principal"] == {"AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}}
    assert any("kms:PutKeyPolicy" in s["Action"] for s in statements)


# ------------------------------------------------------------------------------------------------------------
# Staff identity
# ------------------------------------------------------------------------------------------------------------
def test_given_the_staff_pool_then_only_admins_create_users_with_strong_passwords_mfa_and_a_tenant(
    template: dict[str, Any],
) -> None:
    """Given StaffUserPool, then sign-up is closed, passwords are strong, TOTP MFA is offered, and every user
    can carry the `tenant` attribute (claim custom:tenant)."""
    properties = template["Resources"]["StaffUserPool"]["Properties"]
    password = properties["Policies"]["PasswordPolicy"]
    tenant = [a for a in properties["Schema"] if a["Name"] == "tenant"]

    assert properties["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    assert password["MinimumLength"] >= 12
    assert all(password[f"Require{kind}"] is True for kind in ("Lowercase", "Uppercase", "Numbers", "Symbols"))
    assert properties["MfaConfiguration"] in {"OPTIONAL", "ON"}
    assert "SOFTWARE_TOKEN_MFA" in properties["EnabledMfas"]
    assert len(tenant) == 1
    assert tenant[0]["AttributeDataType"] == "String"


def test_given_the_staff_client_then_it_is_public_srp_only_and_cannot_change_its_tenant(
    template: dict[str, Any],
) -> None:
    """Given StaffUserPoolClient, then it has no secret (browser app), allows only SRP and refresh, and
    users cannot write custom:tenant (which would let them into another tenant)."""
    properties = template["Resources"]["StaffUserPoolClient"]["Properties"]

    assert properties["UserPoolId"] == {"Ref": "StaffUserPool"}
    assert properties["GenerateSecret"] is False
    assert set(properties["ExplicitAuthFlows"]) == {"ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}
    assert "WriteAttributes" in properties, "without WriteAttributes every attribute is user-writable"
    assert "custom:tenant" not in properties["WriteAttributes"]
    assert "custom:tenant" in properties["ReadAttributes"]


def test_given_the_staff_roles_then_each_is_a_group_of_the_pool(template: dict[str, Any]) -> None:
    """Given the roles officer, supervisor, admin and partner, then each is a group of StaffUserPool (claim
    cognito:groups)."""
    resources = template["Resources"]
    expected = {
        "OfficerGroup": "officer",
        "SupervisorGroup": "supervisor",
        "AdminGroup": "admin",
        "PartnerGroup": "partner",
    }

    for logical_id, group_name in expected.items():
        group = resources[logical_id]
        assert group["Type"] == "AWS::Cognito::UserPoolGroup"
        assert group["Properties"]["GroupName"] == group_name
        assert group["Properties"]["UserPoolId"] == {"Ref": "StaffUserPool"}


# ------------------------------------------------------------------------------------------------------------
# What SAM itself makes of the template (cfn-lint 1.58 validates SAM resources by schema only and does not run
# the SAM transform, so SAM's own rules - e.g. on authorizers - are only seen by transforming).
# ------------------------------------------------------------------------------------------------------------
_TRANSFORM_SCRIPT = """
import json, sys
from samtranslator.public.exceptions import InvalidDocumentException
from samtranslator.translator.transform import transform

class NoManagedPolicies:
    def load(self):
        return {}

template = json.load(sys.stdin)
for resource in template.get("Resources", {}).values():
    properties = resource.get("Properties", {})
    for key in ("CodeUri", "ContentUri"):
        if isinstance(properties.get(key), str):
            properties[key] = "s3://bucket/" + properties[key]
try:
    print(json.dumps(transform(template, {}, NoManagedPolicies()), default=str))
except InvalidDocumentException as error:
    print(json.dumps({"errors": [str(cause) for cause in error.causes]}))
    sys.exit(1)
"""


def _sam_python(repo_root: Path) -> Path | None:
    """A Python that has samtranslator: $KOBAN_SAM_PYTHON, or the SAM CLI tool env that `make build` makes."""
    configured = os.environ.get("KOBAN_SAM_PYTHON")
    candidates = [Path(configured)] if configured else [repo_root / ".tools" / "sam" / "bin" / "python"]
    return next((c for c in candidates if c.exists()), None)


@pytest.fixture(scope="module")
def transformed(template: dict[str, Any], repo_root: Path) -> dict[str, Any]:
    python = _sam_python(repo_root)
    if python is None:
        pytest.skip("no SAM translator: run `make build` once (creates .tools/sam) or set KOBAN_SAM_PYTHON")
    result = subprocess.run(
        [str(python), "-c", _TRANSFORM_SCRIPT],
        input=json.dumps(template),
        env={**os.environ, "AWS_DEFAULT_REGION": os.environ.get("AWS_DEFAULT_REGION", "eu-west-1")},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    output: dict[str, Any] = json.loads(result.stdout)
    return output


def test_given_the_sam_transform_when_applied_then_routes_carry_the_intended_security(
    transformed: dict[str, Any], template: dict[str, Any]
) -> None:
    """Given the template transformed by SAM, then every method of the generated OpenAPI body has the
    security its event asked for: NONE public, the authorizer otherwise."""
    body = transformed["Resources"]["KobanApi"]["Properties"]["Body"]
    expected = {
        (properties["Method"].lower(), properties["Path"]): properties["Auth"]["Authorizer"]
        for _, _, properties in all_api_events(template)
    }
    actual = {
        (method, path): next(iter(operation["security"][0]))
        for path, operations in body["paths"].items()
        for method, operation in operations.items()
    }

    assert actual == expected


def test_given_the_sam_transform_when_applied_then_the_optional_authorizer_has_no_identity_source(
    transformed: dict[str, Any],
) -> None:
    """Given the template transformed by SAM, then OptionalStaffAuthorizer is a request authorizer with no
    identitySource and a 0 s cache, so API Gateway calls it even without an Authorization header."""
    definitions = transformed["Resources"]["KobanApi"]["Properties"]["Body"]["securityDefinitions"]
    authorizer = definitions[OPTIONAL_STAFF]["x-amazon-apigateway-authorizer"]

    assert authorizer["type"] == "request"
    assert "identitySource" not in authorizer
    assert authorizer["authorizerResultTtlInSeconds"] == 0


def test_given_the_audit_table_then_it_is_append_only_kept_and_recoverable(template: dict[str, Any]) -> None:
    """Given AuditTable, then nothing expires it, it cannot be deleted by accident, PITR restores it, and no
    function may delete an item of it (appends are Put + Update, reads Get + Query)."""
    table = template["Resources"]["AuditTable"]
    properties = table["Properties"]
    assert "TimeToLiveSpecification" not in properties
    assert properties["DeletionProtectionEnabled"] is True
    assert table["DeletionPolicy"] == "Retain"
    assert properties["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert properties["SSESpecification"]["SSEEnabled"] is True
    granted: dict[str, set[str]] = {}
    for name, resource in template["Resources"].items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        for policy in resource["Properties"].get("Policies", []):
            for statement in policy.get("Statement", []) if isinstance(policy, dict) else []:
                if any(refers_to(target, "AuditTable") for target in statement.get("Resource", [])):
                    granted.setdefault(name, set()).update(statement["Action"])
    assert granted == {
        "ReportsFunction": {*AUDIT_APPEND},
        "NotificationsFunction": {*AUDIT_APPEND},
        "PrivacyFunction": {*AUDIT_APPEND},
        "PrivacyMaintenanceFunction": {*AUDIT_APPEND},
        "AssistantFunction": {*AUDIT_APPEND},
        "AuditFunction": {"dynamodb:GetItem", "dynamodb:Query"},
        "AuditAnchorFunction": {"dynamodb:GetItem"},
    }


AUDIT_APPEND = (
    "dynamodb:GetItem",
    "dynamodb:Query",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:ConditionCheckItem",
)
