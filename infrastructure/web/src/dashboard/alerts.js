// The tenant's area alerts (GET …/alerts) with their status and delivery counters, and one alert in a dialog:
// its texts, its area on a map (the API's GeoJSON), what it reached (sent, delivered, opened, failed: updated
// while it goes out), and the decision: a supervisor or admin who did not write it approves, or rejects with a
// reason (POST …/decision); its author is told that someone else decides; a draft can be withdrawn.
import L from "leaflet";

import { tenantPath } from "../shared/api.js";
import { byId, fill, h, toast } from "../shared/dom.js";
import { showError } from "../shared/errors.js";
import { formatMoment, formatNumber, nameOf, t } from "../shared/i18n.js";
import { createCellMap } from "../shared/map.js";
import { languageLabel } from "./composer.js";
import { fillDialog } from "./dialog.js";
import { routeHash } from "./views.js";

export const ALERT_STATUSES = ["draft", "approved", "sending", "sent", "rejected", "cancelled"];
export const COUNTERS = ["sent", "delivered", "opened", "failed"];
const APPROVERS = ["supervisor", "admin"];
const WRITERS = ["officer", "supervisor", "admin"];
const STATUS_TONE = { draft: "warn", approved: "", sending: "", sent: "ok", rejected: "danger", cancelled: "" };
const PAGE_SIZE = 25;
const POLL_MS = 2000;
const POLL_LIMIT = 90; // three minutes of updates while the dialog stays open
const RECENT_MS = 10 * 60 * 1000; // an alert sent this recently may still be counting

/** What the signed-in user may do with an alert: decide it (a supervisor or admin who did not write it). */
export function permissions(alert, session) {
  const own = alert.created_by === session.sub;
  const approver = session.roles.some((role) => APPROVERS.includes(role));
  const draft = alert.status === "draft";
  return {
    own,
    decide: draft && approver && !own,
    withdraw: draft && session.roles.some((role) => WRITERS.includes(role)),
  };
}

/** Whether the counters of an alert may still change (its deliveries are under way). */
export function stillCounting(alert, now = Date.now()) {
  if (alert.status === "approved" || alert.status === "sending") return true;
  return alert.status === "sent" && now - new Date(alert.updated_at).getTime() < RECENT_MS;
}

const statusBadge = (status) =>
  h("span", { class: `badge ${STATUS_TONE[status] ?? ""}`, dataset: { status } }, nameOf("alertStatus", status));

