// The draft's editor: general texts, languages, theme (with live contrast), accessibility, the app's strings, and
// the modules (on/off, order, titles, and their settings: the report's categories and questions in their own
// editor, the others as JSON). Every control writes into `ed.doc` through its JSON pointer.
import { h } from "../shared/dom.js";
import { LANGUAGES, languageName, t } from "../shared/i18n.js";
import { AA, contrastReport } from "./contrast.js";
import { checkField, colourField, jsonField, numberField, selectField, textField, translatedField } from "./fields.js";
import { getAt, join, pointerOf, setAt } from "./pointer.js";
import { reportEditor } from "./questions.js";

const COLOURS = ["background", "text", "primary", "on_primary", "accent", "on_accent", "danger", "on_danger"];
const PLATFORMS = ["web", "ios", "android"];

function section(id, title, ...content) {
  return h(
    "details",
    { class: "card editor-section", id, open: true, dataset: { key: id } },
    h("summary", {}, h("h2", {}, title)),
    h("div", { class: "section-body" }, ...content),
  );
}

function general(ed) {
  return section(
    "section-general",
    t("designer.general"),
    translatedField(ed, "/name", t("designer.appName")),
    translatedField(ed, "/short_name", t("designer.shortName"), { optional: true, maxlength: 30 }),
  );
}

function languages(ed) {
  const enabled = ed.doc.languages?.enabled ?? [];
  const candidates = [...new Set([...ed.tenant.languages, ...LANGUAGES, ...enabled])];
  const boxes = candidates.map((code) => {
    const box = h("input", { type: "checkbox", value: code, checked: enabled.includes(code), disabled: ed.readOnly });
    box.addEventListener("change", () => {
      const chosen = candidates.filter((candidate) =>
        candidate === code ? box.checked : (ed.doc.languages.enabled ?? []).includes(candidate),
      );
      setAt(ed.doc, "/languages/enabled", chosen);
      ed.changed({ structure: true });
    });
    return h("label", { class: "chip", lang: code }, box, ` ${languageName(code)} (${code})`);
  });
  return section(
    "section-languages",
    t("designer.languages"),
    h(
      "fieldset",
      { class: "field", dataset: { pointer: "/languages/enabled" } },
      h("legend", {}, t("designer.enabledLanguages")),
      h("div", { class: "chips" }, boxes),
    ),
    selectField(
      ed,
      "/languages/default",
      t("designer.defaultLanguage"),
      enabled.map((code) => [code, `${languageName(code)} (${code})`]),
      { onChange: () => ed.changed({ structure: true }) },
    ),
  );
}

function theme(ed) {
  const report = h("ul", { class: "contrast-list", id: "contrast", "aria-live": "polite" });
  const showContrast = () => {
    report.replaceChildren(
      ...contrastReport(getAt(ed.doc, "/theme/colours")).map((pair) =>
        h(
          "li",
          { class: pair.passes ? "ok" : "bad", dataset: { pair: `${pair.foreground}/${pair.background}` } },
          h("span", { class: "swatch-pair" }, t(`colour.${pair.foreground}`), " / ", t(`colour.${pair.background}`)),
          h(
            "strong",
            {},
            pair.ratio === null ? "—" : `${(Math.floor(pair.ratio * 100) / 100).toFixed(2)}:1`,
            " ",
            pair.passes ? t("designer.contrastOk") : t("designer.contrastLow", { minimum: AA }),
          ),
        ),
      ),
    );
  };
  ed.onChange(showContrast);
  showContrast();
  const hasLogo = h("input", { type: "checkbox", id: "theme-logo-on", checked: Boolean(ed.doc.theme.logo), disabled: ed.readOnly });
  hasLogo.addEventListener("change", () => {
    setAt(ed.doc, "/theme/logo", hasLogo.checked ? { url: "/", alt: {} } : null);
    ed.changed({ structure: true });
  });
  return section(
    "section-theme",
    t("designer.theme"),
    h("div", { class: "colours" }, COLOURS.map((name) => colourField(ed, `/theme/colours/${name}`, t(`colour.${name}`)))),
    h("h3", {}, t("designer.contrast")),
    report,
    h("label", { class: "check", for: "theme-logo-on" }, hasLogo, " ", t("designer.logo")),
    ed.doc.theme.logo
      ? [
          textField(ed, "/theme/logo/url", t("designer.logoUrl"), { maxlength: 2000, hint: t("designer.linkHint") }),
          translatedField(ed, "/theme/logo/alt", t("designer.logoAlt")),
        ]
      : null,
    textField(ed, "/theme/icon", t("designer.icon"), { maxlength: 2000, nullable: true, hint: t("designer.iconHint") }),
  );
}

