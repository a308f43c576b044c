// /public/{tenant}/ — the residents' transparency view, no sign-in: the coarse hotspot map (only what
// GET …/public/hotspots gives: neighbourhood cells with at least k reports, no sensitive category, no text), the
// community priorities with a vote (one per device), and "you said, we did". It never sends a staff token and
// calls only the public routes.
import "../shared/base.css";
import "./public.css";

import { createApi, tenantPath } from "../shared/api.js";
import { deviceId, rememberVote, votedOn } from "../shared/device.js";
import { byId, fill, h, toast } from "../shared/dom.js";
import { clearError, showError } from "../shared/errors.js";
import {
  LANGUAGES,
  chooseLanguage,
  formatDay,
  formatMoment,
  formatNumber,
  languageSwitch,
  nameOf,
  setLanguage,
  t,
  translatePage,
} from "../shared/i18n.js";
import { createCellMap } from "../shared/map.js";

const PUBLIC_DAYS = 90;
const DAY = { dateStyle: "medium" };
const alertRegion = byId("alert");
const toasts = byId("toasts");
const api = createApi(); // no token, ever

/** The tenant id from /public/<tenant>/. */
function tenantFromPath() {
  const match = window.location.pathname.match(/^\/public\/([a-z0-9][a-z0-9-]{1,39})\/?/);
  return match ? match[1] : null;
}

async function showTenantList() {
  byId("tenants").hidden = false;
  try {
    const answer = await api.get("/tenants");
    fill(
      byId("tenant-list"),
      answer.items.map((tenant) => {
        const link = h("a", { href: `/public/${encodeURIComponent(tenant.id)}/` }, tenant.name);
        return h("li", {}, link, ` · ${tenant.area.name}`);
      }),
    );
  } catch (error) {
    showError(alertRegion, error, t("public.loadingTenants"));
  }
}

