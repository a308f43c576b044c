"""Privacy function: erasure by the reporter, admins' subject requests (GDPR articles 15 and 17) and the reports
export for supervisors, admins and partners (no personal fields, text redacted)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Header, Path, Query

from koban.auth import Principal, principal_from_event
from koban.http.api import create_app, lambda_entry
from koban.http.params import TenantPath
from koban.privacy.schemas import ErasureOut, SubjectRequestIn, SubjectRequestOut
from koban.privacy.service import erase_by_reporter, export_reports, subject_request
from koban.privacy.spreadsheet import CSV_CONTENT_TYPE
from koban.warmup import warm_up_for_snapshot

warm_up_for_snapshot(("dynamodb", "s3", "kms"))
app = create_app()

ReportIdPath = Annotated[str, Path(pattern=r"^[0-9a-z]{20}$", description="Report id")]
TrackingToken = Annotated[
    str | None,
    Header(alias="X-Tracking-Token", pattern=r"^[A-Za-z0-9_-]{20,100}$", description="Reporter's token"),
]
From = Annotated[
    date | None, Query(alias="from", description="First day received (local), default 29 days before 'to'")
]
To = Annotated[date | None, Query(alias="to", description="Last day received (local), default today")]
CategoryQuery = Annotated[str | None, Query(pattern=r"^[a-z][a-z0-9_]{1,47}$", description="Only this category")]


def _principal() -> Principal | None:
    return principal_from_event(app.current_event.raw_event)


@app.delete(
    "/v1/tenants/<tenant>/reports/<report_id>/personal-data",
    summary="Erase your personal data from your report (X-Tracking-Token); the report stays as an anonymous count",
    tags=["privacy"],
)
def erase(tenant: TenantPath, report_id: ReportIdPath, tracking_token: TrackingToken = None) -> ErasureOut:
    return erase_by_reporter(tenant, report_id, tracking_token)


@app.post(
    "/v1/tenants/<tenant>/privacy/subject-requests",
    summary="A data subject's request by e-mail and/or phone: erase their data or show what is held (admin)",
    tags=["privacy"],
)
def post_subject_request(tenant: TenantPath, body: SubjectRequestIn) -> SubjectRequestOut:
    return subject_request(tenant, _principal(), body)


@app.get(
    "/v1/tenants/<tenant>/reports/export",
    summary="A period's reports as CSV without personal data (supervisor, admin, partner)",
    tags=["privacy"],
    responses={200: {"description": "UTF-8 CSV", "content": {"text/csv": {}}}},
)
# No return annotation on purpose: powertools then passes the file through unvalidated.
def get_export(  # type: ignore[no-untyped-def]
    tenant: TenantPath, first: From = None, last: To = None, category: CategoryQuery = None
):
    filename, text = export_reports(tenant, _principal(), first, last, category)
    return Response(
        status_code=200,
        content_type=CSV_CONTENT_TYPE,
        body=text,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
        },
        compress=False,
    )


lambda_handler = lambda_entry(app)