function accessibility(ed) {
  const at = (name) => `/accessibility/${name}`;
  if (!ed.doc.accessibility) ed.doc.accessibility = {};
  return section(
    "section-accessibility",
    t("designer.accessibility"),
    numberField(ed, at("text_scale"), t("designer.textScale"), { min: 1, max: 2, step: "0.125" }),
    numberField(ed, at("min_touch_target_px"), t("designer.touchTarget"), { min: 44, max: 96 }),
    checkField(ed, at("offer_high_contrast"), t("designer.highContrast")),
    checkField(ed, at("offer_dyslexia_font"), t("designer.readingFont")),
    checkField(ed, at("reduce_motion"), t("designer.reduceMotion")),
    checkField(ed, at("easy_read"), t("designer.easyRead")),
  );
}

function strings(ed) {
  const keys = Object.keys(ed.doc.strings ?? {}).sort();
  const newKey = h("input", { id: "new-string-key", type: "text", maxlength: 64, pattern: "[a-z][a-z0-9_.]*", disabled: ed.readOnly });
  const add = h("button", { type: "button", disabled: ed.readOnly }, t("designer.addString"));
  add.addEventListener("click", () => {
    const key = newKey.value.trim();
    if (!/^[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*){0,3}$/.test(key) || key in ed.doc.strings) {
      newKey.setAttribute("aria-invalid", "true");
      newKey.focus();
      return;
    }
    ed.doc.strings[key] = {};
    ed.changed({ structure: true });
  });
  const body = h(
    "details",
    { class: "strings", id: "strings", dataset: { key: "strings" } },
    h("summary", {}, t("designer.stringsCount", { count: keys.length })),
    keys.map((key) => translatedField(ed, pointerOf("strings", key), key)),
    h(
      "div",
      { class: "add-row" },
      h("label", { for: "new-string-key" }, t("designer.stringKey")),
      newKey,
      add,
    ),
  );
  return section("section-strings", t("designer.strings"), h("p", { class: "muted" }, t("designer.stringsHelp")), body);
}

function moduleEditor(ed, module, index, count) {
  const at = pointerOf("modules", index);
  const enabled = h("input", {
    type: "checkbox",
    id: `module-${module.id}-enabled`,
    checked: module.enabled !== false,
    disabled: ed.readOnly,
  });
  enabled.addEventListener("change", () => {
    setAt(ed.doc, join(at, "enabled"), enabled.checked);
    ed.changed();
  });
  const move = (step, label, disabled) => {
    const button = h("button", { type: "button", class: "icon", "aria-label": label, title: label, disabled: disabled || ed.readOnly }, step < 0 ? "↑" : "↓");
    button.addEventListener("click", () => {
      const modules = ed.doc.modules;
      [modules[index], modules[index + step]] = [modules[index + step], modules[index]];
      ed.changed({ structure: true, focus: `module-${module.id}-enabled` });
    });
    return button;
  };
  const title = getAt(ed.doc, join(at, "title"))?.[ed.doc.languages.default] ?? module.id;
  const platforms = h(
    "fieldset",
    { class: "field", dataset: { pointer: join(at, "platforms") } },
    h("legend", {}, t("designer.platforms")),
    h(
      "div",
      { class: "chips" },
      PLATFORMS.map((platform) => {
        const box = h("input", { type: "checkbox", checked: (module.platforms ?? PLATFORMS).includes(platform), disabled: ed.readOnly });
        box.addEventListener("change", () => {
          const chosen = PLATFORMS.filter((name) => (name === platform ? box.checked : (module.platforms ?? PLATFORMS).includes(name)));
          setAt(ed.doc, join(at, "platforms"), chosen);
          ed.changed();
        });
        return h("label", { class: "chip" }, box, ` ${platform}`);
      }),
    ),
  );
  const settings =
    module.type === "report"
      ? reportEditor(ed, join(at, "settings"))
      : jsonField(ed, join(at, "settings"), t("designer.settingsJson"), { rows: 8, hint: t("designer.settingsHint") });
  return h(
    "li",
    { class: "module", dataset: { pointer: at, module: module.id, type: module.type } },
    h(
      "div",
      { class: "module-head" },
      h("label", { for: enabled.id, class: "check" }, enabled, " ", h("strong", {}, title)),
      h("span", { class: "muted" }, module.type),
      h("span", { class: "spacer" }),
      move(-1, t("designer.moveUp"), index === 0),
      move(1, t("designer.moveDown"), index === count - 1),
    ),
    h(
      "details",
      { class: "module-body", dataset: { key: `module:${module.id}` } },
      h("summary", {}, t("designer.moduleDetails")),
      translatedField(ed, join(at, "title"), t("designer.moduleTitle")),
      platforms,
      settings,
    ),
  );
}

function modules(ed) {
  const list = ed.doc.modules ?? [];
  return section(
    "section-modules",
    t("designer.modules"),
    h("p", { class: "muted" }, t("designer.modulesHelp")),
    h("ol", { class: "modules", id: "modules", dataset: { pointer: "/modules" } }, list.map((module, index) => moduleEditor(ed, module, index, list.length))),
  );
}

/** Draw the whole editor into `container` from `ed.doc`. */
export function renderEditor(ed, container) {
  container.replaceChildren(general(ed), languages(ed), theme(ed), accessibility(ed), strings(ed), modules(ed));
}
