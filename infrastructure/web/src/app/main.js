// /app/{tenant}/ — the citizen app. It knows nothing of any force: it reads the tenant from its address, fetches
// the force's published configuration (GET …/app-config?platform=web&locale=xx, revalidated by ETag, kept for
// offline use) and renders it: theme, name, logo, languages, the 112 button on every screen and every enabled
// module. Installable (manifest and icons made from the theme, a service worker keeping the shell), and reports
// made without a network are kept and sent later, once (outbox.js).
//
// With ?preview it is the designer's live preview: it renders the draft the designer page posts to it
// (postMessage, same origin only) and sends nothing.
import "../shared/base.css";
import "./app.css";

import { ApiError, createApi, tenantPath } from "../shared/api.js";
import { byId, h, toast as showToast } from "../shared/dom.js";
import { clearError, showError } from "../shared/errors.js";
import { chooseLanguage, languageName, setLanguage, t } from "../shared/i18n.js";
import { renderAreaAlerts } from "./alerts.js";
import { renderAssistant } from "./assistant.js";
import { renderPriorities, renderSafetyInfo, renderTeam } from "./community.js";
import { loadConfig, loadKept, rememberLanguage, rememberedLanguage } from "./config.js";
import { renderDraft } from "./draft.js";
import { icon } from "./icons.js";
import { installManifest } from "./manifest.js";
import { keepReport } from "./mine.js";
import { createOutbox } from "./outbox.js";
import { renderReport } from "./report.js";
import { renderSurvey } from "./survey.js";
import { applyTheme, displayChoices, rememberDisplayChoices } from "./theme.js";
import { renderTracking } from "./tracking.js";
import { appLanguage, text, useConfigText } from "./text.js";

const PATH = /^\/app\/([a-z0-9][a-z0-9-]{1,39})(?:\/(.*))?$/;
const PREVIEW_MESSAGE = "koban-app-preview";
const NETWORK_RETRY_MS = 10_000;
const VIEWS = {
  emergency: renderEmergency,
  report: renderReport,
  tracking: renderTracking,
  assistant: renderAssistant,
  area_alerts: renderAreaAlerts,
  priorities: renderPriorities,
  neighbourhood_team: renderTeam,
  safety_info: renderSafetyInfo,
  survey: renderSurvey,
};

const alertRegion = byId("alert");
const main = byId("main");
const baseApi = createApi(); // residents never send a staff token

function currentPlace() {
  const match = window.location.pathname.match(PATH);
  if (!match) return null;
  return { tenant: match[1], segments: (match[2] ?? "").split("/").filter(Boolean).map(decodeURIComponent) };
}

/** The API in the app's language (which may be one KOBAN's built-in strings do not have). */
function appApi() {
  const headers = () => ({ "Accept-Language": appLanguage() });
  return {
    get: (path, query) => baseApi.send("GET", path, { query, headers: headers() }).then((reply) => reply.data),
    post: (path, body) => baseApi.send("POST", path, { body, headers: headers() }).then((reply) => reply.data),
    send: (method, path, options = {}) => baseApi.send(method, path, { ...options, headers: { ...headers(), ...options.headers } }),
  };
}

function renderEmergency(ctx, module, container) {
  const settings = module.settings;
  container.append(
    h("h1", { id: "view-title", tabindex: "-1" }, module.title),
    h(
      "section",
      { class: "card emergency-card" },
      h("p", { class: "lead" }, settings.message),
      h("a", { class: "emergency-call big", href: `tel:${settings.number}` }, settings.label),
      settings.non_emergency_number
        ? h(
            "p",
            {},
            text("emergency.non_emergency"),
            " ",
            h("a", { href: `tel:${settings.non_emergency_number.replace(/\s+/g, "")}` }, settings.non_emergency_number),
          )
        : null,
    ),
  );
}

