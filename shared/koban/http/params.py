"""Request parameters every function reads the same way."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Header, Path

from koban.i18n import parse_accept_language

TenantPath = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9-]{1,39}$", description="Tenant id, e.g. pilot-nl")]
AcceptLanguage = Annotated[
    str | None, Header(alias="Accept-Language", max_length=500, description="Preferred languages")
]


def languages(accept_language: str | None) -> list[str]:
    return parse_accept_language(accept_language)
