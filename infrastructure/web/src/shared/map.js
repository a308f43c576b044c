// A Leaflet map of H3 cells (GeoJSON polygons) that needs no tile server: a plain background with the tenant's
// area outlined and a scale bar. A tile URL is an optional setting (a template such as
// https://tiles.example.org/{z}/{x}/{y}.png); without one the page makes no request outside its own origin.
import L from "leaflet";
import "leaflet/dist/leaflet.css";
import markerIcon from "leaflet/dist/images/marker-icon.png";
import markerIcon2x from "leaflet/dist/images/marker-icon-2x.png";
import markerShadow from "leaflet/dist/images/marker-shadow.png";

import { h } from "./dom.js";
import { formatNumber, t } from "./i18n.js";

// Leaflet finds its marker images by a path guessed from its CSS; the bundle gives them hashed names instead.
delete L.Icon.Default.prototype._getIconUrl;
L.Icon.Default.mergeOptions({ iconUrl: markerIcon, iconRetinaUrl: markerIcon2x, shadowUrl: markerShadow });

const TILE_KEY = "koban.tileUrl";
// Sequential and colour-blind safe (ColorBrewer YlOrRd), light to dark.
const PALETTE = ["#ffffb2", "#fed976", "#feb24c", "#fd8d3c", "#f03b20", "#bd0026"];

export function storedTileUrl() {
  return localStorage.getItem(TILE_KEY) || "";
}

/** Store (or clear, with "") the tile URL; only http(s) templates with {z}, {x} and {y} are accepted. */
export function storeTileUrl(url) {
  const value = url.trim();
  if (value && !isTileTemplate(value)) return false;
  if (value) localStorage.setItem(TILE_KEY, value);
  else localStorage.removeItem(TILE_KEY);
  return true;
}

export function isTileTemplate(value) {
  try {
    const url = new URL(value.replace(/\{[a-z]\}/g, "0"));
    return ["http:", "https:"].includes(url.protocol) && ["{z}", "{x}", "{y}"].every((part) => value.includes(part));
  } catch {
    return false;
  }
}

/**
 * Upper limits of the colour classes for counts from `min` to `max`: up to six classes growing geometrically
 * (counts are skewed: a few cells hold many reports), each limit a whole number. A count above breaks[i - 1] and
 * at most breaks[i] is in class i; above the last break, in the last class.
 */
export function classBreaks(max, min = 1) {
  if (max < min || max <= 0) return [];
  const classes = Math.min(PALETTE.length, max - min + 1);
  const breaks = [];
  for (let index = 1; index < classes; index += 1) {
    const limit = Math.round(min * (max / min) ** (index / classes));
    if (limit >= min && limit < max && !breaks.includes(limit)) breaks.push(limit);
  }
  return breaks;
}

function colourOf(count, breaks) {
  const found = breaks.findIndex((limit) => count <= limit);
  const index = found === -1 ? breaks.length : found;
  // The classes in use are spread over the whole palette, so that even two classes read as light and dark.
  return breaks.length ? PALETTE[Math.round((index * (PALETTE.length - 1)) / breaks.length)] : PALETTE[4];
}

function escapeHtml(text) {
  const element = document.createElement("span");
  element.textContent = text;
  return element.innerHTML;
}

/** A Leaflet map in `element` fitted to `bbox` ([west, south, east, north]), the area outlined, a scale bar. */
function createAreaMap(element, { bbox, areaName = "" }) {
  const bounds = L.latLngBounds([bbox[1], bbox[0]], [bbox[3], bbox[2]]);
  const map = L.map(element, {
    zoomSnap: 0.25,
    minZoom: 8,
    maxZoom: 18,
    maxBounds: bounds.pad(1.5),
    attributionControl: true,
  });
  map.attributionControl.setPrefix(false);
  map.fitBounds(bounds);
  L.control.scale({ imperial: false }).addTo(map);
  L.rectangle(bounds, {
    className: "koban-area",
    color: "#41526b",
    weight: 1.5,
    dashArray: "6 4",
    fill: false,
    interactive: false,
  }).addTo(map);
  // Leaflet writes attributions as HTML.
  if (areaName) map.attributionControl.addAttribution(escapeHtml(areaName));
  return { map, bounds };
}

/**
 * A map to choose one point inside `bbox` (a report's place, the centre of an alert area): a click, or the
 * keyboard (the map pans with the arrow keys; `pickCentre()` takes its centre), or `pick(lat, lon)` from the
 * device's location. `onPick({lat, lon})` is told each choice; a point outside the area is refused (false, and
 * `onOutside()` is told).
 * `radius` (metres) draws a circle around the point. Returns { map, pick, pickCentre, clear }.
 */
