// Choosing a place: the map (a click, or the arrow keys and "use the map's centre"), or the device's location.
// The map draws no tiles: the force's area on a plain background, as on the dashboard.
import { h } from "../shared/dom.js";
import { createPointMap } from "../shared/map.js";
import { text } from "./text.js";

/**
 * A place picker in a fieldset (`legend`, `help`): { element, value() → {lat, lon} | null, start(), destroy() }.
 * `start()` draws the map once the element is in the page (Leaflet measures its box). `radius` (metres) draws the
 * area around the point.
 */
export function createPlacePicker(tenant, { idPrefix, legend, help, radius = 0, onChange = () => {} }) {
  let chosen = null;
  let map = null;
  const status = h("p", { id: `${idPrefix}-status`, class: "place-status", "aria-live": "polite" }, text("place.none"));
  const mapElement = h("div", {
    id: `${idPrefix}-map`,
    class: "map no-tiles place-map",
    role: "application",
    tabindex: "0",
    "aria-label": text("place.map_label"),
    "aria-describedby": `${idPrefix}-status`,
  });
  const locate = h("button", { type: "button", id: `${idPrefix}-locate` }, text("report.use_my_location"));
  const centre = h("button", { type: "button", id: `${idPrefix}-centre` }, text("place.use_centre"));
  const error = h("p", { class: "field-error", id: `${idPrefix}-error`, hidden: true });

  function describe(point) {
    chosen = point;
    status.textContent = text("place.chosen", { lat: point.lat.toFixed(5), lon: point.lon.toFixed(5) });
    error.hidden = true;
    onChange(point);
  }

  function refuse(message) {
    error.textContent = message;
    error.hidden = false;
  }

  locate.addEventListener("click", () => {
    if (!navigator.geolocation) {
      refuse(text("place.no_geolocation"));
      return;
    }
    locate.disabled = true;
    navigator.geolocation.getCurrentPosition(
      (position) => {
        locate.disabled = false;
        const { latitude, longitude } = position.coords;
        if (map?.pick(latitude, longitude)) map.map.setView([latitude, longitude], Math.max(map.map.getZoom(), 15));
      },
      () => {
        locate.disabled = false;
        refuse(text("place.no_geolocation"));
      },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 0 },
    );
  });
  centre.addEventListener("click", () => map?.pickCentre());

  const element = h(
    "fieldset",
    { class: "place", id: idPrefix },
    h("legend", {}, legend),
    h("p", { class: "help" }, help),
    mapElement,
    h("div", { class: "place-actions" }, locate, centre),
    status,
    error,
  );

  return {
    element,
    value: () => chosen,
    start() {
      map ??= createPointMap(mapElement, {
        bbox: tenant.area.bbox,
        areaName: tenant.area.name,
        radius,
        onPick: describe,
        onOutside: () => refuse(text("place.outside")),
      });
      map.map.invalidateSize();
    },
    showError: refuse,
    focus: () => mapElement.focus(),
    destroy: () => map?.map.remove(),
  };
}
