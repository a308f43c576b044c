// The alert composer's map: the area an alert reaches, as the API takes it (AreaIn): H3 cells, or a polygon
// the API turns into resolution-9 cells (a cell is in when its centre is). Two ways to choose:
//
//  - cells: a click toggles the cell under the pointer at the chosen size (block: resolution 9, neighbourhood:
//    resolution 7); the grid of cells one can choose is drawn once the view is close enough to read it;
//  - polygon: each click adds a corner; the cells whose centres fall inside are previewed as the API will count
//    them (h3-js, the same H3 library the API uses).
//
// The keyboard works too: the map pans with the arrow keys and zooms with + and -, and `pickCentre()` toggles
// the cell (or adds the corner) at the map's centre.
import L from "leaflet";
import {
  UNITS,
  cellArea,
  cellToBoundary,
  cellToLatLng,
  cellToParent,
  getResolution,
  latLngToCell,
  polygonToCells,
} from "h3-js";

import { createCellMap } from "../shared/map.js";

export const MAX_CELLS = 500; // AreaIn.cells
export const MAX_CORNERS = 499; // AreaIn.polygon: 500 positions, the ring closed by repeating the first
export const POLYGON_RESOLUTION = 9; // the resolution the API turns an alert's polygon into
const GRID_LIMIT = 700; // grid cells drawn at most (beyond that: "zoom in")

/** The GeoJSON ring of a cell ([lon, lat], closed), from h3-js's [lat, lng] boundary. */
export function cellRing(cell) {
  const ring = cellToBoundary(cell).map(([lat, lng]) => [lng, lat]);
  return [...ring, ring[0]];
}

function cellsCollection(cells) {
  return {
    type: "FeatureCollection",
    features: cells.map((cell) => ({
      type: "Feature",
      properties: { cell },
      geometry: { type: "Polygon", coordinates: [cellRing(cell)] },
    })),
  };
}

/** Whether `cell` is `other` or lies inside it (H3 cells nest: a block's parent at 7 is its neighbourhood). */
export function within(cell, other) {
  const resolution = getResolution(other);
  return getResolution(cell) >= resolution && cellToParent(cell, resolution) === other;
}

/** The selection after a click on `cell`: a chosen cell under the click is dropped, else `cell` is added (and the
 * chosen cells inside it give way to it). */
export function toggleCell(selected, cell) {
  const hit = selected.find((chosen) => within(cell, chosen));
  if (hit) return selected.filter((chosen) => chosen !== hit);
  return [...selected.filter((chosen) => !within(chosen, cell)), cell];
}

/** The area in km², summed over cells that do not overlap. */
export function areaKm2(cells) {
  return cells.reduce((sum, cell) => sum + cellArea(cell, UNITS.km2), 0);
}

/**
 * createAreaPicker(element, { bbox, areaName, onChange(state) })
 * state: { mode, resolution, cells (the cells the alert will reach, as previewed), corners ([lat, lon]),
 *          outside (the last click fell outside the force's area), full (the cell limit was reached) }.
 */
