"""Read the SAM `template.yaml` so the local home runs the very routes, tables and buckets the cloud deploys.

The template is the single source of truth: the gateway's routes, the stream and queue consumers, the tables,
buckets, queues and keys are all read from here, so the two homes cannot drift. Intrinsic functions are resolved
the way CloudFormation would, against local physical names and the parameters' defaults.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, cast

import yaml

AuthorizerKind = Literal["cognito", "lambda"]

LOCAL_REGION = "eu-west-1"
LOCAL_ACCOUNT_ID = "123456789012"
LOCAL_STACK_NAME = "koban-local"

# The SAM implicit API's stage when neither the template nor a `Stage` parameter names one.
_SAM_DEFAULT_STAGE = "Prod"
_SAM_DEFAULT_MEMORY_MB = 128
_SAM_DEFAULT_TIMEOUT_S = 3
_LAMBDA_DEFAULT_BATCH_SIZE = 100
_SQS_DEFAULT_BATCH_SIZE = 10
# EventBridge's rate expressions: rate(1 hour), rate(5 minutes), rate(1 day).
_RATE = re.compile(r"rate\((\d+) (minutes?|hours?|days?)\)")
_RATE_UNIT_SECONDS = {"minute": 60, "minutes": 60, "hour": 3600, "hours": 3600, "day": 86400, "days": 86400}

_SHORT_TAGS = (
    "And",
    "Base64",
    "Cidr",
    "Equals",
    "FindInMap",
    "GetAZs",
    "If",
    "ImportValue",
    "Join",
    "Not",
    "Or",
    "Select",
    "Split",
    "Sub",
)
_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")


class TemplateError(ValueError):
    """The template is malformed, or uses something the local home cannot reproduce."""


@dataclass(frozen=True)
class Route:
    method: str  # upper case; "ANY" matches every method, as in API Gateway
    path: str
    function_id: str
    authorizer: str | None  # an authorizer name from `Template.authorizers`, None for an open route


@dataclass(frozen=True)
class StreamSource:
    function_id: str
    table_logical_id: str
    batch_size: int
    starting_position: str
    report_batch_item_failures: bool
    maximum_retry_attempts: int | None = None  # None or -1: the template leaves it to Lambda's default


@dataclass(frozen=True)
class QueueSource:
    """An SQS event source: Lambda polls the queue and invokes the function with batches of messages."""

    function_id: str
    queue_logical_id: str
    batch_size: int
    report_batch_item_failures: bool
    maximum_concurrency: int | None = None


@dataclass(frozen=True)
class ScheduleSource:
    """A function's `Type: Schedule` event with a `rate(...)` expression (EventBridge invokes it every `seconds`)."""

    function_id: str
    event_name: str
    seconds: int


@dataclass(frozen=True)
class Function:
    logical_id: str
    code_uri: Path  # absolute
    handler: str
    environment: Mapping[str, Any]  # Globals merged with the function's own, intrinsics not yet resolved
    memory_size: int
    timeout: int
    routes: tuple[Route, ...]
    streams: tuple[StreamSource, ...]
    queues: tuple[QueueSource, ...] = ()
    schedules: tuple[ScheduleSource, ...] = ()


@dataclass(frozen=True)
class Cors:
    """An Api's `Cors` setting with SAM's single quotes removed."""

    allow_origin: str
    allow_methods: str | None
    allow_headers: str | None
    max_age: str | None
    allow_credentials: bool


@dataclass(frozen=True)
class GatewayResponse:
    """One of an Api's GatewayResponses: what API Gateway answers itself (401, 404, 413, 502...)."""

    status_code: int | None  # None: the response type's own status
    headers: Mapping[str, str]  # name → mapping expression ("'*'" is a literal)
    templates: Mapping[str, str]  # content type → body template with $context variables


class _Loader(yaml.SafeLoader):
    """A safe loader that reads CloudFormation's short tags as the long form (`!Ref X` → `{"Ref": "X"}`)."""


