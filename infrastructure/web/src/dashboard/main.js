// /dashboard/ — the staff intelligence dashboard: sign-in with a bearer token, then four views of the token's
// tenant (views.js): Overview (KPI tiles, the hotspot map, the trend and category charts, the emerging list),
// Problems (the board), Alerts (the composer with its map, the alerts with their counters and decisions),
// Outbox (what the local outbox adapter kept: whom the messages reached) and Capability (the self-assessment and
// the live scorecard of the KOBAN capability model).
import "../shared/base.css";
import "../shared/staff.css";
import "./dashboard.css";

import { createApi, tenantPath } from "../shared/api.js";
import { byId, h, toast } from "../shared/dom.js";
import { clearError, showError } from "../shared/errors.js";
import {
  LANGUAGES,
  addMessages,
  chooseLanguage,
  formatDay,
  formatNumber,
  languageSwitch,
  nameOf,
  setLanguage,
  t,
  translatePage,
} from "../shared/i18n.js";
import { createCellMap, isTileTemplate, storeTileUrl, storedTileUrl } from "../shared/map.js";
import { createAlerts } from "./alerts.js";
import { createBoard } from "./board.js";
import { createCapability } from "./capability.js";
import { createCharts } from "./charts.js";
import { createComposer } from "./composer.js";
import { problemFromSignal, renderEmerging } from "./emerging.js";
import { createFilters, localToday } from "./filters.js";
import { renderKpis } from "./kpis.js";
import { MESSAGES } from "./messages.js";
import { createOutbox } from "./outbox.js";
import { SessionError, forgetToken, sessionFrom, storeToken, storedToken, takeTokenFromFragment } from "./session.js";
import { createViews } from "./views.js";

addMessages(MESSAGES);

const alertRegion = byId("alert");
const toasts = byId("toasts");
let session = null;
let view = null; // the signed-in workspace

const SIGNED_OUT_KEY = "koban.signedOutMessage";

/** Show the sign-in form, with why the user is there (an expired token...). */
function showSignIn(message = "") {
  byId("signin").hidden = false;
  byId("signin-error").textContent = message;
  byId("token-input").focus();
}

/** Forget the token and start the page afresh (nothing of the previous session stays in memory). */
function signOut(message = "") {
  forgetToken();
  if (message) sessionStorage.setItem(SIGNED_OUT_KEY, message);
  window.location.replace(window.location.pathname);
}

function showRoles() {
  if (session) byId("who").textContent = session.roles.map((role) => nameOf("role", role)).join(", ");
}

async function signIn(token) {
  try {
    session = sessionFrom(token);
  } catch (error) {
    forgetToken();
    showSignIn(error instanceof SessionError ? t(`signin.error.${error.message}`) : String(error));
    return;
  }
  storeToken(token);
  const api = createApi({
    token: () => session?.token,
    onUnauthorised: () => signOut(t("signin.error.rejected")),
  });
  let tenant;
  try {
    tenant = await api.get(tenantPath(session.tenant));
  } catch (error) {
    forgetToken();
    showError(alertRegion, error, t("signin.loadingTenant"));
    showSignIn();
    return;
  }
  byId("signin").hidden = true;
  byId("workspace").hidden = false;
  byId("sign-out").hidden = false;
  byId("who").hidden = false;
  showRoles();
  byId("tenant-name").textContent = tenant.name;
  view = createWorkspace(api, tenant);
  await view.start();
}

