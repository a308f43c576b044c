// /dashboard/ — the staff intelligence dashboard: sign-in with a bearer token, then KPI tiles, the hotspot map,
// the trend and category charts, the emerging list and the problem board, all for the token's tenant.
import "../shared/base.css";
import "./dashboard.css";

import { createApi, tenantPath } from "../shared/api.js";
import { byId, h, toast } from "../shared/dom.js";
import { clearError, showError } from "../shared/errors.js";
import {
  LANGUAGES,
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
import { createBoard } from "./board.js";
import { createCharts } from "./charts.js";
import { problemFromSignal, renderEmerging } from "./emerging.js";
import { createFilters } from "./filters.js";
import { renderKpis } from "./kpis.js";
import { SessionError, forgetToken, sessionFrom, storeToken, storedToken, takeTokenFromFragment } from "./session.js";

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
      byId("emerging-caption").textContent = t("emerging.caption", { days: 7, baseline: 28 });
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

  return { start, relabel };
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
