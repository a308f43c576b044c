// /designer/ — the App Factory for a force's admins: sign in with a bearer token (as on the dashboard), edit the
// draft of the citizen app's configuration, see it live in the app beside the editor (the app itself, in an
// iframe, fed the draft by postMessage), see the API's findings next to the fields they are about, save, publish,
// and roll back to an earlier version. Supervisors see everything and change nothing; the API enforces it.
import "../shared/base.css";
import "../shared/staff.css";
import "./designer.css";

import { createApi, tenantPath } from "../shared/api.js";
import { byId, h, toast } from "../shared/dom.js";
import { clearError, showError } from "../shared/errors.js";
import {
  LANGUAGES,
  addMessages,
  chooseLanguage,
  formatMoment,
  languageName,
  languageSwitch,
  nameOf,
  setLanguage,
  t,
  translatePage,
} from "../shared/i18n.js";
import { SessionError, forgetToken, sessionFrom, storeToken, storedToken, takeTokenFromFragment } from "../dashboard/session.js";
import { renderEditor } from "./editor.js";
import { showFindings } from "./findings.js";
import { MESSAGES } from "./messages.js";
import { showVersions } from "./versions.js";

addMessages(MESSAGES);

const PREVIEW_MESSAGE = "koban-app-preview";
const VALIDATE_AFTER_MS = 500;
const PREVIEW_AFTER_MS = 250;
const alertRegion = byId("alert");
const toasts = byId("toasts");

function showSignIn(message = "") {
  byId("signin").hidden = false;
  byId("workspace").hidden = true;
  byId("signin-error").textContent = message;
  byId("token-input").focus();
}

function debounce(work, delay) {
  let timer = null;
  return () => {
    clearTimeout(timer);
    timer = setTimeout(work, delay);
  };
}

