"""Capability function: the KOBAN capability model, co-created self-assessment rounds, the live scorecard and its
CSV and PDF export."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Literal

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from koban.auth import Principal, principal_from_event
from koban.capability.models import (
    AssessmentIn,
    AssessmentOut,
    CapabilityModelOut,
    RoundChangeIn,
    RoundIn,
    RoundListOut,
    RoundOut,
    ScorecardOut,
)
from koban.capability.service import (
    capability_model,
    close_round,
    export_scorecard,
    list_rounds,
    my_assessment,
    open_round,
    scorecard,
    submit_assessment,
)
from koban.http.api import create_app, created, lambda_entry
from koban.http.params import AcceptLanguage, TenantPath, languages
from koban.warmup import warm_up_for_snapshot

warm_up_for_snapshot(("dynamodb", "s3"))
app = create_app()

RoundPath = Annotated[str, Path(pattern=r"^[0-9a-z]{20}$", description="Assessment round id")]
RoundQuery = Annotated[
    str | None, Query(alias="round", pattern=r"^[0-9a-z]{20}$", description="Round id; default the newest")
]
From = Annotated[date | None, Query(alias="from", description="First day of the live figures, default 90 days ago")]
To = Annotated[date | None, Query(alias="to", description="Last day of the live figures (local), default today")]
Lang = Annotated[
    str | None, Query(pattern=r"^[a-z]{2}$", description="Language of the file (else Accept-Language): for links")
]


def _principal() -> Principal | None:
    return principal_from_event(app.current_event.raw_event)


@app.get(
    "/v1/tenants/<tenant>/capability/model",
    summary="The capability model (dimensions, levels, indicators)",
    tags=["capability"],
)
def get_model(tenant: TenantPath, accept_language: AcceptLanguage = None) -> CapabilityModelOut:
    return capability_model(tenant, _principal(), languages(accept_language))


@app.post(
    "/v1/tenants/<tenant>/capability/rounds",
    summary="Open an assessment round (supervisor, admin)",
    tags=["capability"],
    responses={201: {"description": "Created"}},
)
def post_round(tenant: TenantPath, body: RoundIn) -> Response[RoundOut]:
    return created(open_round(tenant, _principal(), body))


@app.get("/v1/tenants/<tenant>/capability/rounds", summary="Assessment rounds, newest first", tags=["capability"])
def get_rounds(tenant: TenantPath) -> RoundListOut:
    return list_rounds(tenant, _principal())


@app.patch(
    "/v1/tenants/<tenant>/capability/rounds/<round_id>",
    summary="Close an assessment round (supervisor, admin)",
    tags=["capability"],
)
def patch_round(tenant: TenantPath, round_id: RoundPath, body: RoundChangeIn) -> RoundOut:
    return close_round(tenant, round_id, _principal(), body)


@app.put(
    "/v1/tenants/<tenant>/capability/rounds/<round_id>/assessments/mine",
    summary="Give (or replace) your own ratings in an open round: police staff and community partners",
    tags=["capability"],
)
def put_assessment(tenant: TenantPath, round_id: RoundPath, body: AssessmentIn) -> AssessmentOut:
    return submit_assessment(tenant, round_id, _principal(), body)


@app.get(
    "/v1/tenants/<tenant>/capability/rounds/<round_id>/assessments/mine",
    summary="Your own ratings in a round",
    tags=["capability"],
)
def get_assessment(tenant: TenantPath, round_id: RoundPath) -> AssessmentOut:
    return my_assessment(tenant, round_id, _principal())


@app.get(
    "/v1/tenants/<tenant>/capability/scorecard",
    summary="Self-assessment beside the live indicators per dimension, gaps, trend and recommended training",
    tags=["capability"],
)
def get_scorecard(
    tenant: TenantPath,
    round_id: RoundQuery = None,
    first: From = None,
    last: To = None,
    accept_language: AcceptLanguage = None,
) -> ScorecardOut:
    return scorecard(tenant, _principal(), round_id, first, last, languages(accept_language), datetime.now(UTC))


@app.get(
    "/v1/tenants/<tenant>/capability/scorecard/export",
    summary="The scorecard as a CSV or PDF file",
    tags=["capability"],
    responses={
        200: {
            "description": "The file (send Accept: application/pdf for the PDF)",
            "content": {"text/csv": {}, "application/pdf": {}},
        }
    },
)
# No return annotation on purpose: powertools then passes the file through unvalidated.
def get_export(  # type: ignore[no-untyped-def]
    tenant: TenantPath,
    export_format: Annotated[Literal["csv", "pdf"], Query(alias="format")],
    round_id: RoundQuery = None,
    first: From = None,
    last: To = None,
    lang: Lang = None,
    accept_language: AcceptLanguage = None,
):
    accepted = [lang, *languages(accept_language)] if lang else languages(accept_language)
    file = export_scorecard(tenant, _principal(), export_format, round_id, first, last, accepted, datetime.now(UTC))
    return Response(
        status_code=200,
        content_type=file.content_type,
        body=file.body,
        headers={
            "Content-Disposition": f'attachment; filename="{file.filename}"',
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
        },
        compress=False,
    )


lambda_handler = lambda_entry(app)
