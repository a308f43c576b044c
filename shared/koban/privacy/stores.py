"""The privacy store, made once per process (lazily: importing makes no client)."""

from __future__ import annotations

from functools import cache

from koban.privacy.storage import PrivacyRepository
from koban.settings import get_settings


@cache
def privacy_repository() -> PrivacyRepository:
    return PrivacyRepository(get_settings().personal_data_table)
