"""Property-based fuzzing of every operation of the OpenAPI document with schemathesis, over the local gateway
(real HTTP, the template's routes and authorizers, moto behind): valid and invalid inputs, half of them aimed at a
real tenant with its admin's token. No answer may be a 5xx, and every answer must match its documented schema.

Bounded for CI: `KOBAN_FUZZ_EXAMPLES` examples per operation and mode (default 6), no shrinking; the requests
sent are counted in the security figures.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import hypothesis.strategies as st
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from koban_local.home import UNREFUSING_RATE_LIMITS, LocalHome
from koban_local.tokens import issue_staff_token
from tests.security import figures

EXAMPLES = int(os.environ.get("KOBAN_FUZZ_EXAMPLES", "6"))
TENANT = "pilot-nl"
DOCUMENT = json.loads((Path(__file__).resolve().parents[2] / "functions/docs/openapi.json").read_text("utf-8"))
SCHEMA = schemathesis.openapi.from_dict(DOCUMENT)
OPERATIONS = [
    result.ok() if isinstance(result, Ok) else pytest.fail(f"the OpenAPI document is invalid: {result.err()}")
    for result in SCHEMA.get_all_operations()
]
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


@pytest.fixture(scope="module")
def gateway(repo_root: Path) -> Iterator[str]:
    """Given the embedded default over HTTP (moto server, every function, the gateway on a free port)."""
    with LocalHome(repo_root, port=0, settings=UNREFUSING_RATE_LIMITS) as home:
        home.gateway.start()
        yield home.gateway.url


@pytest.fixture(scope="module")
def session() -> Iterator[requests.Session]:
    with requests.Session() as opened:
        yield opened


def test_the_document_fuzzed_is_the_one_served(gateway: str, session: requests.Session) -> None:
    served = session.get(f"{gateway}/v1/openapi.json").json()
    assert served["paths"].keys() == DOCUMENT["paths"].keys()


@pytest.mark.parametrize("operation", OPERATIONS, ids=[operation.label for operation in OPERATIONS])
def test_no_input_gives_a_5xx_or_an_answer_outside_the_schema(
    operation: Any, gateway: str, session: requests.Session
) -> None:
    token = issue_staff_token(TENANT, "admin")
    failures: list[str] = []
    strategy = st.one_of(
        operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
        operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
    )

    @given(case=strategy, aimed=st.booleans())
    @settings(
        max_examples=2 * EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def fuzz(case: Any, aimed: bool) -> None:
        if aimed and isinstance(case.path_parameters, dict) and "tenant" in case.path_parameters:
            case.path_parameters["tenant"] = TENANT  # past the tenant check, into the handler's own validation
        headers = {"Authorization": f"Bearer {token}"} if aimed else {}
        response = case.call(base_url=gateway, session=session, headers=headers)
        figures.record("requests_fuzzed")
        if response.status_code >= 500:
            figures.record("server_errors")
        try:
            case.validate_response(response, checks=CHECKS)
        except Exception as failure:  # a FailureGroup naming each failed check, with a curl line to reproduce
            failures.append(f"{response.status_code}: {failure}"[:1500])

    fuzz()
    assert not failures, "\n\n".join(failures[:3])