function createApp(tenantId, { preview }) {
  const api = appApi();
  const ctx = {
    api,
    preview,
    tenant: null,
    config: null,
    outbox: null,
    prefill: null,
    module: (type) => ctx.config?.modules.find((module) => module.type === type) ?? null,
    href: (...parts) => `/app/${encodeURIComponent(tenantId)}/${parts.map(encodeURIComponent).join("/")}${preview ? "?preview" : ""}`,
    navigate: (...parts) => {
      history.pushState(null, "", ctx.href(...parts));
      render({ focus: true });
    },
    toast: (message) => showToast(byId("toasts"), message),
    fail: (error, context) => {
      const shown = error instanceof Error ? error : new ApiError(error?.status ?? 400, error ?? {});
      showError(alertRegion, shown, context);
    },
    setPrefill: (prefill) => {
      ctx.prefill = prefill;
    },
    takePrefill: () => {
      const prefill = ctx.prefill;
      ctx.prefill = null;
      return prefill;
    },
    emergencyNumber: () => ctx.module("emergency")?.settings.number ?? "112",
    unsubscribe: async (token) => {
      await api.send("POST", tenantPath(tenantId, "unsubscribe"), { query: { token } });
      ctx.toast(text("follow.stopped"));
    },
  };
  let cleanup = null;
  let networkDown = false;

  function renderShell() {
    const { config } = ctx;
    applyTheme(config);
    const logo = byId("app-logo");
    logo.hidden = !config.theme.logo;
    if (config.theme.logo) {
      logo.src = config.theme.logo.url;
      logo.alt = config.theme.logo.alt ?? "";
    }
    byId("app-mark").hidden = Boolean(config.theme.logo);
    byId("app-mark").textContent = [...(config.short_name || config.name || "K")][0] ?? "K";
    byId("app-name").textContent = config.name ?? "";
    byId("home-link").href = ctx.href();
    byId("skip-link").textContent = text("app.skip_to_content");
    const emergency = ctx.module("emergency");
    const call = byId("emergency-call");
    byId("emergency-icon").replaceChildren(icon("emergency"));
    call.href = `tel:${ctx.emergencyNumber()}`;
    byId("emergency-label").textContent = emergency?.settings.label ?? text("emergency.call", { number: "112" });
    call.classList.toggle("home-only", Boolean(emergency && !emergency.settings.always_visible));
    byId("settings-label").textContent = text("app.settings");
    byId("language-label").textContent = text("app.language");
    const select = byId("language");
    select.replaceChildren(...config.languages.map((code) => h("option", { value: code, lang: code }, languageName(code))));
    select.value = config.locale;
    const options = config.accessibility ?? {};
    const choices = displayChoices();
    byId("high-contrast-field").hidden = !options.offer_high_contrast;
    byId("high-contrast").checked = Boolean(choices.highContrast);
    byId("high-contrast-label").textContent = text("display.high_contrast");
    byId("reading-font-field").hidden = !options.offer_dyslexia_font;
    byId("reading-font").checked = Boolean(choices.readingFont);
    byId("reading-font-label").textContent = text("display.reading_font");
    byId("text-size-label").textContent = text("display.text_size");
    byId("text-size").value = String(choices.textScale ?? options.text_scale ?? 1);
    byId("preview-banner").hidden = !preview;
    byId("preview-banner").textContent = text("preview.banner");
    byId("app-footer").replaceChildren(
      h("span", {}, config.name ?? ""),
      config.version ? h("span", { class: "muted", id: "app-version" }, ` · ${text("app.version", { version: config.version })}`) : null,
    );
    document.body.dataset.version = String(config.version);
    showConnection();
  }

  /** Offline as the browser says, or as the app found (no answer from the API; browsers may not know). */
  function showConnection() {
    const offline = !navigator.onLine || networkDown;
    const line = byId("connection");
    line.hidden = !offline;
    line.textContent = offline ? text("app.offline") : "";
  }

  /** Back online: say so, and send what waits. */
  function reconnected() {
    networkDown = false;
    showConnection();
    if (preview) return;
    ctx.toast(text("app.back_online"));
    ctx.outbox?.flush().catch((error) => console.warn("outbox", error));
  }

  /** While the app runs on what it kept, try the API now and then, in case no `online` event comes. */
  function watchNetwork() {
    const timer = setInterval(async () => {
      if (!networkDown) {
        clearInterval(timer);
        return;
      }
      try {
        const { source } = await loadConfig(baseApi, tenantId, ctx.config.locale);
        if (source !== "offline") {
          clearInterval(timer);
          reconnected();
        }
      } catch (error) {
        console.warn("config", error);
      }
    }, NETWORK_RETRY_MS);
  }

  function home(container) {
    const emergency = ctx.module("emergency");
    const tiles = ctx.config.modules.filter((module) => module.type !== "emergency");
    container.append(
      h("h1", { id: "view-title", tabindex: "-1" }, ctx.config.name ?? ""),
      emergency
        ? h(
            "section",
            { class: "card emergency-card", id: "emergency-card" },
            h("p", {}, emergency.settings.message),
            h("a", { class: "emergency-call big", href: `tel:${emergency.settings.number}` }, emergency.settings.label),
          )
        : null,
      h(
        "nav",
        { "aria-label": text("app.menu") },
        h(
          "ul",
          { class: "tiles", id: "modules" },
          tiles.map((module) =>
            h(
              "li",
              {},
              h(
                "a",
                { class: "tile", href: ctx.href(module.id), dataset: { module: module.id, type: module.type } },
                h("span", { class: "tile-icon" }, icon(module.type)),
                h("span", { class: "tile-title" }, module.title ?? module.id),
              ),
            ),
          ),
        ),
      ),
    );
  }

  /** Draw the view the address names; `focus` moves the keyboard to its heading (after a navigation). */
  function render({ focus = false } = {}) {
    cleanup?.();
    cleanup = null;
    main.replaceChildren();
    main.removeAttribute("aria-busy");
    document.body.classList.remove("home");
    const place = currentPlace();
    const [moduleId, ...rest] = place?.segments ?? [];
    const module = moduleId ? ctx.config.modules.find((item) => item.id === moduleId) : null;
    const view = module ? VIEWS[module.type] : null;
    if (!moduleId) {
      document.body.classList.add("home");
      home(main);
    } else if (!module || !view) {
      main.append(
        h("h1", { id: "view-title", tabindex: "-1" }, text("app.not_found")),
        h("p", {}, h("a", { href: ctx.href() }, text("app.back"))),
      );
    } else {
      main.append(h("p", { class: "back" }, h("a", { href: ctx.href() }, "← ", text("app.back"))));
      cleanup = view(ctx, module, main, rest) ?? null;
    }
    const title = main.querySelector("#view-title")?.textContent ?? "";
    document.title = title && title !== ctx.config.name ? `${title} · ${ctx.config.name}` : (ctx.config.name ?? "KOBAN");
    if (focus) main.querySelector("#view-title")?.focus();
  }

  async function loadTenant(language) {
    ctx.tenant = await loadKept(baseApi, tenantId, "tenant", tenantPath(tenantId), language);
  }

  async function useConfig(config) {
    ctx.config = config;
    useConfigText(config);
    await loadTenant(config.locale);
    renderShell();
  }

  async function start() {
    const { config, source } = await loadConfig(baseApi, tenantId, rememberedLanguage(tenantId));
    rememberLanguage(tenantId, config.locale);
    networkDown = source === "offline";
    if (networkDown) watchNetwork();
    await useConfig(config);
    document.body.dataset.configSource = source;
    ctx.outbox = createOutbox({
      api: baseApi,
      tenant: tenantId,
      onSent: (record, receipt) => {
        keepReport(tenantId, {
          id: receipt.id,
          token: receipt.tracking_token,
          category: record.label ?? null,
          received_at: receipt.received_at,
        });
        if (record.attempts > 1) ctx.toast(text("report.sent_later"));
      },
      onRefused: (record) => ctx.fail(record.problem, text("report.refused")),
    });
    render();
    await handleFragment();
    ctx.outbox.flush().catch((error) => console.warn("outbox", error));
    registerWorker(); // not awaited: the app works without it, only not offline
  }

  async function switchLanguage(language) {
    rememberLanguage(tenantId, language);
    try {
      const { config } = await loadConfig(baseApi, tenantId, language);
      await useConfig(config);
      render();
      if (!preview) await installManifest(config, tenantId);
    } catch (error) {
      ctx.fail(error, text("app.error"));
    }
  }

  async function registerWorker() {
    if (!("serviceWorker" in navigator)) return;
    try {
      await navigator.serviceWorker.register("/app/sw.js", { scope: "/app/" });
      if (!navigator.serviceWorker.controller) {
        await new Promise((resolve) => navigator.serviceWorker.addEventListener("controllerchange", resolve, { once: true }));
      }
      await installManifest(ctx.config, tenantId);
      document.body.dataset.installable = "true";
    } catch (error) {
      console.warn("service worker", error);
    }
  }

  /** Links in messages point here with a fragment: #report=, #receipt=, #confirm=&code=, #unsubscribe=, #alert=. */
  async function handleFragment() {
    const fragment = new URLSearchParams(window.location.hash.replace(/^#/, ""));
    if (![...fragment.keys()].length) return;
    history.replaceState(null, "", window.location.pathname + window.location.search);
    const receipt = fragment.get("receipt");
    if (receipt) {
      api.post(tenantPath(tenantId, "receipts"), { receipt, event: "opened" }).catch((error) => console.warn("receipt", error));
    }
    try {
      if (fragment.get("unsubscribe")) await ctx.unsubscribe(fragment.get("unsubscribe"));
      const confirm = fragment.get("confirm");
      if (confirm && /^[0-9a-z]{20}$/.test(confirm) && /^[0-9]{6}$/.test(fragment.get("code") ?? "")) {
        await api.post(tenantPath(tenantId, "subscriptions", confirm, "confirmation"), { code: fragment.get("code") });
        ctx.toast(text("follow.confirmed"));
      }
    } catch (error) {
      ctx.fail(error, text("app.error"));
    }
    const report = fragment.get("report");
    const tracking = ctx.module("tracking");
    if (report && /^[0-9a-z]{20}$/.test(report) && tracking) ctx.navigate(tracking.id, report);
  }

  /** Preview: render each draft the designer page posts, in the language it asks for. */
  function startPreview() {
    const categories = new Map();
    async function show({ document: draft, language, stamp }) {
      if (!draft || typeof draft !== "object") return;
      try {
        if (!ctx.tenant) await loadTenant(language);
        if (!categories.has(language)) {
          const reply = await api.send("GET", tenantPath(tenantId, "categories"), { headers: { "Accept-Language": language } });
          categories.set(language, reply.data.items);
        }
        await useConfig(renderDraft(draft, language, { tenant: ctx.tenant, categories: categories.get(language) }));
        clearError(alertRegion);
        render();
      } catch (error) {
        ctx.fail(error, text("app.error"));
      }
      window.parent.postMessage({ type: `${PREVIEW_MESSAGE}-shown`, stamp }, window.location.origin);
    }
    window.addEventListener("message", (event) => {
      if (event.origin !== window.location.origin || event.source !== window.parent) return;
      if (event.data?.type === PREVIEW_MESSAGE) show(event.data);
    });
    window.parent.postMessage({ type: `${PREVIEW_MESSAGE}-ready` }, window.location.origin);
  }

  function wire() {
    document.addEventListener("click", (event) => {
      const link = event.target.closest?.("a[href]");
      if (!link || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
      const url = new URL(link.href, window.location.href);
      if (url.origin !== window.location.origin || !url.pathname.startsWith(`/app/${tenantId}/`)) return;
      event.preventDefault();
      history.pushState(null, "", url.pathname + url.search);
      clearError(alertRegion);
      render({ focus: true });
    });
    window.addEventListener("popstate", () => render({ focus: true }));
    byId("language").addEventListener("change", (event) => {
      if (preview) window.parent.postMessage({ type: `${PREVIEW_MESSAGE}-language`, language: event.target.value }, window.location.origin);
      else switchLanguage(event.target.value);
    });
    const rethemed = (change) => {
      rememberDisplayChoices({ ...displayChoices(), ...change });
      applyTheme(ctx.config);
    };
    byId("high-contrast").addEventListener("change", (event) => rethemed({ highContrast: event.target.checked }));
    byId("reading-font").addEventListener("change", (event) => rethemed({ readingFont: event.target.checked }));
    byId("text-size").addEventListener("change", (event) => rethemed({ textScale: Number(event.target.value) }));
    window.addEventListener("online", reconnected);
    window.addEventListener("offline", showConnection);
  }

  return {
    async run() {
      wire();
      if (preview) {
        startPreview();
        return;
      }
      try {
        await start();
      } catch (error) {
        main.removeAttribute("aria-busy");
        const retry = h("button", { type: "button", class: "primary" }, text("app.retry"));
        retry.addEventListener("click", () => window.location.reload());
        main.replaceChildren(h("h1", { id: "view-title" }, text("app.error")), retry);
        ctx.fail(error, text("app.loading_config"));
      }
    },
  };
}

async function listTenants() {
  setLanguage(chooseLanguage());
  document.title = t("citizen.choose");
  main.removeAttribute("aria-busy");
  const list = h("ul", { class: "tiles", id: "tenants" });
  main.replaceChildren(h("h1", { id: "view-title" }, t("citizen.choose")), list);
  try {
    const reply = await baseApi.get("/tenants");
    list.append(
      ...reply.items.map((tenant) =>
        h("li", {}, h("a", { class: "tile", href: `/app/${encodeURIComponent(tenant.id)}/` }, h("span", { class: "tile-title" }, tenant.name))),
      ),
    );
  } catch (error) {
    showError(alertRegion, error, t("citizen.choose"));
  }
}

const place = currentPlace();
if (place) createApp(place.tenant, { preview: new URLSearchParams(window.location.search).has("preview") }).run();
else listTenants();