function createDesigner(api, session, tenant, categories) {
  const readOnly = !session.roles.includes("admin");
  const editor = byId("editor");
  const ed = {
    doc: null,
    tenant,
    categories,
    readOnly,
    languages: [],
    revision: 0,
    draft: null,
    dirty: false,
    listeners: [],
    unparsed: new Set(),
    openKeys: new Set(),
    closedKeys: new Set(),
    onChange: (listener) => ed.listeners.push(listener),
    markUnparsed: (id, bad) => (bad ? ed.unparsed.add(id) : ed.unparsed.delete(id)),
    changed: ({ structure = false, focus = null } = {}) => {
      ed.dirty = true;
      showState();
      if (structure) rerender(focus);
      for (const listener of ed.listeners) listener();
      scheduleValidation();
      schedulePreview();
    },
  };
  let previewReady = false;
  let previewLanguage = null;
  let validation = 0;

  function rerender(focus = null) {
    const active = focus ?? document.activeElement?.id ?? null;
    for (const details of editor.querySelectorAll("details[data-key]")) {
      (details.open ? ed.openKeys : ed.closedKeys).add(details.dataset.key);
      (details.open ? ed.closedKeys : ed.openKeys).delete(details.dataset.key);
    }
    ed.languages = ed.doc.languages?.enabled ?? [];
    ed.listeners = [];
    ed.unparsed.clear();
    renderEditor(ed, editor);
    for (const details of editor.querySelectorAll("details[data-key]")) {
      if (ed.openKeys.has(details.dataset.key)) details.open = true;
      if (ed.closedKeys.has(details.dataset.key)) details.open = false;
    }
    if (active) document.getElementById(active)?.focus();
    fillPreviewLanguages();
  }

  function showState() {
    const draft = ed.draft;
    const parts = [t("designer.revision", { revision: ed.revision })];
    if (draft?.updated_at) parts.push(t("designer.savedBy", { who: draft.updated_by ?? "?", when: formatMoment(draft.updated_at) }));
    parts.push(draft?.live_version ? t("designer.liveVersion", { version: draft.live_version }) : t("designer.nothingLive"));
    if (draft?.unpublished_changes) parts.push(t("designer.unpublished"));
    if (ed.dirty) parts.push(t("designer.unsaved"));
    byId("draft-state").textContent = parts.join(" · ");
    byId("save").disabled = readOnly || !ed.dirty;
    byId("reload").disabled = !ed.dirty;
    byId("publish").disabled = readOnly;
    document.body.dataset.dirty = String(ed.dirty);
  }

  function showCheck(findings, publishable) {
    const errors = showFindings(editor, byId("findings"), findings);
    const state = byId("findings-state");
    state.textContent = findings.length
      ? t("designer.findingsCount", { count: findings.length, errors })
      : t("designer.noFindings");
    byId("findings-box").dataset.publishable = String(publishable);
  }

  async function validate() {
    const current = ++validation;
    try {
      const result = await api.post(tenantPath(tenant.id, "app-config", "validate"), ed.doc);
      if (current === validation) showCheck(result.findings, result.publishable);
    } catch (error) {
      if (current === validation) showError(alertRegion, error, t("designer.validating"));
    }
  }
  const scheduleValidation = debounce(validate, VALIDATE_AFTER_MS);

  function fillPreviewLanguages() {
    const select = byId("preview-language");
    const languages = ed.doc.languages?.enabled ?? [];
    if (!languages.includes(previewLanguage)) previewLanguage = ed.doc.languages?.default ?? languages[0];
    select.replaceChildren(...languages.map((code) => h("option", { value: code, lang: code }, languageName(code))));
    select.value = previewLanguage;
  }

  // The preview frame is aria-busy from an edit until the app has shown the draft it caused (it answers each
  // draft with its stamp): assistive technology, and anyone trying the preview, knows when it is current.
  let previewStamp = 0;
  function sendPreview() {
    const frame = byId("preview");
    if (!previewReady || !frame.contentWindow || !ed.doc) return;
    previewStamp += 1;
    frame.setAttribute("aria-busy", "true");
    frame.contentWindow.postMessage(
      { type: PREVIEW_MESSAGE, document: structuredClone(ed.doc), language: previewLanguage, stamp: previewStamp },
      window.location.origin,
    );
  }
  const sendPreviewSoon = debounce(sendPreview, PREVIEW_AFTER_MS);
  function schedulePreview() {
    byId("preview").setAttribute("aria-busy", "true");
    sendPreviewSoon();
  }

  async function loadDraft() {
    const reply = await api.send("GET", tenantPath(tenant.id, "app-config", "draft"));
    useDraft(reply.data);
  }

  function useDraft(draft) {
    ed.draft = draft;
    ed.doc = structuredClone(draft.document);
    ed.revision = draft.revision;
    ed.dirty = false;
    rerender();
    showState();
    showCheck(draft.findings, draft.publishable);
    sendPreview();
  }

  async function save({ quiet = false } = {}) {
    if (ed.unparsed.size) {
      showError(alertRegion, new Error(t("designer.fixJson")), t("designer.saving"));
      return false;
    }
    try {
      const reply = await api.send("PUT", tenantPath(tenant.id, "app-config", "draft"), {
        body: ed.doc,
        headers: { "If-Match": `"r${ed.revision}"` },
      });
      useDraft(reply.data);
      clearError(alertRegion);
      if (!quiet) toast(toasts, t("designer.saved", { revision: reply.data.revision }));
      return true;
    } catch (error) {
      showError(alertRegion, error, error.status === 412 ? t("designer.savedMeanwhile") : t("designer.saving"));
      return false;
    }
  }

  async function publish() {
    const button = byId("publish");
    button.disabled = true;
    try {
      if (ed.dirty && !(await save({ quiet: true }))) return;
      const note = byId("note").value.trim();
      const reply = await api.send("POST", tenantPath(tenant.id, "app-config", "publish"), {
        body: note ? { note } : {},
        headers: { "If-Match": `"r${ed.revision}"` },
      });
      clearError(alertRegion);
      const version = reply.data.version.version;
      toast(toasts, reply.data.published ? t("designer.published", { version }) : t("designer.unchanged", { version }));
      byId("note").value = "";
      await Promise.all([loadDraft(), loadVersions()]);
    } catch (error) {
      if (error.status === 422 && Array.isArray(error.problem.findings)) {
        showCheck(error.problem.findings, false);
        byId("findings-box").scrollIntoView({ block: "start" });
      }
      showError(alertRegion, error, t("designer.publishing"));
    } finally {
      showState();
    }
  }

  async function rollback(version, button) {
    if (ed.dirty && !window.confirm(t("designer.discardConfirm"))) return;
    button.disabled = true;
    try {
      const note = byId("note").value.trim();
      const reply = await api.post(tenantPath(tenant.id, "app-config", "rollback"), note ? { version, note } : { version });
      toast(toasts, t("designer.rolledBack", { version, live: reply.version.version }));
      byId("note").value = "";
      await Promise.all([loadDraft(), loadVersions()]);
    } catch (error) {
      button.disabled = false;
      showError(alertRegion, error, t("designer.rollingBack"));
    }
  }

  async function loadVersions() {
    await showVersions({ api, tenant: tenant.id, list: byId("versions"), audit: byId("audit"), readOnly, onRollback: rollback });
  }

  function wire() {
    byId("save").addEventListener("click", () => save());
    byId("publish").addEventListener("click", publish);
    byId("reload").addEventListener("click", () => loadDraft().catch((error) => showError(alertRegion, error, t("designer.loading"))));
    byId("preview-language").addEventListener("change", (event) => {
      previewLanguage = event.target.value;
      sendPreview();
    });
    window.addEventListener("message", (event) => {
      if (event.origin !== window.location.origin || event.source !== byId("preview").contentWindow) return;
      if (event.data?.type === `${PREVIEW_MESSAGE}-ready`) {
        previewReady = true;
        sendPreview();
      } else if (event.data?.type === `${PREVIEW_MESSAGE}-shown` && event.data.stamp === previewStamp) {
        byId("preview").setAttribute("aria-busy", "false");
      } else if (event.data?.type === `${PREVIEW_MESSAGE}-language`) {
        previewLanguage = event.data.language;
        byId("preview-language").value = previewLanguage;
        sendPreview();
      }
    });
    window.addEventListener("beforeunload", (event) => {
      if (ed.dirty) event.preventDefault();
    });
    byId("preview").src = `/app/${encodeURIComponent(tenant.id)}/?preview`;
  }

  return {
    async start() {
      wire();
      await Promise.all([loadDraft(), loadVersions()]);
      if (readOnly) toast(toasts, t("designer.readOnly"));
    },
    retranslate() {
      if (!ed.doc) return;
      rerender();
      showState();
      validate();
      loadVersions().catch((error) => showError(alertRegion, error, t("designer.loading")));
    },
  };
}

