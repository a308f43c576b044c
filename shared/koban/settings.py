"""Settings, read once from the environment through one model. Logic never reads os.environ.

A plain pydantic model validated from `os.environ` (pydantic-settings would add ~60 ms of imports to every
cold start for features a Lambda does not use: dotenv files, secrets directories, cloud providers).
"""

from __future__ import annotations

import os
from functools import cache
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator


class Settings(BaseModel):
    """What a function needs to know about its home; the template (or the local gateway) sets these."""

    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)

    reports_table: Annotated[str, Field(alias="REPORTS_TABLE")] = "ReportsTable"
    personal_data_table: Annotated[str, Field(alias="PERSONAL_DATA_TABLE")] = "PersonalDataTable"
    idempotency_table: Annotated[str, Field(alias="IDEMPOTENCY_TABLE")] = "IdempotencyTable"
    api_keys_table: Annotated[str, Field(alias="API_KEYS_TABLE")] = "ApiKeysTable"
    aggregates_table: Annotated[str, Field(alias="AGGREGATES_TABLE")] = "AggregatesTable"
    problems_table: Annotated[str, Field(alias="PROBLEMS_TABLE")] = "ProblemsTable"
    attachments_bucket: Annotated[str, Field(alias="ATTACHMENTS_BUCKET")] = "koban-attachments"
    reporter_data_retention_days: Annotated[int, Field(alias="REPORTER_DATA_RETENTION_DAYS", ge=1, le=3650)] = 365
    staff_user_pool_id: Annotated[str, Field(alias="STAFF_USER_POOL_ID")] = ""
    staff_user_pool_client_id: Annotated[str, Field(alias="STAFF_USER_POOL_CLIENT_ID")] = ""
    # Extra plugin modules to register by name, comma-separated (entry points are discovered anyway).
    plugins: Annotated[tuple[str, ...], Field(alias="KOBAN_PLUGINS")] = ()
    idempotency_ttl_seconds: Annotated[int, Field(alias="KOBAN_IDEMPOTENCY_TTL_SECONDS", ge=60)] = 3600

    @field_validator("plugins", mode="before")
    @classmethod
    def _split_names(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(name.strip() for name in value.split(",") if name.strip())
        return value


@cache
def get_settings() -> Settings:
    return Settings.model_validate(dict(os.environ))
