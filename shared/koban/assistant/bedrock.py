"""Optional answer plugin: Amazon Bedrock through the Converse API, grounded only in the retrieved passages.

Register it by name (`KOBAN_PLUGINS=koban.assistant.bedrock`) and set `KOBAN_ASSISTANT_LLM_MODEL_ID` (the
template does both when its `AssistantLlmModelId` parameter is set, and only then grants `bedrock:InvokeModel`).
It phrases the answer from the passages and the offline draft, in the resident's language, with a short read
timeout and no retries; on any failure (timeout, throttling, no passages, an empty or refused answer) it returns
None, and the resident gets the offline answer. Emergencies never reach it. The message it sends has phone
numbers and e-mail addresses redacted.
"""

from __future__ import annotations

from functools import cache
from typing import Any, Final

from botocore.exceptions import BotoCoreError, ClientError

from koban.observability import logger
from koban.plugins import hookimpl
from koban.settings import get_settings
from koban.tenants.models import Tenant

MAX_TOKENS: Final = 400
SYSTEM_PROMPT: Final = (
    "You are the assistant of a police force's community-policing service. Answer the resident in the language "
    "with ISO 639-1 code '{language}', in at most five short sentences. Use ONLY the facts in the passages and "
    "the draft answer below; if they do not answer the question, say so and keep the draft's advice. Never give "
    "phone numbers, addresses, names or procedures that are not in them. Do not promise that police will come. "
    "Keep any offer to report or to pass the message on that the draft makes."
)


@cache
def _client() -> Any:
    import boto3
    from botocore.config import Config

    timeout = get_settings().assistant_llm_timeout_seconds
    config = Config(connect_timeout=2, read_timeout=timeout, retries={"max_attempts": 1, "mode": "standard"})
    return boto3.session.Session().client("bedrock-runtime", config=config)


def _prompt(question: dict[str, Any]) -> str:
    passages = "\n\n".join(
        f"[{number}] {passage['title']} ({passage['language']})\n{passage['text']}"
        for number, passage in enumerate(question["passages"], start=1)
    )
    return (
        f"Passages:\n{passages}\n\nDraft answer:\n{question['draft']}\n\n"
        f"Resident's message (category {question['category']}):\n{question['text']}"
    )


@hookimpl
def koban_assistant_answer(tenant: Tenant, question: dict[str, Any]) -> str | None:
    """The model's answer from the passages, or None (no model configured, no passages, or any failure)."""
    model_id = get_settings().assistant_llm_model_id
    if not model_id or not question.get("passages"):
        return None
    try:
        response = _client().converse(
            modelId=model_id,
            system=[{"text": SYSTEM_PROMPT.format(language=question["language"])}],
            messages=[{"role": "user", "content": [{"text": _prompt(question)}]}],
            inferenceConfig={"maxTokens": MAX_TOKENS, "temperature": 0.0},
        )
    except (ClientError, BotoCoreError) as exc:
        logger.warning("bedrock answer failed; the offline answer is used", extra={"error": str(exc)})
        return None
    if response.get("stopReason") not in ("end_turn", "stop_sequence"):
        return None
    content = response.get("output", {}).get("message", {}).get("content", [])
    text = "".join(block.get("text", "") for block in content).strip()
    return text or None
