"""Public views for residents (no sign-in): coarse cells only, no cell under k reports, no sensitive category,
no free text. They read the same aggregate counters as the staff dashboard, never a report."""

from __future__ import annotations

from typing import Any

from koban.dashboard.service import Period, cell_counts, cell_feature, cell_totals, feature_collection
from koban.geo import COARSE_RESOLUTION
from koban.i18n import pick
from koban.tenants.models import Tenant
from koban.tenants.service import get_tenant, list_categories

DEFAULT_MIN_REPORTS_PER_CELL = 5


def min_reports_per_cell(tenant: Tenant) -> int:
    """k of the k-anonymity rule: the tenant's `public_min_reports_per_cell` setting, at least 2 (default 5)."""
    value = tenant.settings.get("public_min_reports_per_cell", DEFAULT_MIN_REPORTS_PER_CELL)
    return max(2, int(value)) if isinstance(value, int | float) else DEFAULT_MIN_REPORTS_PER_CELL


def public_categories(tenant: Tenant) -> dict[str, Any]:
    return {category.code: category for category in list_categories(tenant) if not category.sensitive}


def public_hotspots(tenant_id: str, span: Period, languages: list[str]) -> dict[str, Any]:
    """Neighbourhood cells (H3 resolution 7) with at least k reports of non-sensitive categories."""
    tenant = get_tenant(tenant_id)
    shown = public_categories(tenant)
    k = min_reports_per_cell(tenant)
    counts = cell_counts(tenant, span, COARSE_RESOLUTION, set(shown))
    features = []
    for cell, by_category in cell_totals(counts):
        total = sum(by_category.values())
        if total < k:
            continue
        # A category that is rare in a cell is folded into "other", so that no small count stands alone.
        visible = {code: n for code, n in by_category.items() if n >= k}
        features.append(
            cell_feature(cell, {"count": total, "by_category": visible, "other": total - sum(visible.values())})
        )
    properties = {
        "resolution": COARSE_RESOLUTION,
        "min_reports_per_cell": k,
        "categories": {code: pick(category.name, languages) for code, category in shown.items()},
    }
    return feature_collection(tenant, span, features, properties)
