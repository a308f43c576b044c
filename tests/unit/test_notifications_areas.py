"""Areas of alerts and subscriptions as H3 cells: validation against the tenant's area, the resolution-7
partitions subscriptions are indexed by, and which subscriptions an alert's cells reach exactly."""

from __future__ import annotations

from typing import Any

import h3
import pytest

from koban.errors import ValidationFailed
from koban.notifications import areas
from koban.tenants.models import Tenant
from koban.tenants.service import get_tenant

CENTRE = (52.37, 4.89)  # Amsterdam, inside pilot-nl
BLOCK = h3.latlng_to_cell(*CENTRE, 9)
STREET_NEIGHBOUR = h3.grid_disk(BLOCK, 1)[1]  # the block next door
NEIGHBOURHOOD = h3.cell_to_parent(BLOCK, 7)
DISTRICT = h3.cell_to_parent(BLOCK, 5)
FAR_BLOCK = h3.latlng_to_cell(52.40, 4.95, 9)


@pytest.fixture(scope="module")
def tenant() -> Tenant:
    return get_tenant("pilot-nl")


def rectangle(west: float, south: float, east: float, north: float) -> dict[str, Any]:
    ring = [[west, south], [east, south], [east, north], [west, north]]
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


def square(lat: float, lon: float, half: float) -> dict[str, Any]:
    return rectangle(lon - half, lat - half, lon + half, lat + half)


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        (BLOCK, BLOCK, True),
        (BLOCK, NEIGHBOURHOOD, True),
        (NEIGHBOURHOOD, BLOCK, True),
        (DISTRICT, BLOCK, True),
        (BLOCK, STREET_NEIGHBOUR, False),
        (BLOCK, FAR_BLOCK, False),
    ],
)
def test_given_two_cells_when_compared_then_they_overlap_exactly_when_one_contains_the_other(
    first: str, second: str, expected: bool
) -> None:
    assert areas.overlaps(first, second) is expected


def test_given_cells_of_several_resolutions_then_their_partitions_are_the_resolution_7_cells_they_touch() -> None:
    assert areas.partitions([BLOCK, STREET_NEIGHBOUR]) == [NEIGHBOURHOOD]
    district_partitions = areas.partitions([DISTRICT])
    assert len(district_partitions) == 49  # a resolution-5 cell holds 7 x 7 resolution-7 cells
    assert NEIGHBOURHOOD in district_partitions


def test_given_an_alert_of_one_block_then_only_subscriptions_overlapping_that_block_are_reached() -> None:
    by_partition = areas.alert_cells_by_partition([BLOCK])

    assert by_partition == {NEIGHBOURHOOD: frozenset({BLOCK})}
    inside = by_partition[NEIGHBOURHOOD]
    assert areas.reaches(inside, [BLOCK])
    assert areas.reaches(inside, [NEIGHBOURHOOD])  # a neighbourhood subscriber contains the block
    assert not areas.reaches(inside, [STREET_NEIGHBOUR])


def test_given_an_alert_covering_whole_neighbourhoods_then_everyone_indexed_there_is_reached() -> None:
    by_partition = areas.alert_cells_by_partition([DISTRICT, BLOCK])

    assert by_partition[NEIGHBOURHOOD] is None  # the district covers it entirely
    assert areas.reaches(by_partition[NEIGHBOURHOOD], [STREET_NEIGHBOUR])


def test_given_cells_in_the_tenants_area_when_resolved_for_a_subscription_then_they_stay_at_resolution_7_or_finer(
    tenant: Tenant,
) -> None:
    siblings = h3.cell_to_children(h3.cell_to_parent(NEIGHBOURHOOD, 6), 7)

    cells = areas.resolve_area("area", siblings, None, tenant, for_alert=False)

    assert sorted(cells) == sorted(siblings)  # compaction to the parent is undone for the index


def test_given_a_polygon_when_resolved_for_an_alert_then_its_cells_cover_it_compacted(tenant: Tenant) -> None:
    cells = areas.resolve_area("area", None, square(*CENTRE, 0.004), tenant, for_alert=True)

    assert 1 <= len(cells) < 40
    assert any(areas.overlaps(cell, BLOCK) for cell in cells)
    assert not any(areas.overlaps(cell, FAR_BLOCK) for cell in cells)


@pytest.mark.parametrize(
    ("cells", "polygon", "field", "code"),
    [
        (["8a1969c9b67ffff"], None, "area.cells.0", "invalid_cell"),  # not a valid H3 index
        ([h3.latlng_to_cell(50.06, 19.94, 9)], None, "area.cells.0", "outside"),  # Kraków, not Amsterdam
        ([h3.cell_to_parent(BLOCK, 6)], None, "area.cells.0", "invalid_cell"),  # too coarse for a subscriber
        (None, square(50.06, 19.94, 0.01), "area.polygon.coordinates.0.0", "invalid"),
        (None, square(*CENTRE, 0.00001), "area.polygon", "too_small"),
    ],
)
def test_given_a_bad_subscription_area_when_resolved_then_the_field_is_named(
    tenant: Tenant, cells: list[str] | None, polygon: dict[str, Any] | None, field: str, code: str
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        areas.resolve_area("area", cells, polygon, tenant, for_alert=False)

    assert refused.value.errors[0].field == field
    assert refused.value.errors[0].code == code


def test_given_a_subscription_area_wider_than_allowed_then_it_is_refused(tenant: Tenant) -> None:
    west, south, east, north = tenant.area.bbox
    wide = rectangle(west + 0.001, south + 0.001, east - 0.001, north - 0.001)  # all of Amsterdam, ~380 km²

    with pytest.raises(ValidationFailed) as refused:
        areas.resolve_area("area", None, wide, tenant, for_alert=False)

    assert refused.value.errors[0].code == "too_large"
    assert areas.resolve_area("area", None, wide, tenant, for_alert=True)  # an alert may cover a district