export function createPointMap(element, { bbox, areaName = "", radius = 0, onPick = () => {}, onOutside = () => {} }) {
  const { map, bounds } = createAreaMap(element, { bbox, areaName });
  let marker = null;
  let circle = null;

  function pick(lat, lon) {
    const point = L.latLng(lat, lon);
    if (!bounds.contains(point)) {
      onOutside();
      return false;
    }
    marker ??= L.marker(point, { keyboard: false }).addTo(map);
    marker.setLatLng(point);
    if (radius) {
      circle ??= L.circle(point, { radius, className: "koban-radius", weight: 2, fillOpacity: 0.12 }).addTo(map);
      circle.setLatLng(point);
    }
    element.dataset.picked = `${point.lat.toFixed(5)},${point.lng.toFixed(5)}`;
    onPick({ lat: point.lat, lon: point.lng });
    return true;
  }

  function clear() {
    marker?.remove();
    circle?.remove();
    marker = null;
    circle = null;
    delete element.dataset.picked;
  }

  map.on("click", (event) => pick(event.latlng.lat, event.latlng.lng));
  return {
    map,
    pick,
    clear,
    pickCentre: () => pick(map.getCenter().lat, map.getCenter().lng),
  };
}

/**
 * A map in `element` fitted to `bbox` ([west, south, east, north]).
 * Returns { showCells(collection, describe), focus(geometry), setTiles(url), map }.
 */
export function createCellMap(element, { bbox, areaName = "" }) {
  const { map, bounds } = createAreaMap(element, { bbox, areaName });

  let tiles = null;
  let cells = null;
  let highlight = null;
  const legend = L.control({ position: "bottomright" });
  legend.onAdd = () => h("div", { class: "map-legend", "aria-hidden": "true" });
  legend.addTo(map);

  function setTiles(url) {
    if (tiles) tiles.remove();
    tiles = null;
    element.classList.toggle("no-tiles", !url);
    if (url) {
      const host = new URL(url.replace(/\{[a-z]\}/g, "0")).host;
      tiles = L.tileLayer(url, { maxZoom: 19, attribution: escapeHtml(host) }).addTo(map);
      tiles.bringToBack();
    }
  }

  /** Replace the cells; `describe(feature)` gives the tooltip's element; no cell counts less than `minimum`. */
  function showCells(collection, describe, minimum = 1) {
    if (cells) cells.remove();
    if (highlight) highlight.remove();
    highlight = null;
    const counts = collection.features.map((feature) => feature.properties.count);
    const max = counts.length ? Math.max(...counts) : 0;
    const breaks = classBreaks(max, minimum);
    cells = L.geoJSON(collection, {
      style: (feature) => ({
        className: "koban-cell",
        color: "#7a2e0e",
        weight: 0.8,
        opacity: 0.8,
        fillColor: colourOf(feature.properties.count, breaks),
        fillOpacity: 0.72,
      }),
      onEachFeature: (feature, layer) => {
        layer.bindTooltip(() => describe(feature), { sticky: true, className: "cell-tooltip" });
      },
    }).addTo(map);
    renderLegend(legend.getContainer(), breaks, minimum, max);
    element.dataset.cells = String(collection.features.length);
  }

  /** Zoom to one cell and outline it (an emerging alert chosen in a list). */
  function focus(geometry, label) {
    if (highlight) highlight.remove();
    highlight = L.geoJSON(geometry, {
      style: { className: "koban-focus", color: "#0b3d91", weight: 3, fill: false },
      interactive: false,
    }).addTo(map);
    if (label) {
      highlight.bindTooltip(h("span", {}, label), { permanent: true, direction: "top", className: "cell-tooltip" });
    }
    map.flyToBounds(highlight.getBounds(), { maxZoom: 15, duration: 0.6 });
  }

  function fitArea() {
    map.fitBounds(bounds);
  }

  return { map, showCells, focus, setTiles, fitArea };
}

function renderLegend(container, breaks, min, max) {
  if (!max) {
    container.replaceChildren(h("span", {}, t("map.noCells")));
    return;
  }
  const rows = [];
  let low = min;
  for (const limit of [...breaks, max]) {
    const label = low === limit ? formatNumber(low) : `${formatNumber(low)}–${formatNumber(limit)}`;
    rows.push(h("li", {}, h("span", { class: "swatch", style: { background: colourOf(limit, breaks) } }), label));
    low = limit + 1;
  }
  container.replaceChildren(h("strong", {}, t("map.legend")), h("ul", {}, rows));
}
