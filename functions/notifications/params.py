"""Request parameters of the notifications routes."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Header, Path

ReportIdPath = Annotated[str, Path(pattern=r"^[0-9a-z]{20}$", description="Report id")]
TrackingToken = Annotated[
    str | None,
    Header(alias="X-Tracking-Token", pattern=r"^[A-Za-z0-9_-]{20,100}$", description="Reporter's token"),
]
