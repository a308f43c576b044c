// Alerts in my area: the resident chooses a point (the area is the circle of the force's radius around it, sent as
// a polygon that the API turns into H3 cells), the groups they belong to, a language and a channel; no account.
// E-mail and SMS start after the code sent to the address comes back.
import { tenantPath } from "../shared/api.js";
import { h } from "../shared/dom.js";
import { formatNumber } from "../shared/i18n.js";
import { createPlacePicker } from "./location.js";
import { confirmationStep, createChannelFields, subscribeFailure } from "./subscribe.js";
import { text } from "./text.js";

const AUDIENCES = ["older_people", "parents", "young_people", "businesses", "schools"];
const EARTH_RADIUS_M = 6371008.8;
const SIDES = 24;

/** A GeoJSON polygon approximating the circle of `radius` metres around `point` (closed ring, [lon, lat]). */
export function circlePolygon(point, radius, sides = SIDES) {
  const lat = (point.lat * Math.PI) / 180;
  const lon = (point.lon * Math.PI) / 180;
  const angular = radius / EARTH_RADIUS_M;
  const ring = [];
  for (let step = 0; step < sides; step += 1) {
    const bearing = (2 * Math.PI * step) / sides;
    const lat2 = Math.asin(Math.sin(lat) * Math.cos(angular) + Math.cos(lat) * Math.sin(angular) * Math.cos(bearing));
    const lon2 =
      lon + Math.atan2(Math.sin(bearing) * Math.sin(angular) * Math.cos(lat), Math.cos(angular) - Math.sin(lat) * Math.sin(lat2));
    ring.push([Number(((lon2 * 180) / Math.PI).toFixed(6)), Number(((lat2 * 180) / Math.PI).toFixed(6))]);
  }
  ring.push(ring[0]);
  return { type: "Polygon", coordinates: [ring] };
}

export function renderAreaAlerts(ctx, module, main) {
  const radius = module.settings.radius_m ?? 1000;
  const place = createPlacePicker(ctx.tenant, {
    idPrefix: "alert-place",
    legend: text("alerts.where"),
    help: text("alerts.place_help"),
    radius,
  });
  const audiences = h(
    "fieldset",
    { class: "choices", id: "alert-audiences" },
    h("legend", { class: "label" }, text("alerts.audiences")),
    h("p", { class: "help" }, text("alerts.audiences_help")),
    AUDIENCES.map((code) =>
      h("label", { class: "choice" }, h("input", { type: "checkbox", value: code }), h("span", {}, text(`audience.${code}`))),
    ),
  );
  const fields = createChannelFields(ctx, { idPrefix: "alert" });
  const button = h("button", { type: "submit", class: "primary", id: "alert-submit" }, text("alerts.subscribe"));
  const result = h("div", { id: "alert-result", "aria-live": "polite" });
  const form = h(
    "form",
    { class: "app-form", id: "alert-form", novalidate: true },
    place.element,
    h("p", { class: "help" }, text("alerts.radius", { metres: formatNumber(radius) })),
    audiences,
    fields.element,
    button,
  );

  function done(subscription) {
    form.hidden = true;
    result.replaceChildren(
      h(
        "section",
        { class: "receipt card", "aria-labelledby": "alert-done" },
        h("h2", { id: "alert-done", tabindex: "-1" }, text("alerts.active")),
        h("p", {}, text("alerts.active_help", { to: subscription.to })),
      ),
    );
    result.querySelector("h2").focus();
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const point = place.value();
    if (!point) place.showError(text("place.needed"));
    const problem = fields.validate();
    if (!point || problem) {
      (point ? problem : () => place.focus())();
      return;
    }
    if (ctx.preview) return;
    button.disabled = true;
    try {
      const chosen = [...audiences.querySelectorAll("input:checked")].map((input) => input.value);
      const body = { ...(await fields.body()), area: { polygon: circlePolygon(point, radius) }, audiences: chosen };
      const created = await ctx.api.post(tenantPath(ctx.tenant.id, "subscriptions"), body);
      if (created.status === "active") {
        done(created);
        return;
      }
      form.hidden = true;
      result.replaceChildren(
        confirmationStep(ctx, created, { idPrefix: "alert", onConfirmed: (confirmed) => done(confirmed) }),
      );
      result.querySelector("input").focus();
    } catch (error) {
      button.disabled = false;
      subscribeFailure(ctx, error, text("alerts.subscribing"));
    }
  });

  main.append(
    h("h1", { id: "view-title", tabindex: "-1" }, module.title),
    h("p", { class: "lead" }, text("alerts.intro")),
    form,
    result,
  );
  place.start();
  return () => place.destroy();
}
