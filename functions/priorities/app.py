"""Priorities function: staff propose and answer community priorities; residents read them and vote."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path

from koban.auth import principal_from_event
from koban.http.api import create_app, created, lambda_entry
from koban.http.params import TenantPath
from koban.http.ratelimit import RATE_LIMITED_RESPONSE, rate_limited
from koban.priorities.models import PriorityChangeIn, PriorityIn, PriorityListOut, StaffPriorityOut, VoteIn, VoteOut
from koban.priorities.service import change_priority, propose_priority, public_priorities, vote
from koban.ratelimit.service import Scope

app = create_app()

PriorityIdPath = Annotated[str, Path(pattern=r"^[0-9a-z]{20}$", description="Priority id")]


@app.post(
    "/v1/tenants/<tenant>/priorities",
    summary="Propose a neighbourhood priority (staff)",
    tags=["priorities"],
    responses={201: {"description": "Created"}},
)
def propose(tenant: TenantPath, body: PriorityIn) -> Response[StaffPriorityOut]:
    proposed = propose_priority(tenant, principal_from_event(app.current_event.raw_event), body)
    return created(proposed)


@app.patch(
    "/v1/tenants/<tenant>/priorities/<priority_id>",
    summary="Adopt, decline or complete a priority, saying what (staff)",
    tags=["priorities"],
)
def answer(tenant: TenantPath, priority_id: PriorityIdPath, body: PriorityChangeIn) -> StaffPriorityOut:
    return change_priority(tenant, priority_id, principal_from_event(app.current_event.raw_event), body)


@app.get("/v1/tenants/<tenant>/public/priorities", summary="Priorities, votes, 'you said, we did'", tags=["public"])
def list_public(tenant: TenantPath) -> PriorityListOut:
    return public_priorities(tenant)


@app.post(
    "/v1/tenants/<tenant>/public/priorities/<priority_id>/votes",
    summary="Vote for a proposed priority (once per device)",
    tags=["public"],
    responses={429: RATE_LIMITED_RESPONSE},
    middlewares=[rate_limited(Scope.PUBLIC_WRITES)],
)
def cast_vote(tenant: TenantPath, priority_id: PriorityIdPath, body: VoteIn) -> Response[VoteOut]:
    result = vote(tenant, priority_id, body)
    return Response(status_code=201 if result.counted else 200, body=result, content_type="application/json")


lambda_handler = lambda_entry(app)
