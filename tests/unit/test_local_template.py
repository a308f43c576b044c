"""koban_local.template: the SAM template read as the local home needs it, intrinsics resolved."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from koban_local.home import shared_environment
from koban_local.schedules import ScheduleRunner
from koban_local.template import (
    GatewayResponse,
    Route,
    ScheduleSource,
    StreamSource,
    Template,
    TemplateError,
    load_yaml,
)

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "gateway"
PHYSICAL = {"EventsTable": "local-events", "FilesBucket": "local-files"}


@pytest.fixture(scope="module")
def fixture_template() -> Template:
    return Template.load(FIXTURE / "template.yaml")


def _template(resources: dict[str, Any], **sections: Any) -> Template:
    return Template({"Resources": resources, **sections}, FIXTURE)


def test_given_short_tags_when_loaded_then_they_are_the_long_form() -> None:
    document = load_yaml(
        """
        a: !Ref Thing
        b: !GetAtt Table.StreamArn
        c: !GetAtt [Table, Arn]
        d: !Sub "${AWS::Region}-x"
        e: !If [Cond, yes-value, no-value]
        f: !Equals [!Ref Stage, prod]
        g: !Not [!Condition IsProd]
        h: !Join [",", [a, b]]
        i: !Select [1, !Split [",", "a,b"]]
        j: !FindInMap [Map, Top, Second]
        k: !ImportValue other-stack-output
        version: 2010-09-09
        """
    )
    assert document == {
        "a": {"Ref": "Thing"},
        "b": {"Fn::GetAtt": ["Table", "StreamArn"]},
        "c": {"Fn::GetAtt": ["Table", "Arn"]},
        "d": {"Fn::Sub": "${AWS::Region}-x"},
        "e": {"Fn::If": ["Cond", "yes-value", "no-value"]},
        "f": {"Fn::Equals": [{"Ref": "Stage"}, "prod"]},
        "g": {"Fn::Not": [{"Condition": "IsProd"}]},
        "h": {"Fn::Join": [",", ["a", "b"]]},
        "i": {"Fn::Select": [1, {"Fn::Split": [",", "a,b"]}]},
        "j": {"Fn::FindInMap": ["Map", "Top", "Second"]},
        "k": {"Fn::ImportValue": "other-stack-output"},
        "version": "2010-09-09",  # a string, as CloudFormation reads it, not a date
    }


def test_given_the_fixture_when_loaded_then_functions_merge_globals(fixture_template: Template) -> None:
    functions = fixture_template.functions
    assert set(functions) == {"EchoAFunction", "EchoBFunction", "AuthorizerFunction", "ConsumerFunction"}
    echo_a = functions["EchoAFunction"]
    assert echo_a.code_uri == FIXTURE / "functions" / "echo_a"
    assert echo_a.handler == "app.lambda_handler"  # from Globals
    assert (echo_a.memory_size, echo_a.timeout) == (256, 10)
    assert functions["EchoBFunction"].memory_size == 512  # its own !FindInMap wins over Globals
    assert functions["AuthorizerFunction"].handler == "app.authorize"
    assert echo_a.environment["POWERTOOLS_SERVICE_NAME"] == "echo-a"  # own value over the global one
    assert echo_a.environment["EVENTS_TABLE"] == {"Ref": "EventsTable"}  # unresolved until asked


def test_given_api_events_when_loaded_then_routes_carry_their_authorizer(fixture_template: Template) -> None:
    routes = {(route.method, route.path): route for route in fixture_template.routes}
    assert routes["ANY", "/v1/echo/{name}"] == Route("ANY", "/v1/echo/{name}", "EchoAFunction", None)
    assert routes["GET", "/v1/tenants/{tenant}/things"].authorizer == "StaffCognito"  # the DefaultAuthorizer
    assert routes["POST", "/v1/optional"].authorizer == "OptionalStaff"
    assert routes["GET", "/v1/crash"].function_id == "EchoBFunction"
    assert fixture_template.authorizers == {"StaffCognito": "cognito", "OptionalStaff": "lambda"}


def test_given_the_api_when_loaded_then_its_settings_are_read(fixture_template: Template) -> None:
    assert fixture_template.binary_media_types == ("image/png", "application/octet-stream")
    assert fixture_template.stage == "v1"
    assert fixture_template.cors is not None
    assert fixture_template.cors.allow_origin == "*"
    assert fixture_template.cors.allow_headers == "Content-Type,Authorization,Idempotency-Key"
    assert fixture_template.cors.max_age == "600"
    unauthorized = fixture_template.gateway_responses["UNAUTHORIZED"]
    assert unauthorized.headers["Access-Control-Allow-Origin"] == "'*'"
    assert "application/problem+json" in unauthorized.templates
    assert fixture_template.gateway_responses["MISSING_AUTHENTICATION_TOKEN"] == GatewayResponse(
        status_code=404,
        headers={},
        templates=fixture_template.gateway_responses["MISSING_AUTHENTICATION_TOKEN"].templates,
    )


def test_given_a_stream_event_when_loaded_then_it_is_a_stream_source(fixture_template: Template) -> None:
    assert fixture_template.stream_sources == [
        StreamSource(
            function_id="ConsumerFunction",
            table_logical_id="EventsTable",
            batch_size=2,
            starting_position="TRIM_HORIZON",
            report_batch_item_failures=True,
            maximum_retry_attempts=3,
        )
    ]


def test_given_resources_when_loaded_then_tables_and_buckets_keep_their_properties(
    fixture_template: Template,
) -> None:
    assert set(fixture_template.tables) == {"EventsTable", "NamedTable"}
    assert fixture_template.tables["EventsTable"]["StreamSpecification"] == {"StreamViewType": "NEW_AND_OLD_IMAGES"}
    assert set(fixture_template.buckets) == {"FilesBucket"}
    assert fixture_template.buckets["FilesBucket"]["VersioningConfiguration"] == {"Status": "Enabled"}


def test_given_physical_names_when_resolving_environment_then_every_intrinsic_is_evaluated(
    fixture_template: Template,
) -> None:
    environment = fixture_template.resolve_environment("EchoAFunction", PHYSICAL)
    assert environment == {
        "EVENTS_TABLE": "local-events",
        "FILES_BUCKET": "local-files",
        "STAGE": "v1",
        "RETENTION_DAYS": "30",
        "LABEL": "koban-local-v1-eu-west-1",
        "EVENTS_TABLE_ARN": "arn:aws:dynamodb:eu-west-1:123456789012:table/local-events",
        "MODE": "relaxed",
        "FIRST_REGION": "eu-west-1",
        "JOINED": "a:v1",
        "SIZE": "512",
        "DEBUG": "true",
        "POWERTOOLS_SERVICE_NAME": "echo-a",
        "ONLY_A": "yes",
    }
    assert fixture_template.resolve_environment("EchoBFunction", PHYSICAL)["POWERTOOLS_SERVICE_NAME"] == "echo-b"


def test_given_resources_without_physical_names_when_resolving_then_they_get_the_stack_prefix(
    fixture_template: Template,
) -> None:
    assert fixture_template.resolve({"Ref": "UserPool"}, {}) == "koban-local-UserPool"
    assert (
        fixture_template.resolve({"Fn::GetAtt": ["UserPool", "Arn"]}, {})
        == "arn:aws:cognito-idp:eu-west-1:123456789012:userpool/koban-local-UserPool"
    )
    assert fixture_template.resolve({"Fn::Sub": "${FilesBucket.Arn}/*"}, PHYSICAL) == "arn:aws:s3:::local-files/*"
    assert fixture_template.resolve({"Fn::Sub": "${!Literal}"}, {}) == "${Literal}"


def test_given_no_value_when_resolving_then_the_property_disappears(fixture_template: Template) -> None:
    value = {"Keep": 1, "Drop": {"Ref": "AWS::NoValue"}, "List": ["a", {"Ref": "AWS::NoValue"}]}
    assert fixture_template.resolve(value, {}) == {"Keep": 1, "List": ["a"]}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"Ref": "Nowhere"}, "unknown name"),
        ({"Fn::ImportValue": "x"}, "other stacks"),
        ({"Fn::GetAtt": ["UserPool", "Color"]}, "not known locally"),
        ({"Fn::If": ["NoSuchCondition", "a", "b"]}, "not defined"),
        ({"Fn::FindInMap": ["Sizes", "prod", "Memory"]}, "not in Mappings"),
    ],
)
def test_given_an_unresolvable_intrinsic_when_resolving_then_it_says_why(
    fixture_template: Template, value: dict[str, Any], message: str
) -> None:
    with pytest.raises(TemplateError, match=message):
        fixture_template.resolve(value, {})


def test_given_a_parameter_without_default_when_referenced_then_it_is_an_error() -> None:
    template = _template({}, Parameters={"Secret": {"Type": "String"}})
    with pytest.raises(TemplateError, match="no Default"):
        template.resolve({"Ref": "Secret"}, {})


def test_given_a_route_with_an_unknown_authorizer_when_loaded_then_it_is_an_error() -> None:
    function = {
        "Type": "AWS::Serverless::Function",
        "Properties": {
            "CodeUri": "functions/echo_a/",
            "Handler": "app.lambda_handler",
            "Events": {
                "E": {
                    "Type": "Api",
                    "Properties": {"Path": "/x", "Method": "get", "Auth": {"Authorizer": "Nope"}},
                }
            },
        },
    }
    with pytest.raises(TemplateError, match="'Nope' is not defined"):
        _template({"Fn": function})


def test_given_a_stream_that_is_not_a_table_stream_when_loaded_then_it_is_an_error() -> None:
    function = {
        "Type": "AWS::Serverless::Function",
        "Properties": {
            "CodeUri": "functions/consumer/",
            "Handler": "app.lambda_handler",
            "Events": {"S": {"Type": "DynamoDB", "Properties": {"Stream": "arn:aws:dynamodb:somewhere"}}},
        },
    }
    with pytest.raises(TemplateError, match="StreamArn"):
        _template({"Fn": function})


def test_given_a_document_without_resources_when_loaded_then_it_is_an_error() -> None:
    with pytest.raises(TemplateError, match="Resources"):
        Template({"Parameters": {}}, FIXTURE)


def test_given_function_environments_when_shared_then_only_values_that_agree_are_process_wide(
    fixture_template: Template,
) -> None:
    environments = {
        function_id: fixture_template.resolve_environment(function_id, PHYSICAL)
        for function_id in fixture_template.functions
    }
    shared = shared_environment(environments)
    assert shared["EVENTS_TABLE"] == "local-events"
    assert shared["ONLY_A"] == "yes"  # one function's own variable conflicts with nobody
    assert "POWERTOOLS_SERVICE_NAME" not in shared  # echo-a, echo-b, koban-fixture: set at import only


def test_given_a_response_headers_policy_when_loaded_then_pages_get_its_security_headers(
    fixture_template: Template,
) -> None:
    # HSTS stays with CloudFront: the local gateway speaks plain HTTP.
    assert fixture_template.page_headers == (
        ("Content-Security-Policy", "default-src 'self'"),
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
    )


def _scheduled(expression: str, **properties: Any) -> dict[str, Any]:
    return {
        "Type": "AWS::Serverless::Function",
        "Properties": {
            "CodeUri": "functions/echo_a/",
            "Handler": "app.lambda_handler",
            "Events": {"Tick": {"Type": "Schedule", "Properties": {"Schedule": expression, **properties}}},
        },
    }


@pytest.mark.parametrize(
    ("expression", "seconds"), [("rate(1 hour)", 3600), ("rate(5 minutes)", 300), ("rate(2 days)", 172800)]
)
def test_given_a_rate_schedule_when_loaded_then_the_function_has_its_interval(expression: str, seconds: int) -> None:
    function = _template({"Fn": _scheduled(expression)}).functions["Fn"]
    assert function.schedules == (ScheduleSource("Fn", "Tick", seconds),)


def test_given_a_disabled_schedule_when_loaded_then_nothing_runs_it() -> None:
    assert _template({"Fn": _scheduled("rate(1 hour)", Enabled=False)}).functions["Fn"].schedules == ()


def test_given_a_cron_schedule_when_loaded_then_the_local_home_says_it_runs_rates_only() -> None:
    with pytest.raises(TemplateError, match=r"rate\(N unit\)"):
        _template({"Fn": _scheduled("cron(0 3 * * ? *)")})


def test_given_a_scheduled_function_when_the_runner_runs_it_then_it_gets_eventbridges_event() -> None:
    template = _template({"Fn": _scheduled("rate(1 hour)")})
    received: list[dict[str, Any]] = []

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        received.append(event)
        return {"done": context.get_remaining_time_in_millis() > 0}

    runner = ScheduleRunner(template, {"Fn": handler}, max_interval=60)
    assert runner.run_once(runner.sources[0]) == {"done": True}
    assert received[0]["detail-type"] == "Scheduled Event"
    assert received[0]["source"] == "aws.events"
    assert received[0]["resources"] == ["arn:aws:events:eu-west-1:123456789012:rule/FnTick"]