export function createAlerts({ api, tenant, session, dialog, toasts, onError }) {
  const rows = byId("alerts-rows");
  const statusFilter = byId("alerts-status");
  const more = byId("alerts-more");
  let cursor = null;
  // One map for every alert the dialog shows: its element moves into each rendering, so a map is never removed
  // (Leaflet throws when a map is removed while it animates).
  const areaElement = h("div", { class: "map dialog-map no-tiles", role: "region" });
  let areaMap = null;
  let areaLayer = null;
  let poll = null;

  const author = (subject) =>
    subject === session.sub ? t("alerts.you") : t("alerts.colleague", { id: subject.slice(0, 8) });
  const alertPath = (...segments) => tenantPath(tenant.id, "alerts", ...segments);

  function relabel() {
    const chosen = statusFilter.value;
    fill(
      statusFilter,
      h("option", { value: "" }, t("alerts.allStatuses")),
      ALERT_STATUSES.map((status) => h("option", { value: status }, nameOf("alertStatus", status))),
    );
    statusFilter.value = chosen;
  }

  async function load({ next = false } = {}) {
    try {
      const page = await api.get(alertPath(), {
        status: statusFilter.value,
        limit: PAGE_SIZE,
        cursor: next ? cursor : null,
      });
      cursor = page.next_cursor;
      const shown = page.items.map(row);
      if (next) rows.append(...shown);
      else fill(rows, shown.length ? shown : h("tr", {}, h("td", { colspan: 9, class: "empty" }, t("alerts.none"))));
      more.hidden = !cursor;
    } catch (error) {
      onError(error, t("alerts.loading"));
    }
  }

  function counterCells(counts) {
    return COUNTERS.map((name) => h("td", { class: "num", dataset: { counter: name } }, formatNumber(counts[name])));
  }

  function row(alert) {
    return h(
      "tr",
      { dataset: { alert: alert.id, status: alert.status } },
      h("td", {}, h("button", { type: "button", class: "link", onclick: () => open(alert.id) }, alert.title)),
      h("td", {}, statusBadge(alert.status)),
      h("td", {}, nameOf("audience", alert.audience)),
      h("td", {}, nameOf("severity", alert.severity)),
      h(
        "td",
        {},
        formatMoment(alert.created_at),
        h("br"),
        h("span", { class: "muted small" }, author(alert.created_by)),
      ),
      counterCells(alert.counts),
    );
  }

  function stopPolling() {
    clearTimeout(poll);
    poll = null;
  }

  /** Keep the counters and the status of the open alert current while its deliveries go out. */
  function follow(alert, polls = 0) {
    stopPolling();
    if (!stillCounting(alert) || polls >= POLL_LIMIT) return;
    poll = setTimeout(async () => {
      if (!dialog.open || dialog.dataset.alert !== alert.id) return;
      try {
        const fresh = await api.get(alertPath(alert.id));
        if (!dialog.open || dialog.dataset.alert !== alert.id) return;
        updateCounters(fresh);
        follow(fresh, polls + 1);
      } catch (error) {
        showError(dialog.querySelector(".dialog-error"), error);
      }
    }, POLL_MS);
  }

  function updateCounters(alert) {
    for (const name of COUNTERS) {
      const counter = dialog.querySelector(`.counter[data-counter="${name}"]`);
      if (!counter) continue;
      counter.querySelector(".counter-value").textContent = formatNumber(alert.counts[name]);
      counter.toggleAttribute("data-nonzero", alert.counts[name] > 0);
    }
    const badge = dialog.querySelector(".alert-status");
    if (badge && badge.dataset.status !== alert.status) fill(badge, statusBadge(alert.status));
    if (badge) badge.dataset.status = alert.status;
    const listed = rows.querySelector(`tr[data-alert="${alert.id}"]`);
    if (listed) {
      listed.dataset.status = alert.status;
      fill(listed.children[1], statusBadge(alert.status));
      for (const name of COUNTERS) {
        listed.querySelector(`[data-counter="${name}"]`).textContent = formatNumber(alert.counts[name]);
      }
    }
  }

  async function open(id) {
    let alert;
    try {
      alert = await api.get(alertPath(id));
    } catch (error) {
      onError(error, t("alerts.opening"));
      return;
    }
    render(alert);
    if (!dialog.open) dialog.showModal();
    showArea(alert);
    follow(alert);
  }

  function render(alert) {
    const may = permissions(alert, session);
    const first = alert.texts[tenant.languages[0]] ?? Object.values(alert.texts)[0];
    dialog.dataset.alert = alert.id;
    const audience = t("alerts.for", { audience: nameOf("audience", alert.audience) });
    const kicker = `${nameOf("severity", alert.severity)} · ${audience}`;
    fillDialog(
      dialog,
      { kicker, title: first.title, titleId: "alert-dialog-title" },
      h(
        "p",
        { class: "alert-facts" },
        h("span", { class: "alert-status", dataset: { status: alert.status } }, statusBadge(alert.status)),
        " ",
        t("alerts.written", { who: author(alert.created_by), when: formatMoment(alert.created_at) }),
        decisionLine(alert),
      ),
      counters(alert),
      ["draft", "rejected", "cancelled"].includes(alert.status)
        ? null
        : h(
            "p",
            {},
            h(
              "a",
              // The dialog closes and the address takes the outbox view, filtered to this alert.
              { href: routeHash("outbox", { alert: alert.id }), class: "outbox-link", onclick: () => dialog.close() },
              t("alerts.seeOutbox"),
            ),
          ),
      h(
        "div",
        { class: "dialog-grid" },
        h(
          "section",
          { class: "dialog-section", "aria-labelledby": "alert-texts-title" },
          h("h3", { id: "alert-texts-title" }, t("alerts.texts")),
          Object.entries(alert.texts).map(([code, text]) =>
            h(
              "article",
              { class: "preview-message", lang: code, dataset: { language: code } },
              h("p", { class: "muted small" }, languageLabel(code)),
              h("h4", {}, text.title),
              h("p", { class: "preview-text" }, text.body),
            ),
          ),
          alert.link ? h("p", { class: "small" }, alert.link) : null,
        ),
        h(
          "section",
          { class: "dialog-section", "aria-labelledby": "alert-area-title" },
          h("h3", { id: "alert-area-title" }, t("alerts.area")),
          areaElement,
          h(
            "p",
            { class: "muted small" },
            t("alerts.areaCaption", { count: alert.cells.length, neighbourhoods: alert.neighbourhoods }),
          ),
        ),
      ),
      decision(alert, may),
    );
  }

  function decisionLine(alert) {
    if (!alert.decided_by) return null;
    const key = alert.status === "rejected" ? "alerts.rejectedBy" : "alerts.approvedBy";
    const line = t(key, { who: author(alert.decided_by), when: formatMoment(alert.decided_at) });
    return h(
      "span",
      { class: "decision-line" },
      h("br"),
      line,
      alert.decision_note ? h("q", { class: "decision-note" }, alert.decision_note) : null,
    );
  }

  function counters(alert) {
    return h(
      "dl",
      { class: "counters", "aria-label": t("alerts.counters") },
      COUNTERS.map((name) =>
        h(
          "div",
          { class: `counter counter-${name}`, dataset: { counter: name }, "data-nonzero": alert.counts[name] > 0 },
          h("dt", {}, t(`alerts.counter.${name}`)),
          h("dd", { class: "counter-value" }, formatNumber(alert.counts[name])),
        ),
      ),
    );
  }

  function decision(alert, may) {
    if (alert.status !== "draft") return null;
    const note = h("textarea", { id: "alert-decision-note", rows: 2, maxlength: 1000 });
    const buttons = [];
    if (may.withdraw) {
      buttons.push(
        h("button", { type: "button", onclick: (event) => withdraw(alert, event.currentTarget) }, t("alerts.withdraw")),
      );
    }
    if (may.decide) {
      buttons.push(
        h(
          "button",
          { type: "button", onclick: (event) => decide(alert, "reject", note, event.currentTarget) },
          t("alerts.reject"),
        ),
        h(
          "button",
          { type: "button", class: "primary", onclick: (event) => decide(alert, "approve", note, event.currentTarget) },
          t("alerts.approve"),
        ),
      );
    }
    return h(
      "div",
      { class: "dialog-actions" },
      may.own
        ? h("p", { class: "notice own-alert" }, t("alerts.ownAlert"))
        : may.decide
          ? h("div", { class: "field" }, h("label", { for: "alert-decision-note" }, t("alerts.reason")), note)
          : h("p", { class: "notice" }, t("alerts.awaitingSupervisor")),
      h("div", { class: "buttons" }, buttons),
    );
  }

  async function decide(alert, choice, note, button) {
    const region = dialog.querySelector(".dialog-error");
    const reason = note.value.trim();
    if (choice === "reject" && !reason) {
      note.setAttribute("aria-invalid", "true");
      showError(region, new Error(t("alerts.reasonNeeded")));
      note.focus();
      return;
    }
    button.disabled = true;
    try {
      const decided = await api.post(alertPath(alert.id, "decision"), {
        version: alert.version,
        decision: choice,
        ...(reason ? { note: reason } : {}),
      });
      toast(toasts, t(choice === "approve" ? "alerts.approved" : "alerts.rejected"));
      await changed(decided);
    } catch (error) {
      button.disabled = false;
      showError(region, error);
    }
  }

  async function withdraw(alert, button) {
    button.disabled = true;
    try {
      const withdrawn = await api.patch(alertPath(alert.id), { version: alert.version, status: "cancelled" });
      toast(toasts, t("alerts.withdrawn"));
      await changed(withdrawn);
    } catch (error) {
      button.disabled = false;
      showError(dialog.querySelector(".dialog-error"), error);
    }
  }

  async function changed(alert) {
    render(alert);
    showArea(alert);
    dialog.querySelector("#alert-dialog-title").focus();
    follow(alert);
    await load();
  }

  /** The area, drawn once the dialog is open (Leaflet needs its box measured). */
  function showArea(alert) {
    areaElement.setAttribute("aria-label", t("alerts.areaMap"));
    areaMap ??= createCellMap(areaElement, { bbox: tenant.area.bbox, areaName: tenant.area.name }).map;
    areaMap.invalidateSize();
    areaLayer?.remove();
    areaLayer = L.geoJSON(alert.area, { style: { className: "koban-chosen", weight: 1 }, interactive: false });
    areaLayer.addTo(areaMap);
    areaElement.dataset.cells = String(alert.area.features.length);
    if (alert.area.features.length) {
      areaMap.fitBounds(areaLayer.getBounds(), { maxZoom: 15, padding: [12, 12], animate: false });
    }
  }

  statusFilter.addEventListener("change", () => load());
  more.addEventListener("click", () => load({ next: true }));
  byId("alerts-refresh").addEventListener("click", () => load());
  dialog.addEventListener("close", stopPolling);

  return { load, open, relabel };
}
