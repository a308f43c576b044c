"""A moto home per test module: tables and buckets created from template.yaml, handlers invoked in-process."""

from __future__ import annotations

import os
from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from koban.caches import reset_process_caches
from koban_local.aws_local import create_resources
from koban_local.home import UNREFUSING_RATE_LIMITS, shared_environment
from koban_local.template import Template
from tests.api import ApiClient

STACK_NAME = "koban-it"


@pytest.fixture(scope="module")
def moto_home(template: Template) -> Iterator[dict[str, str]]:
    """Given the template's tables and buckets in a fresh moto account, and the functions' environment set."""
    # In-process moto only, whatever AWS_ENDPOINT_URL a local home of this process may have left.
    with mock_aws(), pytest.MonkeyPatch.context() as patch:
        patch.delenv("AWS_ENDPOINT_URL", raising=False)
        reset_process_caches()
        # Names of their own: a local home of another tier may poll "koban-local-*" in this process.
        names = create_resources(template, boto3.client("dynamodb"), boto3.client("s3"), STACK_NAME)
        # Tests post many requests from one address: the limiter runs but refuses none (test_rate_limits.py: it does).
        # Every function's variables, so that none is left pointing at the stores of a local home that another
        # tier keeps running in this process (its variables are process-wide too).
        environments = {
            function_id: template.resolve_environment(function_id, names, stack_name=STACK_NAME)
            for function_id in template.functions
        }
        environment = {**shared_environment(environments), **UNREFUSING_RATE_LIMITS}
        saved = {name: os.environ.get(name) for name in environment}
        os.environ.update(environment)
        try:
            yield names
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
            reset_process_caches()


@pytest.fixture(scope="module")
def api(moto_home: dict[str, str], template: Template) -> ApiClient:
    return ApiClient(template)
