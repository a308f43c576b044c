"""The embedded default as one object: moto server, resources from the template, handlers, streams, queues,
gateway.

`koban serve`, the end-to-end tests and the benchmarks all start the same home, so none of them drifts.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from contextlib import ExitStack, suppress
from pathlib import Path
from types import TracebackType
from typing import Any

import boto3

from koban.caches import reset_process_caches
from koban.settings import RateLimits
from koban_local.assistant_seed import seed_knowledge
from koban_local.aws_local import LocalAws, create_resources
from koban_local.functions import Handler, load_handler
from koban_local.gateway import LocalGateway
from koban_local.queues import QueuePoller
from koban_local.running import EnvironmentPatch
from koban_local.schedules import ScheduleRunner
from koban_local.streams import StreamPoller
from koban_local.template import LOCAL_STACK_NAME, Template
from koban_local.tokens import issue_open311_key
from koban_local.ttl import TtlSweeper

# Web pages served by the local gateway, from the web assets build (S3 + CloudFront in the cloud): URL prefix →
# folder of infrastructure/web/dist (each built from infrastructure/web/src/<folder>).
STATIC_PAGES = {"/dashboard/": "dashboard", "/app/": "app", "/public/": "public", "/designer/": "designer"}
# How often expired items are deleted (DynamoDB's TTL, which moto does not run: koban_local.ttl). DynamoDB takes up
# to a few days; a sweep scans every TTL table, which moto does slowly once the seed is in.
TTL_SWEEP_SECONDS = 30.0
# Scheduled functions (hourly in the cloud: privacy maintenance) run at most this far apart locally
# (koban_local.schedules); `koban privacy maintain` runs the maintenance at once.
SCHEDULE_MAX_SECONDS = 300.0

# Rate limits for homes whose clients post many requests from one address on purpose (test tiers, benchmarks):
# the limiter still runs, with its DynamoDB call counted, but refuses nothing they send. `koban serve` keeps the
# production limits (koban.settings.RateLimits).
UNREFUSING_RATE_LIMITS = {
    "KOBAN_RATE_LIMITS": json.dumps(
        {scope: {"per_minute": 1_000_000, "burst": 1_000_000} for scope in RateLimits.model_fields}
    )
}


class LocalHome:
    """Start with `with LocalHome(root, port=0) as home:`; `home.gateway.url` is where it listens.

    `stack_name` prefixes the names of its tables, buckets and queues, as CloudFormation does. moto keeps its
    state per process, so homes (and in-process moto tests) that share a process need names of their own, or
    one home's pollers would consume another's queues and streams.
    """

    def __init__(
        self,
        root: Path,
        *,
        host: str = "127.0.0.1",
        port: int = 8000,
        stack_name: str = LOCAL_STACK_NAME,
        settings: Mapping[str, str] | None = None,
    ) -> None:
        self.root = root
        # Settings of every function that the template leaves to the deployment (e.g. UNREFUSING_RATE_LIMITS).
        self.settings = dict(settings or {})
        self.stack_name = stack_name
        self.template = Template.load(root / "template.yaml")
        self.host = host
        self.port = port
        self._stack = ExitStack()
        self.aws: LocalAws
        self.physical_names: dict[str, str] = {}
        self.environments: dict[str, dict[str, str]] = {}
        self.handlers: dict[str, Handler] = {}
        self.poller: StreamPoller
        self.queues: QueuePoller
        self.ttl: TtlSweeper
        self.schedules: ScheduleRunner
        self.gateway: LocalGateway

    def __enter__(self) -> LocalHome:
        try:
            self._start()
        except BaseException:
            self._stack.close()
            raise
        return self

    def _start(self) -> None:
        self.aws = self._stack.enter_context(LocalAws())
        self._stack.callback(reset_process_caches)
        reset_process_caches()  # clients made before AWS_ENDPOINT_URL was set must not be reused
        dynamodb: Any = boto3.client("dynamodb")
        self.physical_names = create_resources(self.template, dynamodb, boto3.client("s3"), self.stack_name)
        # What the cloud takes from Secrets Manager is generated for this home: nothing outside it knows the keys.
        local_secrets = {
            "RATE_LIMIT_CLIENT_KEY": secrets.token_urlsafe(32),
            "RATE_LIMIT_EDGE_KEY": secrets.token_urlsafe(32),
        }
        self.environments = {
            function_id: {
                **self.template.resolve_environment(function_id, self.physical_names, stack_name=self.stack_name),
                **local_secrets,
                **self.settings,
            }
            for function_id in self.template.functions
        }
        # moto answers some queries far slower than DynamoDB (an index page scans the whole table), most of all on a
        # busy machine: locally a slow answer beats a 503 from the 5 s a Lambda allows.
        self._set_environment({**shared_environment(self.environments), "KOBAN_AWS_READ_TIMEOUT_SECONDS": "60"})
        register_demo_api_keys()
        seed_knowledge()  # the assistant's knowledge: configuration, like the API keys
        publish_default_app_configs()
        self.handlers = {
            function_id: load_handler(function.code_uri, function.handler, self.environments[function_id])
            for function_id, function in self.template.functions.items()
        }
        self.poller = StreamPoller(
            self.template,
            self.handlers,
            self.physical_names,
            dynamodb_client=dynamodb,
            streams_client=boto3.client("dynamodbstreams"),
        )
        self._stack.enter_context(self.poller)
        self.queues = QueuePoller(self.template, self.handlers, self.physical_names, sqs_client=boto3.client("sqs"))
        self._stack.enter_context(self.queues)
        self.ttl = TtlSweeper(self.template, self.physical_names, dynamodb_client=dynamodb, interval=TTL_SWEEP_SECONDS)
        self._stack.enter_context(self.ttl)
        self.schedules = ScheduleRunner(self.template, self.handlers, max_interval=SCHEDULE_MAX_SECONDS)
        self._stack.enter_context(self.schedules)
        self.gateway = LocalGateway(self.template, self.handlers, self.host, self.port, self.static_roots())
        self._stack.callback(self.gateway.stop)

    def _set_environment(self, variables: dict[str, str]) -> None:
        patch = EnvironmentPatch(variables)
        patch.apply()
        self._stack.callback(patch.restore)

    def static_roots(self) -> dict[str, Path]:
        """The built pages (`make` builds them into infrastructure/web/dist); a page not built is not served."""
        built = self.root / "infrastructure" / "web" / "dist"
        return {prefix: built / folder for prefix, folder in STATIC_PAGES.items() if (built / folder).is_dir()}

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self._stack.close()


def register_demo_api_keys() -> None:
    """The keys `koban api-key` prints, stored (hashed) like any client app's, so Open311 clients work at once."""
    from koban.api_keys.service import register_api_key
    from koban.errors import Conflict
    from koban.tenants.service import list_tenants

    for tenant in list_tenants():
        # moto keeps its state per process: a second home in the same process finds the (deterministic) keys there.
        with suppress(Conflict):
            register_api_key(tenant.id, "koban-local demo", issue_open311_key(tenant.id), created_by="koban-local")


def publish_default_app_configs() -> None:
    """Every tenant's default app configuration published as version 1 (unless one is live), so the citizen app
    of each pilot works at once and the designer starts from a working draft."""
    from koban.app_config.service import publish_default_if_none
    from koban.tenants.service import list_tenants

    for tenant in list_tenants():
        publish_default_if_none(tenant.id, actor="koban-local")


def shared_environment(environments: dict[str, dict[str, str]]) -> dict[str, str]:
    """The variables to set process-wide: every function's, except those whose value differs by function.

    All handlers share one os.environ here. A variable read after import (settings loaded lazily) must be
    there for every function; one that differs (POWERTOOLS_SERVICE_NAME) is only right while that function
    imports, which is when load_handler applies it.
    """
    merged: dict[str, str] = {}
    conflicting: set[str] = set()
    for environment in environments.values():
        for name, value in environment.items():
            if merged.setdefault(name, value) != value:
                conflicting.add(name)
    return {name: value for name, value in merged.items() if name not in conflicting}