function createWorkspace(api, tenant) {
  const overview = createOverview(api, tenant);
  const report = (error, context) => showError(alertRegion, error, context);
  const alerts = createAlerts({ api, tenant, session, dialog: byId("alert-dialog"), toasts, onError: report });
  const composer = createComposer({
    api,
    tenant,
    onSubmitted: async (alert) => {
      toast(toasts, t("composer.submitted"));
      await alerts.load();
      await alerts.open(alert.id);
    },
  });
  const outbox = createOutbox({ api, tenant, onError: report, go: (name, params) => views.go(name, params) });
  const capability = createCapability({
    api,
    tenant,
    session,
    onError: report,
    onRecovered: () => clearError(alertRegion),
  });
  const views = createViews({
    nav: byId("views-nav"),
    fallback: "overview",
    views: {
      overview: { element: byId("view-overview"), heading: byId("view-overview-title"), show: overview.shown },
      problems: {
        element: byId("view-problems"),
        heading: byId("board-title"),
        show: () => overview.board.load().catch((error) => report(error, t("board.title"))),
      },
      alerts: {
        element: byId("view-alerts"),
        heading: byId("view-alerts-title"),
        show: async (params, { first }) => {
          if (first) composer.start();
          composer.shown(first);
          await alerts.load();
          if (params.get("alert")) await alerts.open(params.get("alert"));
        },
      },
      outbox: { element: byId("view-outbox"), heading: byId("outbox-title"), show: (params) => outbox.show(params) },
      capability: {
        element: byId("view-capability"),
        heading: byId("capability-title"),
        show: () => capability.show(),
      },
    },
  });

  async function start() {
    alerts.relabel();
    outbox.relabel();
    views.start();
    await overview.start();
  }

  /** After a language change: names from the API come in the new language, the current view is shown again. */
  async function relabel() {
    alerts.relabel();
    outbox.relabel();
    composer.relabel();
    await overview.relabel();
    if (views.current() !== "overview") views.refresh();
  }

  return { start, relabel };
}