async function signIn(token) {
  let session;
  try {
    session = sessionFrom(token);
  } catch (error) {
    forgetToken();
    showSignIn(error instanceof SessionError ? t(`signin.error.${error.message}`) : String(error));
    return null;
  }
  storeToken(token);
  const api = createApi({
    token: () => session.token,
    onUnauthorised: () => {
      forgetToken();
      showSignIn(t("signin.error.rejected"));
    },
  });
  try {
    const [tenant, categories] = await Promise.all([
      api.get(tenantPath(session.tenant)),
      api.get(tenantPath(session.tenant, "categories")),
    ]);
    byId("signin").hidden = true;
    byId("workspace").hidden = false;
    byId("sign-out").hidden = false;
    byId("who").hidden = false;
    byId("who").textContent = session.roles.map((role) => nameOf("role", role)).join(", ");
    byId("tenant-name").textContent = tenant.name;
    const designer = createDesigner(api, session, tenant, categories.items);
    await designer.start();
    return designer;
  } catch (error) {
    showError(alertRegion, error, t("designer.loading"));
    return null;
  }
}

async function main() {
  setLanguage(chooseLanguage());
  translatePage();
  let designer = null;
  languageSwitch(byId("language"), LANGUAGES, () => {
    translatePage();
    designer?.retranslate();
  });
  byId("sign-out").addEventListener("click", () => {
    forgetToken();
    window.location.replace(window.location.pathname);
  });
  byId("signin-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const token = byId("token-input").value.trim();
    if (!token) {
      showSignIn(t("signin.error.empty"));
      return;
    }
    designer = await signIn(token);
  });
  const token = takeTokenFromFragment() ?? storedToken();
  if (token) designer = await signIn(token);
  else showSignIn();
}

main();
