"""Geography: H3 cells (Uber's hexagonal grid) at the resolutions the dashboard counts by.

Resolution 9 cells (~0.1 km², ~200 m across) are a block: fine enough that one block's night noise stands out.
Resolution 7 cells (~5 km²) are a neighbourhood: coarse enough for the public view and for the big picture.
"""

from __future__ import annotations

from typing import Any

FINE_RESOLUTION = 9
COARSE_RESOLUTION = 7
RESOLUTIONS = (FINE_RESOLUTION, COARSE_RESOLUTION)


def _h3() -> Any:
    import h3  # a C extension; imported where it is used, so handlers that never use it do not pay for it

    return h3


def cell_of(lat: float, lon: float, resolution: int) -> str:
    cell: str = _h3().latlng_to_cell(lat, lon, resolution)
    return cell


def neighbours(cell: str) -> list[str]:
    """The ring of cells around `cell` (not `cell` itself)."""
    return [other for other in _h3().grid_disk(cell, 1) if other != cell]


def cell_polygon(cell: str) -> list[list[float]]:
    """The cell's boundary as a closed GeoJSON ring of [lon, lat] pairs."""
    ring = [[round(lon, 7), round(lat, 7)] for lat, lon in _h3().cell_to_boundary(cell)]
    return [*ring, ring[0]]


def cell_centre(cell: str) -> tuple[float, float]:
    lat, lon = _h3().cell_to_latlng(cell)
    return float(lat), float(lon)


def is_cell(value: str, resolution: int | None = None) -> bool:
    h3 = _h3()
    try:
        valid = bool(h3.is_valid_cell(value))
    except (TypeError, ValueError):
        return False
    return valid and (resolution is None or h3.get_resolution(value) == resolution)


def parent_cell(cell: str, resolution: int) -> str:
    """The cell of `resolution` that contains `cell` (a block's neighbourhood)."""
    parent: str = _h3().cell_to_parent(cell, resolution)
    return parent


def resolution_of(cell: str) -> int:
    resolution: int = _h3().get_resolution(cell)
    return resolution


def children_of(cell: str, resolution: int) -> list[str]:
    """The cells of `resolution` (finer than the cell's own) that make up `cell`."""
    children: list[str] = _h3().cell_to_children(cell, resolution)
    return children


def polygon_cells(polygon: dict[str, object], resolution: int) -> list[str]:
    """The cells of `resolution` whose centres lie inside a GeoJSON Polygon ([lon, lat] rings, holes allowed)."""
    cells: list[str] = _h3().geo_to_cells(polygon, resolution)
    return cells


def compact(cells: list[str]) -> list[str]:
    """The fewest cells covering the same area (seven siblings become their parent, recursively)."""
    compacted: list[str] = _h3().compact_cells(cells)
    return compacted
