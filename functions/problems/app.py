"""Problems function: the KOBAN problem-solving cycle for staff (diagnosis → planning → action → evaluation)."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from koban.auth import principal_from_event
from koban.http.api import create_app, created, lambda_entry
from koban.http.params import TenantPath
from koban.problems.models import Stage
from koban.problems.schemas import (
    ActionChangeIn,
    ActionIn,
    EvaluationOut,
    ProblemChangeIn,
    ProblemIn,
    ProblemListOut,
    ProblemOut,
)
from koban.problems.service import (
    add_action,
    change_action,
    change_problem,
    create_problem,
    evaluate_problem,
    get_problem,
    list_problems,
)

app = create_app()

ProblemIdPath = Annotated[str, Path(pattern=r"^[0-9a-z]{20}$", description="Problem id")]
ActionIdPath = Annotated[str, Path(pattern=r"^[0-9a-z]{20}$", description="Action id (from the problem's actions)")]


@app.post(
    "/v1/tenants/<tenant>/problems",
    summary="Turn a hotspot or an emerging alert into a problem (stage diagnosis)",
    tags=["problems"],
    responses={201: {"description": "Created"}},
)
def create(tenant: TenantPath, body: ProblemIn) -> Response[ProblemOut]:
    problem = create_problem(tenant, principal_from_event(app.current_event.raw_event), body)
    return created(problem, f"/v1/tenants/{tenant}/problems/{problem.id}")


@app.get("/v1/tenants/<tenant>/problems", summary="The tenant's problems, newest first", tags=["problems"])
def list_all(
    tenant: TenantPath,
    stage: Annotated[Stage | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 25,
    cursor: Annotated[str | None, Query(max_length=1000)] = None,
) -> ProblemListOut:
    return list_problems(tenant, principal_from_event(app.current_event.raw_event), stage, limit, cursor)


@app.get("/v1/tenants/<tenant>/problems/<problem_id>", summary="A problem with its history", tags=["problems"])
def get_one(tenant: TenantPath, problem_id: ProblemIdPath) -> ProblemOut:
    return get_problem(tenant, problem_id, principal_from_event(app.current_event.raw_event))


@app.patch(
    "/v1/tenants/<tenant>/problems/<problem_id>",
    summary="Change a problem: next stage, note, title, description, partners, residents' feedback",
    tags=["problems"],
)
def change(tenant: TenantPath, problem_id: ProblemIdPath, body: ProblemChangeIn) -> ProblemOut:
    return change_problem(tenant, problem_id, principal_from_event(app.current_event.raw_event), body)


@app.post(
    "/v1/tenants/<tenant>/problems/<problem_id>/actions",
    summary="Add an action with an owner and a due date (the problem is returned, the new action last)",
    tags=["problems"],
    responses={201: {"description": "Created"}},
)
def create_action(tenant: TenantPath, problem_id: ProblemIdPath, body: ActionIn) -> Response[ProblemOut]:
    problem = add_action(tenant, problem_id, principal_from_event(app.current_event.raw_event), body)
    location = f"/v1/tenants/{tenant}/problems/{problem_id}/actions/{problem.actions[-1].id}"
    return created(problem, location)


@app.patch(
    "/v1/tenants/<tenant>/problems/<problem_id>/actions/<action_id>",
    summary="Change an action: status, title, owner, due date",
    tags=["problems"],
)
def change_one_action(
    tenant: TenantPath, problem_id: ProblemIdPath, action_id: ActionIdPath, body: ActionChangeIn
) -> ProblemOut:
    principal = principal_from_event(app.current_event.raw_event)
    return change_action(tenant, problem_id, action_id, principal, body)


@app.get(
    "/v1/tenants/<tenant>/problems/<problem_id>/evaluation",
    summary="Reports before and after action began, against the same weeks a year earlier, and residents' feedback",
    tags=["problems"],
)
def evaluation(
    tenant: TenantPath,
    problem_id: ProblemIdPath,
    days: Annotated[int, Query(ge=7, le=182, description="Window length in days")] = 28,
) -> EvaluationOut:
    return evaluate_problem(tenant, problem_id, principal_from_event(app.current_event.raw_event), days)


lambda_handler = lambda_entry(app)
