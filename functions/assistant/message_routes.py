"""Routes: a resident's message (anyone), the handoff queue and a conversation's transcript (staff)."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from koban.assistant.models import ConversationOut, HandoffListOut, MessageIn, ReplyOut
from koban.assistant.service import handle_message, list_handoffs, read_conversation
from koban.auth import principal_from_event
from koban.http.params import TenantPath
from koban.http.ratelimit import RATE_LIMITED_RESPONSE, rate_limited
from koban.ratelimit.service import Scope

router = Router()

ConversationPath = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{22,64}$", description="Conversation id")]


@router.post(
    "/v1/tenants/<tenant>/assistant/messages",
    summary="Ask the assistant (emergency first, answers from the knowledge base with sources)",
    tags=["assistant"],
    responses={429: RATE_LIMITED_RESPONSE},
    middlewares=[rate_limited(Scope.ASSISTANT)],
)
def post_message(tenant: TenantPath, body: MessageIn) -> ReplyOut:
    return handle_message(tenant, body)


@router.get(
    "/v1/tenants/<tenant>/assistant/handoffs",
    summary="Conversations handed over to a person, newest first (staff)",
    tags=["assistant"],
)
def get_handoffs(
    tenant: TenantPath,
    limit: Annotated[int, Query(ge=1, le=100)] = 25,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> HandoffListOut:
    return list_handoffs(tenant, principal_from_event(router.current_event.raw_event), limit, cursor)


@router.get(
    "/v1/tenants/<tenant>/assistant/conversations/<conversation_id>",
    summary="A conversation's transcript, personal data redacted (staff)",
    tags=["assistant"],
)
def get_conversation(tenant: TenantPath, conversation_id: ConversationPath) -> ConversationOut:
    return read_conversation(tenant, conversation_id, principal_from_event(router.current_event.raw_event))