# CloudFormation reads `2010-09-09` as a string; YAML 1.1 would turn it into a date.
_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _construct(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return loader.construct_mapping(cast(yaml.MappingNode, node), deep=True)


def _long_form(name: str) -> Callable[[yaml.SafeLoader, yaml.Node], dict[str, Any]]:
    def construct(loader: yaml.SafeLoader, node: yaml.Node) -> dict[str, Any]:
        return {name: _construct(loader, node)}

    return construct


def _get_att(loader: yaml.SafeLoader, node: yaml.Node) -> dict[str, Any]:
    value = _construct(loader, node)
    if isinstance(value, str):
        # `!GetAtt Table.Arn` is `["Table", "Arn"]`; attribute names may themselves hold dots.
        value = value.split(".", 1)
    return {"Fn::GetAtt": value}


_Loader.add_constructor("!Ref", _long_form("Ref"))
_Loader.add_constructor("!Condition", _long_form("Condition"))
_Loader.add_constructor("!GetAtt", _get_att)
for _tag in _SHORT_TAGS:
    _Loader.add_constructor(f"!{_tag}", _long_form(f"Fn::{_tag}"))


def load_yaml(text: str) -> Any:
    """Parse CloudFormation YAML, short tags included."""
    return yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader subclass


class _NoValue:
    """`AWS::NoValue`: the property or list element it stands for is removed."""


_NO_VALUE = _NoValue()


def _unquote(value: Any) -> str:
    """SAM wants CORS values in single quotes ("'*'"); API Gateway sends them without."""
    return str(value).strip().strip("'")


class Template:
    """A parsed `template.yaml`: `Template.load(path)`."""

    def __init__(self, document: Mapping[str, Any], base_dir: Path) -> None:
        if not isinstance(document, Mapping) or not isinstance(document.get("Resources"), Mapping):
            raise TemplateError("The template has no Resources section.")
        self.base_dir = base_dir
        self.document = document
        self.resources: dict[str, dict[str, Any]] = dict(document["Resources"])
        self.parameters: dict[str, dict[str, Any]] = dict(document.get("Parameters") or {})
        self.mappings: dict[str, Any] = dict(document.get("Mappings") or {})
        self.conditions: dict[str, Any] = dict(document.get("Conditions") or {})
        globals_ = document.get("Globals") or {}
        self._function_globals: dict[str, Any] = dict(globals_.get("Function") or {})
        self._api_globals: dict[str, Any] = dict(globals_.get("Api") or {})
        # Every AWS::Serverless::Api with SAM's Globals.Api applied underneath.
        self._apis = {
            logical_id: _merge(self._api_globals, properties)
            for logical_id, properties in self._properties_of("AWS::Serverless::Api").items()
        }
        # Where API-wide settings come from: the explicit Apis, else SAM's implicit API (Globals.Api only).
        self._api_settings = list(self._apis.values()) or [self._api_globals]

        self.tables = self._properties_of("AWS::DynamoDB::Table")
        self.buckets = self._properties_of("AWS::S3::Bucket")
        self.queues = self._properties_of("AWS::SQS::Queue")
        self.keys = self._properties_of("AWS::KMS::Key")
        self.authorizers = self._read_authorizers()
        self.binary_media_types = self._read_binary_media_types()
        self.stage = self._read_stage()
        self.cors = self._read_cors()
        self.gateway_responses = self._read_gateway_responses()
        self.page_headers = self._read_page_headers()
        self.functions = {
            logical_id: self._read_function(logical_id, resource.get("Properties") or {})
            for logical_id, resource in self.resources.items()
            if resource.get("Type") == "AWS::Serverless::Function"
        }

    @classmethod
    def load(cls, path: Path) -> Template:
        path = Path(path)
        return cls(load_yaml(path.read_text(encoding="utf-8")), path.resolve().parent)

    @property
    def routes(self) -> list[Route]:
        return [route for function in self.functions.values() for route in function.routes]

    @property
    def stream_sources(self) -> list[StreamSource]:
        return [source for function in self.functions.values() for source in function.streams]

    @property
    def queue_sources(self) -> list[QueueSource]:
        return [source for function in self.functions.values() for source in function.queues]

    # -- intrinsic functions --------------------------------------------------------------------------------

    def resolve(
        self,
        value: Any,
        physical_names: Mapping[str, str],
        *,
        region: str = LOCAL_REGION,
        account_id: str = LOCAL_ACCOUNT_ID,
        stack_name: str = LOCAL_STACK_NAME,
    ) -> Any:
        """`value` with every intrinsic function evaluated, as CloudFormation would deploy it locally.

        A resource without an entry in `physical_names` is named `<stack_name>-<LogicalId>`, the same scheme
        `aws_local.create_resources` uses.
        """
        resolved = _Resolver(self, physical_names, region, account_id, stack_name).value(value)
        return None if resolved is _NO_VALUE else resolved

    def resolve_environment(
        self,
        function_id: str,
        physical_names: Mapping[str, str],
        *,
        region: str = LOCAL_REGION,
        stack_name: str = LOCAL_STACK_NAME,
    ) -> dict[str, str]:
        """The function's environment variables as Lambda would set them (all strings)."""
        function = self.functions[function_id]
        resolver = _Resolver(self, physical_names, region, LOCAL_ACCOUNT_ID, stack_name)
        environment: dict[str, str] = {}
        for name, raw in function.environment.items():
            value = resolver.value(raw)
            if value is _NO_VALUE:
                continue
            if isinstance(value, (dict, list)):
                raise TemplateError(f"{function_id}: environment variable {name} is not a scalar: {value!r}")
            environment[name] = _scalar_text(value)
        return environment

    # -- reading the model ----------------------------------------------------------------------------------

    def _properties_of(self, resource_type: str) -> dict[str, dict[str, Any]]:
        return {
            logical_id: dict(resource.get("Properties") or {})
            for logical_id, resource in self.resources.items()
            if resource.get("Type") == resource_type
        }

    def _api_properties(self, rest_api_id: Any) -> dict[str, Any]:
        """The Api a route belongs to; SAM's implicit API (no RestApiId) gets only Globals.Api."""
        if rest_api_id is None:
            return self._api_globals
        if isinstance(rest_api_id, Mapping) and isinstance(rest_api_id.get("Ref"), str):
            rest_api_id = rest_api_id["Ref"]
        if not isinstance(rest_api_id, str) or rest_api_id not in self._apis:
            raise TemplateError(f"RestApiId {rest_api_id!r} is not an AWS::Serverless::Api of this template.")
        return self._apis[rest_api_id]

    def _read_authorizers(self) -> dict[str, AuthorizerKind]:
        kinds: dict[str, AuthorizerKind] = {}
        for api in self._api_settings:
            for name, spec in ((api.get("Auth") or {}).get("Authorizers") or {}).items():
                if "UserPoolArn" in spec:
                    kinds[name] = "cognito"
                elif "FunctionArn" in spec:
                    kinds[name] = "lambda"
                else:
                    raise TemplateError(f"Authorizer {name} has neither UserPoolArn nor FunctionArn.")
        return kinds

    def _read_binary_media_types(self) -> tuple[str, ...]:
        found: list[str] = []
        for api in self._api_settings:
            for media_type in api.get("BinaryMediaTypes") or []:
                # API Gateway's JSON-pointer escape: "image~1png" is "image/png".
                text = str(media_type).replace("~1", "/")
                if text not in found:
                    found.append(text)
        return tuple(found)

    def _read_stage(self) -> str:
        for api in self._api_settings:
            if "StageName" in api:
                return _scalar_text(self.resolve(api["StageName"], {}))
        stage = self.parameters.get("Stage", {}).get("Default")
        return _SAM_DEFAULT_STAGE if stage is None else str(stage)

    def _read_cors(self) -> Cors | None:
        for api in self._api_settings:
            cors = api.get("Cors")
            if cors is None:
                continue
            if not isinstance(cors, Mapping):
                return Cors(_unquote(cors), None, None, None, allow_credentials=False)
            optional = {
                key: _unquote(cors[key]) if key in cors else None for key in ("AllowMethods", "AllowHeaders", "MaxAge")
            }
            return Cors(
                allow_origin=_unquote(cors.get("AllowOrigin", "'*'")),
                allow_methods=optional["AllowMethods"],
                allow_headers=optional["AllowHeaders"],
                max_age=optional["MaxAge"],
                allow_credentials=bool(cors.get("AllowCredentials", False)),
            )
        return None

    def _read_gateway_responses(self) -> dict[str, GatewayResponse]:
        responses: dict[str, GatewayResponse] = {}
        for api in self._api_settings:
            for response_type, spec in (api.get("GatewayResponses") or {}).items():
                status = spec.get("StatusCode")
                responses[response_type] = GatewayResponse(
                    status_code=None if status is None else int(self.resolve(status, {})),
                    headers=dict((spec.get("ResponseParameters") or {}).get("Headers") or {}),
                    templates=dict(spec.get("ResponseTemplates") or {}),
                )
        return responses

    def _read_page_headers(self) -> tuple[tuple[str, str], ...]:
        """The security headers CloudFront adds to the web pages (its ResponseHeadersPolicy), for the local gateway
        to send with its static files, so a page that breaks the content security policy breaks locally too.
        Strict-Transport-Security is left out: the local gateway speaks plain HTTP."""
        headers: list[tuple[str, str]] = []
        for policy in self._properties_of("AWS::CloudFront::ResponseHeadersPolicy").values():
            security = (policy.get("ResponseHeadersPolicyConfig") or {}).get("SecurityHeadersConfig") or {}
            if "ContentSecurityPolicy" in security:
                csp = _scalar_text(self.resolve(security["ContentSecurityPolicy"]["ContentSecurityPolicy"], {}))
                headers.append(("Content-Security-Policy", csp))
            if "ContentTypeOptions" in security:
                headers.append(("X-Content-Type-Options", "nosniff"))
            if "FrameOptions" in security:
                headers.append(("X-Frame-Options", str(security["FrameOptions"]["FrameOption"])))
            if "ReferrerPolicy" in security:
                headers.append(("Referrer-Policy", str(security["ReferrerPolicy"]["ReferrerPolicy"])))
        return tuple(headers)

    def _read_function(self, logical_id: str, own: Mapping[str, Any]) -> Function:
        properties = _merge(self._function_globals, own)
        code_uri = properties.get("CodeUri")
        handler = properties.get("Handler")
        if not isinstance(code_uri, str) or not isinstance(handler, str):
            raise TemplateError(f"{logical_id}: CodeUri and Handler must be plain strings for the local home.")
        # _merge already laid the function's own variables over Globals' ones, key by key.
        environment = dict((properties.get("Environment") or {}).get("Variables") or {})
        routes: list[Route] = []
        streams: list[StreamSource] = []
        queues: list[QueueSource] = []
        schedules: list[ScheduleSource] = []
        for event_name, event in (properties.get("Events") or {}).items():
            event_properties = event.get("Properties") or {}
            if event.get("Type") == "Api":
                routes.append(self._read_route(logical_id, event_name, event_properties))
            elif event.get("Type") == "DynamoDB" and event_properties.get("Enabled", True) is not False:
                streams.append(self._read_stream(logical_id, event_name, event_properties))
            elif event.get("Type") == "SQS" and event_properties.get("Enabled", True) is not False:
                queues.append(self._read_queue(logical_id, event_name, event_properties))
            elif event.get("Type") == "Schedule" and event_properties.get("Enabled", True) is not False:
                schedules.append(_read_schedule(logical_id, event_name, event_properties))
        return Function(
            logical_id=logical_id,
            code_uri=(self.base_dir / code_uri).resolve(),
            handler=handler,
            environment=environment,
            memory_size=int(self.resolve(properties.get("MemorySize", _SAM_DEFAULT_MEMORY_MB), {})),
            timeout=int(self.resolve(properties.get("Timeout", _SAM_DEFAULT_TIMEOUT_S), {})),
            routes=tuple(routes),
            streams=tuple(streams),
            queues=tuple(queues),
            schedules=tuple(schedules),
        )

    def _read_route(self, function_id: str, event_name: str, properties: Mapping[str, Any]) -> Route:
        path, method = properties.get("Path"), properties.get("Method")
        if not isinstance(path, str) or not isinstance(method, str):
            raise TemplateError(f"{function_id}.{event_name}: an Api event needs Path and Method.")
        api = self._api_properties(properties.get("RestApiId"))
        authorizer = (properties.get("Auth") or {}).get("Authorizer")
        if authorizer is None:
            authorizer = (api.get("Auth") or {}).get("DefaultAuthorizer")
        if authorizer == "NONE":
            authorizer = None
        if authorizer is not None and authorizer not in self.authorizers:
            raise TemplateError(f"{function_id}.{event_name}: authorizer {authorizer!r} is not defined.")
        method = method.upper()
        return Route(method=method, path=path, function_id=function_id, authorizer=authorizer)

    def _read_stream(self, function_id: str, event_name: str, properties: Mapping[str, Any]) -> StreamSource:
        stream = properties.get("Stream")
        target = stream.get("Fn::GetAtt") if isinstance(stream, Mapping) else None
        if not (isinstance(target, list) and len(target) == 2 and target[1] == "StreamArn"):
            raise TemplateError(f"{function_id}.{event_name}: Stream must be !GetAtt <Table>.StreamArn locally.")
        table_id = str(target[0])
        if table_id not in self.tables:
            raise TemplateError(f"{function_id}.{event_name}: {table_id} is not an AWS::DynamoDB::Table.")
        retries = properties.get("MaximumRetryAttempts")
        return StreamSource(
            function_id=function_id,
            table_logical_id=table_id,
            batch_size=int(self.resolve(properties.get("BatchSize", _LAMBDA_DEFAULT_BATCH_SIZE), {})),
            starting_position=str(self.resolve(properties.get("StartingPosition", "LATEST"), {})),
            report_batch_item_failures="ReportBatchItemFailures"
            in (self.resolve(properties.get("FunctionResponseTypes") or [], {}) or []),
            maximum_retry_attempts=None if retries is None else int(self.resolve(retries, {})),
        )

    def _read_queue(self, function_id: str, event_name: str, properties: Mapping[str, Any]) -> QueueSource:
        queue = properties.get("Queue")
        target = queue.get("Fn::GetAtt") if isinstance(queue, Mapping) else None
        if not (isinstance(target, list) and len(target) == 2 and target[1] == "Arn"):
            raise TemplateError(f"{function_id}.{event_name}: Queue must be !GetAtt <Queue>.Arn locally.")
        queue_id = str(target[0])
        if queue_id not in self.queues:
            raise TemplateError(f"{function_id}.{event_name}: {queue_id} is not an AWS::SQS::Queue.")
        concurrency = (properties.get("ScalingConfig") or {}).get("MaximumConcurrency")
        return QueueSource(
            function_id=function_id,
            queue_logical_id=queue_id,
            batch_size=int(self.resolve(properties.get("BatchSize", _SQS_DEFAULT_BATCH_SIZE), {})),
            report_batch_item_failures="ReportBatchItemFailures"
            in (self.resolve(properties.get("FunctionResponseTypes") or [], {}) or []),
            maximum_concurrency=None if concurrency is None else int(self.resolve(concurrency, {})),
        )


def _read_schedule(function_id: str, event_name: str, properties: Mapping[str, Any]) -> ScheduleSource:
    expression = properties.get("Schedule")
    found = _RATE.fullmatch(expression) if isinstance(expression, str) else None
    if found is None:
        raise TemplateError(f"{function_id}.{event_name}: the local home runs rate(N unit) schedules only.")
    return ScheduleSource(function_id, event_name, int(found.group(1)) * _RATE_UNIT_SECONDS[found.group(2)])


def _merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """SAM's Globals rule: maps merge key by key (recursively), lists add up, scalars are replaced."""
    merged = dict(base)
    for key, value in override.items():
        inherited = merged.get(key)
        if isinstance(value, Mapping) and isinstance(inherited, Mapping) and not _is_intrinsic(value):
            merged[key] = _merge(inherited, value)
        elif isinstance(value, list) and isinstance(inherited, list):
            merged[key] = inherited + value
        else:
            merged[key] = value
    return merged


def _is_intrinsic(value: Mapping[str, Any]) -> bool:
    if len(value) != 1:
        return False
    name = str(next(iter(value)))
    return name in ("Ref", "Condition") or name.startswith("Fn::")


def _scalar_text(value: Any) -> str:
    """CloudFormation passes every environment value as a string; booleans become "true"/"false"."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


_ARN_FORMATS: dict[tuple[str, str], str] = {
    ("AWS::DynamoDB::Table", "Arn"): "arn:aws:dynamodb:{region}:{account}:table/{name}",
    ("AWS::DynamoDB::Table", "StreamArn"): "arn:aws:dynamodb:{region}:{account}:table/{name}/stream/local",
    ("AWS::S3::Bucket", "Arn"): "arn:aws:s3:::{name}",
    ("AWS::S3::Bucket", "DomainName"): "{name}.s3.amazonaws.com",
    ("AWS::S3::Bucket", "RegionalDomainName"): "{name}.s3.{region}.amazonaws.com",
    ("AWS::Serverless::Function", "Arn"): "arn:aws:lambda:{region}:{account}:function:{name}",
    ("AWS::Lambda::Function", "Arn"): "arn:aws:lambda:{region}:{account}:function:{name}",
    ("AWS::SQS::Queue", "Arn"): "arn:aws:sqs:{region}:{account}:{name}",
    ("AWS::SQS::Queue", "QueueName"): "{name}",
    ("AWS::SQS::Queue", "QueueUrl"): "https://sqs.{region}.amazonaws.com/{account}/{name}",
    ("AWS::SNS::Topic", "TopicArn"): "arn:aws:sns:{region}:{account}:{name}",
    ("AWS::SNS::Topic", "TopicName"): "{name}",
    ("AWS::Cognito::UserPool", "Arn"): "arn:aws:cognito-idp:{region}:{account}:userpool/{name}",
    ("AWS::Cognito::UserPool", "ProviderName"): "cognito-idp.{region}.amazonaws.com/{name}",
    ("AWS::Cognito::UserPool", "ProviderURL"): "https://cognito-idp.{region}.amazonaws.com/{name}",
    ("AWS::KMS::Key", "Arn"): "arn:aws:kms:{region}:{account}:key/{name}",
    ("AWS::IAM::Role", "Arn"): "arn:aws:iam::{account}:role/{name}",
}


class _Resolver:
    """CloudFormation's intrinsic functions over the parameters' defaults and the local physical names."""

    def __init__(
        self,
        template: Template,
        physical_names: Mapping[str, str],
        region: str,
        account_id: str,
        stack_name: str,
    ) -> None:
        self.template = template
        self.physical_names = physical_names
        self.region = region
        self.account_id = account_id
        self.stack_name = stack_name
        self._conditions: dict[str, bool] = {}

    def value(self, value: Any) -> Any:
        if isinstance(value, list):
            return [item for item in (self.value(item) for item in value) if item is not _NO_VALUE]
        if not isinstance(value, Mapping):
            return value
        if len(value) == 1:
            name, argument = next(iter(value.items()))
            function = self._functions().get(name)
            if function is not None:
                return function(argument)
        return {key: item for key, item in ((k, self.value(v)) for k, v in value.items()) if item is not _NO_VALUE}

    def _functions(self) -> dict[str, Callable[[Any], Any]]:
        return {
            "Ref": self._ref,
            "Fn::GetAtt": self._get_att,
            "Fn::Sub": self._sub,
            "Fn::If": self._if,
            "Fn::Join": lambda arg: str(self.value(arg[0])).join(_scalar_text(v) for v in self.value(arg[1])),
            "Fn::Select": lambda arg: self.value(arg[1])[int(self.value(arg[0]))],
            "Fn::Split": lambda arg: str(self.value(arg[1])).split(str(self.value(arg[0]))),
            "Fn::FindInMap": self._find_in_map,
            "Fn::Base64": lambda arg: base64.b64encode(str(self.value(arg)).encode()).decode(),
            "Fn::GetAZs": lambda _arg: [f"{self.region}{zone}" for zone in "abc"],
            "Fn::Equals": lambda arg: self.condition_value({"Fn::Equals": arg}),
            "Fn::Not": lambda arg: self.condition_value({"Fn::Not": arg}),
            "Fn::And": lambda arg: self.condition_value({"Fn::And": arg}),
            "Fn::Or": lambda arg: self.condition_value({"Fn::Or": arg}),
            "Fn::ImportValue": self._unsupported("Fn::ImportValue (the local home has no other stacks)"),
            "Fn::Cidr": self._unsupported("Fn::Cidr"),
        }

    @staticmethod
    def _unsupported(what: str) -> Callable[[Any], Any]:
        def fail(_argument: Any) -> Any:
            raise TemplateError(f"{what} cannot be resolved locally.")

        return fail

    def _physical(self, logical_id: str) -> str:
        return self.physical_names.get(logical_id, f"{self.stack_name}-{logical_id}")

    def _ref(self, name: Any) -> Any:
        pseudo = {
            "AWS::Region": self.region,
            "AWS::AccountId": self.account_id,
            "AWS::StackName": self.stack_name,
            "AWS::StackId": f"arn:aws:cloudformation:{self.region}:{self.account_id}:stack/{self.stack_name}",
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
        }
        if name == "AWS::NoValue":
            return _NO_VALUE
        if name in pseudo:
            return pseudo[name]
        if name in self.template.parameters:
            parameter = self.template.parameters[name]
            if "Default" not in parameter:
                raise TemplateError(f"Parameter {name} has no Default, so the local home cannot choose a value.")
            default = parameter["Default"]
            if str(parameter.get("Type", "")).startswith(("List<", "CommaDelimitedList")):
                return [item.strip() for item in str(default).split(",")]
            return _scalar_text(default)
        if name in self.template.resources:
            if self.template.resources[name].get("Type") == "AWS::SQS::Queue":  # Ref of a queue is its URL
                return self._get_att([name, "QueueUrl"])
            return self._physical(name)
        raise TemplateError(f"Ref to unknown name {name!r}.")

    def _get_att(self, argument: Any) -> str:
        logical_id, attribute = (str(part) for part in self.value(argument))
        resource = self.template.resources.get(logical_id)
        if resource is None:
            raise TemplateError(f"Fn::GetAtt of unknown resource {logical_id!r}.")
        resource_type = str(resource.get("Type"))
        pattern = _ARN_FORMATS.get((resource_type, attribute))
        if pattern is None and attribute == "Arn":
            # A plausible ARN for a type the table does not know: arn:aws:<service>:<region>:<account>:<name>.
            service = resource_type.split("::")[1].lower() if "::" in resource_type else "local"
            pattern = f"arn:aws:{service}:{{region}}:{{account}}:{{name}}"
        if pattern is None:
            raise TemplateError(f"Fn::GetAtt {logical_id}.{attribute} ({resource_type}) is not known locally.")
        return pattern.format(region=self.region, account=self.account_id, name=self._physical(logical_id))

    def _sub(self, argument: Any) -> str:
        if isinstance(argument, list):
            text, variables = str(argument[0]), {k: self.value(v) for k, v in (argument[1] or {}).items()}
        else:
            text, variables = str(argument), {}

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):  # "${!Literal}" is the escape for a literal "${Literal}"
                return "${" + name[1:] + "}"
            if name in variables:
                return _scalar_text(variables[name])
            if "." in name and not name.startswith("AWS::"):
                return self._get_att(name.split(".", 1))
            return _scalar_text(self._ref(name))

        return _SUB_VARIABLE.sub(replace, text)

    def _if(self, argument: Any) -> Any:
        condition, when_true, when_false = argument
        return self.value(when_true if self.named_condition(str(condition)) else when_false)

    def _find_in_map(self, argument: Any) -> Any:
        map_name, top_key, second_key = (str(self.value(part)) for part in argument)
        try:
            return self.value(self.template.mappings[map_name][top_key][second_key])
        except KeyError:
            raise TemplateError(f"Fn::FindInMap: {map_name}/{top_key}/{second_key} is not in Mappings.") from None

    def named_condition(self, name: str) -> bool:
        if name not in self._conditions:
            if name not in self.template.conditions:
                raise TemplateError(f"Condition {name!r} is not defined.")
            self._conditions[name] = self.condition_value(self.template.conditions[name])
        return self._conditions[name]

    def condition_value(self, condition: Any) -> bool:
        """A condition expression: Fn::Equals/Not/And/Or or a named {"Condition": ...}."""
        if isinstance(condition, Mapping) and len(condition) == 1:
            name, argument = next(iter(condition.items()))
            if name == "Condition":
                return self.named_condition(str(argument))
            if name == "Fn::Equals":
                left, right = (_scalar_text(self.value(side)) for side in argument)
                return left == right
            if name == "Fn::Not":
                return not self.condition_value(argument[0])
            if name == "Fn::And":
                return all(self.condition_value(item) for item in argument)
            if name == "Fn::Or":
                return any(self.condition_value(item) for item in argument)
        raise TemplateError(f"Not a condition: {condition!r}.")