function createPublicView(tenant) {
  let map = null;

  function describeCell(feature, names) {
    const { count, by_category: byCategory, other } = feature.properties;
    return h(
      "div",
      {},
      h("strong", {}, t("map.reports", { count: formatNumber(count) })),
      h(
        "ul",
        {},
        Object.entries(byCategory).map(([code, n]) => h("li", {}, `${names[code] ?? code}: ${formatNumber(n)}`)),
        other ? h("li", {}, t("public.otherCategories", { count: formatNumber(other) })) : null,
      ),
    );
  }

  async function loadMap() {
    const answer = await api.get(tenantPath(tenant.id, "public", "hotspots"), { from: startDay() });
    const names = answer.properties.categories ?? {};
    map ??= createCellMap(byId("map"), { bbox: tenant.area.bbox, areaName: tenant.area.name });
    const k = answer.properties.min_reports_per_cell;
    map.showCells(answer, (feature) => describeCell(feature, names), k);
    byId("map-caption").textContent = t("public.mapCaption", {
      from: formatDay(answer.properties.from),
      to: formatDay(answer.properties.to),
      count: formatNumber(answer.features.length),
    });
    byId("privacy-note").textContent = t("public.privacy", { k });
    byId("map").dataset.minReports = String(k);
  }

  function startDay() {
    const today = new Intl.DateTimeFormat("en-CA", { timeZone: tenant.timezone }).format(new Date());
    const moment = new Date(`${today}T12:00:00Z`);
    moment.setUTCDate(moment.getUTCDate() - (PUBLIC_DAYS - 1));
    return moment.toISOString().slice(0, 10);
  }

  async function vote(priority, button, counter) {
    button.disabled = true;
    try {
      const result = await api.post(tenantPath(tenant.id, "public", "priorities", priority.id, "votes"), {
        voter: deviceId(),
      });
      rememberVote(tenant.id, priority.id);
      counter.textContent = t("public.votes", { count: formatNumber(result.votes) });
      button.textContent = t("public.voted");
      button.className = "voted";
      button.setAttribute("aria-pressed", "true");
      toast(toasts, result.counted ? t("public.voteCounted") : t("public.voteAlready"));
    } catch (error) {
      button.disabled = false;
      showError(alertRegion, error, t("public.voting"));
    }
  }

  function proposedItem(priority, voted) {
    const already = voted.has(priority.id);
    const votes = t("public.votes", { count: formatNumber(priority.votes) });
    const counter = h("span", { class: "votes", "aria-live": "polite" }, votes);
    const button = h(
      "button",
      {
        type: "button",
        class: already ? "voted" : "primary",
        disabled: already,
        "aria-pressed": already ? "true" : "false",
        "aria-describedby": `priority-${priority.id}`,
      },
      already ? t("public.voted") : t("public.vote"),
    );
    button.addEventListener("click", () => vote(priority, button, counter));
    return h(
      "li",
      { class: "priority", dataset: { priority: priority.id } },
      h(
        "div",
        {},
        h("h3", { id: `priority-${priority.id}` }, priority.title),
        h("p", { class: "muted area" }, priority.area_name),
        h("p", {}, priority.description),
      ),
      h("div", { class: "vote" }, counter, button),
    );
  }

  function answeredItem(priority) {
    const line = (label, text) => h("p", {}, h("strong", {}, t(label)), " ", text);
    const votes = t("public.votes", { count: formatNumber(priority.votes) });
    const context = h("span", { class: "muted" }, ` · ${priority.area_name} · ${votes}`);
    const lines = [line("public.youSaid", [priority.title, context])];
    if (priority.status === "declined") {
      lines.push(line("public.declined", priority.commitment ?? priority.outcome ?? ""));
    } else {
      if (priority.commitment) lines.push(line("public.weWill", priority.commitment));
      if (priority.outcome) lines.push(line("public.weDid", priority.outcome));
    }
    const tone = { adopted: "", done: "ok", declined: "warn" }[priority.status] ?? "";
    return h(
      "li",
      { class: `answered status-${priority.status}`, dataset: { priority: priority.id } },
      h("span", { class: `badge ${tone}` }, nameOf("priority", priority.status)),
      lines,
      h("p", { class: "muted small" }, t("public.updated", { day: formatMoment(priority.updated_at, DAY) })),
    );
  }

  async function loadPriorities() {
    const answer = await api.get(tenantPath(tenant.id, "public", "priorities"));
    const voted = votedOn(tenant.id);
    const proposed = answer.items.filter((item) => item.status === "proposed").sort((a, b) => b.votes - a.votes);
    const answered = answer.items.filter((item) => item.status !== "proposed");
    const empty = (key) => h("li", { class: "empty" }, t(key));
    const open = proposed.map((item) => proposedItem(item, voted));
    fill(byId("priorities"), open.length ? open : empty("public.noPriorities"));
    fill(byId("you-said"), answered.length ? answered.map(answeredItem) : empty("public.nothingYet"));
  }

  async function load() {
    byId("tenant-name").textContent = tenant.name;
    byId("headline").textContent = t("public.headlineFor", { area: tenant.area.name });
    document.title = `${t("public.headlineFor", { area: tenant.area.name })} · KOBAN`;
    byId("content").hidden = false;
    const results = await Promise.allSettled([loadMap(), loadPriorities()]);
    const failed = results.find((result) => result.status === "rejected");
    if (failed) showError(alertRegion, failed.reason, t("public.loading"));
    else clearError(alertRegion);
  }

  return { load };
}

async function main() {
  const tenantId = tenantFromPath();
  setLanguage(chooseLanguage());
  translatePage();
  if (!tenantId) {
    languageSwitch(byId("language"), LANGUAGES, () => translatePage());
    await showTenantList();
    return;
  }
  let tenant;
  try {
    tenant = await api.get(tenantPath(tenantId));
  } catch (error) {
    showError(alertRegion, error, t("public.loading"));
    return;
  }
  // The tenant's own languages, in its order; the browser's choice among them, else the tenant's first.
  setLanguage(chooseLanguage(tenant.languages, tenant.languages[0]));
  translatePage();
  const view = createPublicView(tenant);
  languageSwitch(byId("language"), tenant.languages, () => {
    translatePage();
    view.load();
  });
  await view.load();
}

main();