/** The Overview: filters, KPI tiles, the hotspot map, the charts and the emerging list (and the board it marks). */
function createOverview(api, tenant) {
  const map = createCellMap(byId("map"), { bbox: tenant.area.bbox, areaName: tenant.area.name });
  map.setTiles(storedTileUrl());
  const charts = createCharts(byId("trend-chart"), byId("category-chart"));
  let categories = [];
  let emerging = { items: [] };
  let generation = 0;
  const categoryName = (code) => categories.find((category) => category.code === code)?.name ?? code;
  const report = (error, context) => showError(alertRegion, error, context);
  const board = createBoard({
    api,
    tenant: tenant.id,
    units: tenant.units,
    today: () => localToday(tenant.timezone),
    container: byId("board"),
    dialog: byId("problem-dialog"),
    toasts,
    categoryName,
    onError: report,
  });
  const filters = createFilters({ timeZone: tenant.timezone, onChange: () => refresh() });

  async function loadCategories() {
    const answer = await api.get(tenantPath(tenant.id, "categories"));
    categories = answer.items.map((item) => ({ code: item.code, name: item.name }));
    filters.setCategories(categories);
  }

  function showEmerging() {
    renderEmerging(byId("emerging-list"), emerging, {
      onFocus: (item) => map.focus(item.geometry, `${item.category_name} · ${formatNumber(item.recent_count)}`),
      onOpen: (problem) => board.open(problem.id),
      onCreate: createProblem,
      problemFor: (item) => board.problemFor(item.category, item.cell),
    });
  }

  async function createProblem(item, button) {
    button.disabled = true;
    try {
      const problem = await api.post(tenantPath(tenant.id, "problems"), problemFromSignal(item));
      toast(toasts, t("emerging.created", { title: problem.title }));
      await board.load();
      showEmerging();
    } catch (error) {
      button.disabled = false;
      report(error, t("emerging.creating"));
    }
  }

  function describeCell(feature) {
    const SHOWN = 6; // categories listed in a tooltip; the rest are counted
    const { count, by_category: byCategory } = feature.properties;
    const entries = Object.entries(byCategory);
    return h(
      "div",
      {},
      h("strong", {}, t("map.reports", { count: formatNumber(count) })),
      h(
        "ul",
        {},
        entries.slice(0, SHOWN).map(([code, n]) => h("li", {}, `${categoryName(code)}: ${formatNumber(n)}`)),
        entries.length > SHOWN ? h("li", {}, t("map.more", { count: entries.length - SHOWN })) : null,
      ),
    );
  }

  /** Refetch everything the filters shape; an older answer arriving late is dropped. */
  async function refresh() {
    const current = ++generation;
    const state = filters.state();
    const period = { from: state.from, to: state.to };
    const categoriesQuery = state.categories.join(",");
    const dashboard = (name) => tenantPath(tenant.id, "dashboard", name);
    byId("workspace").setAttribute("aria-busy", "true");
    const calls = [
      [t("kpi.title"), api.get(dashboard("summary"), period)],
      [
        t("map.title"),
        api.get(dashboard("hotspots"), { ...period, categories: categoriesQuery, resolution: state.resolution }),
      ],
      [
        t("chart.trendTitle"),
        api.get(dashboard("trends"), { ...period, categories: categoriesQuery, interval: state.interval }),
      ],
      [
        t("emerging.title"),
        api.get(dashboard("emerging"), { to: state.to, categories: categoriesQuery, resolution: state.resolution }),
      ],
      [t("board.title"), board.load()],
    ];
    const answers = await Promise.allSettled(calls.map(([, call]) => call));
    if (current !== generation) return;
    byId("workspace").removeAttribute("aria-busy");
    const [summary, hotspots, trends, signals] = answers;
    if (summary.status === "fulfilled") renderKpis(byId("kpis"), summary.value);
    if (hotspots.status === "fulfilled") {
      map.showCells(hotspots.value, describeCell);
      byId("map-caption").textContent = t("map.caption", {
        count: formatNumber(hotspots.value.features.length),
        size: t(state.resolution === 9 ? "filters.block" : "filters.neighbourhood").toLowerCase(),
        from: formatDay(state.from),
        to: formatDay(state.to),
      });
    }
    if (trends.status === "fulfilled") {
      charts.show(trends.value);
      byId("trend-caption").textContent = t(state.interval === "week" ? "chart.byWeek" : "chart.byDay");
    }
    if (signals.status === "fulfilled") {
      emerging = signals.value;
      byId("emerging-caption").textContent = t("emerging.caption", {
        days: emerging.recent_days,
        baseline: emerging.baseline_days,
      });
    }
    showEmerging();
    const failures = answers
      .map((answer, index) => (answer.status === "rejected" ? [calls[index][0], answer.reason] : null))
      .filter(Boolean);
    if (failures.length) showError(alertRegion, failures[0][1], failures[0][0]);
    else clearError(alertRegion);
  }

  function setupTileSetting() {
    const input = byId("tile-url");
    input.value = storedTileUrl();
    byId("tile-save").addEventListener("click", () => {
      if (!storeTileUrl(input.value)) {
        input.setAttribute("aria-invalid", "true");
        showError(alertRegion, new Error(t("settings.invalid")), t("settings.title"));
        return;
      }
      input.removeAttribute("aria-invalid");
      map.setTiles(isTileTemplate(input.value.trim()) ? input.value.trim() : "");
      toast(toasts, t("settings.saved"));
    });
  }

  async function start() {
    setupTileSetting();
    try {
      await loadCategories();
    } catch (error) {
      report(error, t("filters.categories"));
    }
    await refresh();
  }

  /** After a language change: names from the API come in the new language. */
  async function relabel() {
    await loadCategories().catch((error) => report(error, t("filters.categories")));
    await refresh();
  }

  /** Shown again after another view: Leaflet measures the map's box anew (it had none while hidden). */
  function shown(params, { first }) {
    map.map.invalidateSize();
    if (first) map.fitArea();
  }

  return { start, relabel, shown, board };
}

function main() {
  setLanguage(chooseLanguage(LANGUAGES));
  translatePage();
  languageSwitch(byId("language"), LANGUAGES, () => {
    translatePage();
    showRoles();
    if (view) view.relabel();
  });
  byId("signin-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const token = byId("token-input").value.trim();
    if (!token) {
      byId("signin-error").textContent = t("signin.error.empty");
      return;
    }
    signIn(token);
  });
  byId("sign-out").addEventListener("click", () => signOut());
  const token = takeTokenFromFragment() ?? storedToken();
  if (token) {
    signIn(token);
  } else {
    showSignIn(sessionStorage.getItem(SIGNED_OUT_KEY) ?? "");
    sessionStorage.removeItem(SIGNED_OUT_KEY);
  }
}

main();