export function createAreaPicker(element, { bbox, areaName, onChange }) {
  const { map, fitArea } = createCellMap(element, { bbox, areaName });
  const [west, south, east, north] = bbox;
  const inside = (lat, lon) => lat >= south && lat <= north && lon >= west && lon <= east;
  let mode = "cells";
  let resolution = 9;
  let selected = []; // cells mode
  let corners = []; // polygon mode, [lat, lon]
  let notice = null; // "outside" | "full" | null
  const grid = L.layerGroup().addTo(map);
  const chosen = L.layerGroup().addTo(map);
  const outline = L.layerGroup().addTo(map);

  function polygonCells() {
    if (corners.length < 3) return [];
    return polygonToCells(corners, POLYGON_RESOLUTION);
  }

  /** The area as the API takes it (AreaIn), or null while there is none. */
  function area() {
    if (mode === "cells") return selected.length ? { cells: [...selected].sort() } : null;
    if (corners.length < 3) return null;
    const ring = corners.map(([lat, lon]) => [lon, lat]);
    return { polygon: { type: "Polygon", coordinates: [[...ring, ring[0]]] } };
  }

  function state() {
    const cells = mode === "cells" ? selected : polygonCells();
    return { mode, resolution, cells, corners: [...corners], notice };
  }

  function drawCells(layer, cells, className, onClick) {
    L.geoJSON(cellsCollection(cells), {
      style: (feature) => ({ className: `${className} cell-${feature.properties.cell}`, weight: 1 }),
      onEachFeature: (feature, path) => {
        if (onClick) path.on("click", () => onClick(feature.properties.cell));
      },
      interactive: Boolean(onClick),
      bubblingMouseEvents: false, // a click on a cell is that cell's, not also a click on the map
    }).addTo(layer);
  }

  function drawGrid() {
    grid.clearLayers();
    element.dataset.grid = "0";
    if (mode !== "cells") return;
    const view = map.getBounds();
    const box = [
      [Math.max(view.getSouth(), south), Math.max(view.getWest(), west)],
      [Math.max(view.getSouth(), south), Math.min(view.getEast(), east)],
      [Math.min(view.getNorth(), north), Math.min(view.getEast(), east)],
      [Math.min(view.getNorth(), north), Math.max(view.getWest(), west)],
    ];
    if (box[0][0] >= box[2][0] || box[0][1] >= box[2][1]) return;
    // Estimated first: a whole city at resolution 9 is tens of thousands of cells, too many to draw or to read.
    const centre = map.getCenter();
    const cellKm2 = cellArea(latLngToCell(centre.lat, centre.lng, resolution), UNITS.km2);
    const kmPerDegree = 111.32;
    const widthKm = (box[2][1] - box[0][1]) * kmPerDegree * Math.cos((centre.lat * Math.PI) / 180);
    if (((box[2][0] - box[0][0]) * kmPerDegree * widthKm) / cellKm2 > GRID_LIMIT) return;
    const cells = polygonToCells(box, resolution);
    if (cells.length > GRID_LIMIT) return;
    drawCells(grid, cells, "koban-grid", toggle);
    element.dataset.grid = String(cells.length);
  }

  function draw() {
    chosen.clearLayers();
    outline.clearLayers();
    const { cells } = state();
    drawCells(chosen, cells, "koban-chosen", mode === "cells" ? toggle : null);
    if (mode === "polygon" && corners.length) {
      const shape = corners.length >= 3 ? L.polygon(corners) : L.polyline(corners);
      shape.setStyle({ className: "koban-outline", weight: 2, fill: false, interactive: false }).addTo(outline);
      for (const corner of corners) {
        L.circleMarker(corner, { radius: 4, className: "koban-corner", interactive: false }).addTo(outline);
      }
    }
    element.dataset.cells = String(cells.length);
    element.dataset.corners = String(corners.length);
    onChange(state());
  }

  function toggle(cell) {
    const [lat, lon] = cellToLatLng(cell);
    const next = toggleCell(selected, cell);
    if (next.length > selected.length && !inside(lat, lon)) notice = "outside";
    else if (next.length > MAX_CELLS) notice = "full";
    else {
      notice = null;
      selected = next;
    }
    draw();
  }

  function pickAt(lat, lon) {
    if (mode === "cells") {
      toggle(latLngToCell(lat, lon, resolution));
      return;
    }
    if (!inside(lat, lon)) notice = "outside";
    else if (corners.length >= MAX_CORNERS) notice = "full";
    else {
      notice = null;
      corners = [...corners, [lat, lon]];
    }
    draw();
  }

  map.on("click", (event) => pickAt(event.latlng.lat, event.latlng.lng));
  map.on("moveend zoomend", drawGrid);

  return {
    area,
    state,
    map,
    setMode(value) {
      mode = value;
      notice = null;
      drawGrid();
      draw();
    },
    setResolution(value) {
      resolution = value;
      drawGrid();
    },
    pickCentre() {
      const centre = map.getCenter();
      pickAt(centre.lat, centre.lng);
    },
    undo() {
      if (mode === "polygon") corners = corners.slice(0, -1);
      else selected = selected.slice(0, -1);
      notice = null;
      draw();
    },
    clear() {
      selected = [];
      corners = [];
      notice = null;
      draw();
    },
    /** After the map was hidden (another view): Leaflet measures its box again. */
    refit(first) {
      map.invalidateSize();
      if (first) fitArea();
      drawGrid();
    },
  };
}
