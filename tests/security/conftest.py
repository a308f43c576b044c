"""The security tier's home: every function's handler over an in-process moto account made from template.yaml,
with every function's environment set (as the local home does), the demo Open311 keys and the default app
configurations published; and the figures written when the run ends."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from koban.caches import reset_process_caches
from koban_local.aws_local import create_resources
from koban_local.home import (
    UNREFUSING_RATE_LIMITS,
    publish_default_app_configs,
    register_demo_api_keys,
    shared_environment,
)
from koban_local.running import EnvironmentPatch
from koban_local.template import Template
from tests.api import ApiClient
from tests.security import figures


@pytest.fixture(scope="module")
def aws_home(template: Template) -> Iterator[dict[str, str]]:
    """Given the template's keys, tables, buckets and queues in a fresh moto account, and the environment of
    every function (queue URLs, signing key...) set; logical id → physical name."""
    # In-process moto only: an AWS_ENDPOINT_URL left by a local home of this process would send the clients over
    # the network (which the SSRF tests refuse) instead of to the mock.
    with mock_aws(), pytest.MonkeyPatch.context() as endpoint:
        endpoint.delenv("AWS_ENDPOINT_URL", raising=False)
        reset_process_caches()
        names = create_resources(template, boto3.client("dynamodb"), boto3.client("s3"))
        environment = shared_environment(
            {function_id: template.resolve_environment(function_id, names) for function_id in template.functions}
        )
        # The matrix and the hostile inputs post hundreds of requests from one address: limits that refuse none.
        patch = EnvironmentPatch({**environment, **UNREFUSING_RATE_LIMITS})
        patch.apply()
        reset_process_caches()
        try:
            register_demo_api_keys()
            publish_default_app_configs()
            yield names
        finally:
            patch.restore()
            reset_process_caches()


@pytest.fixture(scope="module")
def api(aws_home: dict[str, str], template: Template) -> ApiClient:
    return ApiClient(template)


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Save this process's figures (an xdist worker's share, or the whole run's)."""
    if not any(figures.FIGURES[key] for key, _ in figures.LABELS):
        return
    worker_input = getattr(session.config, "workerinput", None)
    if worker_input is not None:
        figures.write(str(worker_input["testrunuid"]), str(worker_input["workerid"]))
    else:
        figures.write(uuid.uuid4().hex, "main")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print the figures: this process's, or under xdist the workers' files of this run (they are written
    before the controller's summary). From the repository root this conftest is not loaded by the controller;
    then `python -m tests.security.summary` prints them."""
    counted = figures.FIGURES
    if not any(counted.values()) and terminalreporter.config.pluginmanager.has_plugin("dsession"):
        counted = figures.latest_run()[1]
    if any(counted.values()):
        terminalreporter.write_sep("-", "security figures")
        terminalreporter.write_line(figures.table(counted))
