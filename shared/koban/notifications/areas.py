"""Areas of alerts and subscriptions as H3 cells, and which subscriptions an alert's area reaches.

Subscriptions are indexed by the resolution-7 cell (a neighbourhood, ~5 km²) they lie in: `partitions()`. An
alert reads only the partitions its area touches, then keeps the subscriptions whose own cells overlap the
alert's cells exactly (two H3 cells overlap when one contains the other), so a subscriber one block outside a
street-sized alert is not reached although both share a neighbourhood partition.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from koban import geo
from koban.errors import FieldError, ValidationFailed
from koban.tenants.models import Tenant

PARTITION_RESOLUTION = 7
# Subscribers choose blocks (9) to neighbourhoods (7); alerts can be as wide as a district (5).
SUBSCRIPTION_RESOLUTIONS = (7, 8, 9)
ALERT_RESOLUTIONS = (5, 6, 7, 8, 9)
SUBSCRIPTION_POLYGON_RESOLUTION = 8
ALERT_POLYGON_RESOLUTION = 9
MAX_SUBSCRIPTION_PARTITIONS = 50
MAX_ALERT_PARTITIONS = 2000


def _check_cells(field: str, cells: Iterable[str], resolutions: tuple[int, ...], tenant: Tenant) -> list[str]:
    checked: list[str] = []
    errors: list[FieldError] = []
    for position, cell in enumerate(cells):
        where = f"{field}.{position}"
        if not any(geo.is_cell(cell, resolution) for resolution in resolutions):
            allowed = ", ".join(str(resolution) for resolution in resolutions)
            errors.append(FieldError(where, f"not an H3 cell of resolution {allowed}", "invalid_cell"))
        elif not tenant.area.contains(*geo.cell_centre(cell)):
            errors.append(FieldError(where, f"lies outside the area served by {tenant.id}", "outside"))
        else:
            checked.append(cell)
    if errors:
        raise ValidationFailed(errors)
    return checked


def _polygon_cells(field: str, polygon: Mapping[str, Any], resolution: int, tenant: Tenant) -> list[str]:
    outside = [
        FieldError(f"{field}.coordinates.{ring_index}.{position}", f"lies outside the area served by {tenant.id}")
        for ring_index, ring in enumerate(polygon["coordinates"])
        for position, (lon, lat) in enumerate(ring)
        if not tenant.area.contains(lat, lon)
    ]
    if outside:
        raise ValidationFailed(outside[:5])
    try:
        cells = geo.polygon_cells(dict(polygon), resolution)
    except (ValueError, TypeError) as exc:
        raise ValidationFailed([FieldError(field, f"not a usable polygon: {exc}", "invalid_polygon")]) from exc
    if not cells:
        message = "is too small: it contains no cell centre; draw a larger area or give cells"
        raise ValidationFailed([FieldError(field, message, "too_small")])
    return cells


def resolve_area(
    field: str,
    cells: list[str] | None,
    polygon: Mapping[str, Any] | None,
    tenant: Tenant,
    *,
    for_alert: bool,
) -> tuple[str, ...]:
    """The area's cells, validated against the tenant's area, compacted, and bounded in partitions."""
    resolutions = ALERT_RESOLUTIONS if for_alert else SUBSCRIPTION_RESOLUTIONS
    if polygon is not None:
        resolution = ALERT_POLYGON_RESOLUTION if for_alert else SUBSCRIPTION_POLYGON_RESOLUTION
        found = _polygon_cells(f"{field}.polygon", polygon, resolution, tenant)
    else:
        found = _check_cells(f"{field}.cells", cells or [], resolutions, tenant)
    compacted = sorted(set(geo.compact(sorted(set(found)))))
    if not for_alert:
        # A subscriber's cells stay at resolution 7 or finer: each must be found in its own partition.
        compacted = sorted({part for cell in compacted for part in _at_least(cell, PARTITION_RESOLUTION)})
    limit = MAX_ALERT_PARTITIONS if for_alert else MAX_SUBSCRIPTION_PARTITIONS
    if len(partitions(compacted)) > limit:
        message = f"covers more than {limit} neighbourhoods (H3 resolution 7); choose a smaller area"
        raise ValidationFailed([FieldError(field, message, "too_large")])
    return tuple(compacted)


def _at_least(cell: str, resolution: int) -> list[str]:
    """`cell` itself if it is at `resolution` or finer, else its children at `resolution`."""
    if geo.resolution_of(cell) >= resolution:
        return [cell]
    return geo.children_of(cell, resolution)


def partitions(cells: Iterable[str]) -> list[str]:
    """The resolution-7 cells (index partitions) an area touches."""
    found: set[str] = set()
    for cell in cells:
        if geo.resolution_of(cell) >= PARTITION_RESOLUTION:
            found.add(geo.parent_cell(cell, PARTITION_RESOLUTION))
        else:
            found.update(geo.children_of(cell, PARTITION_RESOLUTION))
    return sorted(found)


def overlaps(first: str, second: str) -> bool:
    """True when one H3 cell contains the other (or they are the same cell)."""
    coarse, fine = sorted((first, second), key=geo.resolution_of)
    return geo.parent_cell(fine, geo.resolution_of(coarse)) == coarse


def alert_cells_by_partition(cells: Iterable[str]) -> dict[str, frozenset[str] | None]:
    """For each partition the alert touches: the alert's cells inside it, or None when it covers all of it."""
    by_partition: dict[str, set[str] | None] = {}
    for cell in cells:
        if geo.resolution_of(cell) <= PARTITION_RESOLUTION:
            for partition in _at_least(cell, PARTITION_RESOLUTION):
                by_partition[partition] = None
            continue
        partition = geo.parent_cell(cell, PARTITION_RESOLUTION)
        current = by_partition.setdefault(partition, set())
        if current is not None:
            current.add(cell)
    return {partition: None if inside is None else frozenset(inside) for partition, inside in by_partition.items()}


def reaches(alert_cells: frozenset[str] | None, subscription_cells: Iterable[str]) -> bool:
    """Does an alert (its cells within one partition, None for all of it) reach a subscription's cells there?"""
    if alert_cells is None:
        return True
    return any(overlaps(alert_cell, cell) for cell in subscription_cells for alert_cell in alert_cells)


def reaches_any(by_partition: dict[str, frozenset[str] | None], cells: Iterable[str]) -> bool:
    """Does an alert (`alert_cells_by_partition`) reach any of a subscription's cells, wherever they lie?"""
    for cell in cells:
        partition = geo.parent_cell(cell, PARTITION_RESOLUTION)
        if partition in by_partition and reaches(by_partition[partition], [cell]):
            return True
    return False
