// The alerts composer: a title and a text in each of the force's languages (all required: a subscriber gets the
// alert in their language, else the force's), the audience, the severity, an optional link and the area on the
// map; a preview of what residents will receive; then "Submit for approval" posts the AlertIn (the API keeps it
// as a draft until a supervisor other than its author decides).
import { tenantPath } from "../shared/api.js";
import { byId, fill, h } from "../shared/dom.js";
import { clearError, showError } from "../shared/errors.js";
import { formatNumber, language, nameOf, t } from "../shared/i18n.js";
import { MAX_CELLS, areaKm2, createAreaPicker } from "./areapicker.js";

export const AUDIENCES = ["everyone", "older_people", "parents", "young_people", "businesses", "schools"];
export const SEVERITIES = ["info", "warning", "urgent"];
const HTTPS = /^https:\/\/[A-Za-z0-9.-]+(:[0-9]{1,5})?(\/\S*)?$/;

/** A language's name in the reader's language ("Dutch" for nl to an English reader). */
export function languageLabel(code) {
  try {
    return new Intl.DisplayNames([language()], { type: "language" }).of(code) ?? code;
  } catch {
    return code;
  }
}

/** The body of POST …/alerts from the form's values; `errors` lists what must be fixed first. */
export function alertBody({ languages, texts, audience, severity, link, area }) {
  const errors = [];
  const body = { texts: {}, audience, severity, area };
  for (const code of languages) {
    const title = texts[code]?.title.trim() ?? "";
    const text = texts[code]?.body.trim() ?? "";
    if (!title)
      errors.push({
        field: `alert-title-${code}`,
        message: t("composer.needTitle", { language: languageLabel(code) }),
      });
    if (!text)
      errors.push({ field: `alert-body-${code}`, message: t("composer.needBody", { language: languageLabel(code) }) });
    body.texts[code] = { title, body: text };
  }
  if (link.trim() && !HTTPS.test(link.trim())) errors.push({ field: "alert-link", message: t("composer.badLink") });
  if (link.trim()) body.link = link.trim();
  if (!area) errors.push({ field: "alert-map", message: t("composer.needArea") });
  return { body, errors };
}

export function createComposer({ api, tenant, onSubmitted }) {
  const form = byId("alert-form");
  const error = byId("alert-form-error");
  const preview = byId("alert-preview");
  const summary = byId("alert-area-summary");
  const languages = tenant.languages;
  let picker = null;

  /** A title and a message per language, in the reader's language; what was typed stays (a language change). */
  function buildTexts() {
    const typed = [...form.querySelectorAll(".alert-language input, .alert-language textarea")].map((field) => [
      field.id,
      field.value,
    ]);
    fill(
      byId("alert-texts"),
      languages.map((code) =>
        h(
          "fieldset",
          { class: "alert-language", dataset: { language: code } },
          h(
            "legend",
            {},
            languageLabel(code),
            " ",
            h("span", { class: "badge warn" }, t("composer.required")),
            code === languages[0] ? h("span", { class: "muted small" }, ` · ${t("composer.defaultLanguage")}`) : null,
          ),
          h(
            "div",
            { class: "field" },
            h("label", { for: `alert-title-${code}` }, t("composer.title")),
            h("input", {
              id: `alert-title-${code}`,
              lang: code,
              maxlength: 120,
              required: true,
              "aria-required": "true",
            }),
          ),
          h(
            "div",
            { class: "field" },
            h("label", { for: `alert-body-${code}` }, t("composer.body")),
            h("textarea", { id: `alert-body-${code}`, lang: code, rows: 3, maxlength: 1000, required: true }),
          ),
        ),
      ),
    );
    for (const [id, value] of typed) byId(id).value = value;
  }

  function fillSelect(select, values, group) {
    const chosen = select.value;
    fill(
      select,
      values.map((value) => h("option", { value }, nameOf(group, value))),
    );
    if (chosen) select.value = chosen;
  }

  function values() {
    const texts = Object.fromEntries(
      languages.map((code) => [
        code,
        { title: byId(`alert-title-${code}`).value, body: byId(`alert-body-${code}`).value },
      ]),
    );
    return {
      languages,
      texts,
      audience: byId("alert-audience").value,
      severity: byId("alert-severity").value,
      link: byId("alert-link").value,
      area: picker.area(),
    };
  }

  function describeArea(state) {
    const { cells, mode, corners, notice } = state;
    const parts = [];
    if (mode === "polygon" && corners.length && corners.length < 3) parts.push(t("composer.moreCorners"));
    if (cells.length) {
      parts.push(
        t("composer.areaCells", {
          count: cells.length,
          km2: formatNumber(areaKm2(cells), { maximumFractionDigits: areaKm2(cells) < 10 ? 2 : 0 }),
        }),
      );
    } else if (!(mode === "polygon" && corners.length)) {
      parts.push(t(mode === "cells" ? "composer.noCells" : "composer.noCorners"));
    } else if (corners.length >= 3) {
      parts.push(t("composer.tooSmall"));
    }
    if (notice === "outside") parts.push(t("composer.outside"));
    if (notice === "full") parts.push(t("composer.full", { max: MAX_CELLS }));
    summary.textContent = parts.join(" ");
    summary.classList.toggle("warning", Boolean(notice));
    byId("alert-undo").disabled = mode === "polygon" ? !corners.length : !cells.length;
    byId("alert-clear").disabled = !cells.length && !corners.length;
    hidePreview();
  }

  function hidePreview() {
    preview.hidden = true;
  }

  function showPreview() {
    clearError(error);
    for (const field of form.querySelectorAll("[aria-invalid]")) field.removeAttribute("aria-invalid");
    const current = values();
    const { body, errors } = alertBody(current);
    if (errors.length) {
      for (const { field } of errors) byId(field).setAttribute("aria-invalid", "true");
      const list = h(
        "ul",
        {},
        errors.map((item) => h("li", {}, item.message)),
      );
      fill(error, h("div", { class: "alert-body" }, h("strong", {}, t("composer.check")), list));
      error.hidden = false;
      byId(errors[0].field).focus();
      return;
    }
    const cells = picker.state().cells;
    fill(
      byId("alert-preview-body"),
      h(
        "p",
        { class: "preview-meta" },
        h("span", { class: `badge severity-${body.severity}` }, nameOf("severity", body.severity)),
        " ",
        t("composer.previewMeta", {
          audience: nameOf("audience", body.audience),
          count: cells.length,
        }),
      ),
      h(
        "div",
        { class: "preview-messages" },
        languages.map((code) =>
          h(
            "article",
            { class: "preview-message", lang: code, dataset: { language: code } },
            h("p", { class: "muted small" }, languageLabel(code)),
            h("h4", {}, body.texts[code].title),
            h("p", { class: "preview-text" }, body.texts[code].body),
            body.link ? h("p", { class: "small" }, body.link) : null,
          ),
        ),
      ),
    );
    preview.hidden = false;
    byId("alert-preview-title").focus();
  }

  async function submit(button) {
    const { body, errors } = alertBody(values());
    if (errors.length) return showPreview();
    button.disabled = true;
    try {
      const alert = await api.post(tenantPath(tenant.id, "alerts"), body);
      reset();
      onSubmitted(alert);
    } catch (failure) {
      showError(error, failure, t("composer.submitting"));
    } finally {
      button.disabled = false;
    }
  }

  function reset() {
    form.reset();
    picker.clear();
    setMode();
    hidePreview();
    clearError(error);
  }

  function setMode() {
    const mode = form.querySelector('input[name="alert-area-mode"]:checked').value;
    byId("alert-resolution-field").hidden = mode !== "cells";
    byId("alert-pick-centre").textContent = t(mode === "cells" ? "composer.pickCell" : "composer.addCorner");
    byId("alert-map-help").textContent = t(mode === "cells" ? "composer.cellsHelp" : "composer.polygonHelp");
    picker.setMode(mode);
  }

  /** Built when the view is first shown (Leaflet measures its box then). */
  function start() {
    buildTexts();
    relabel();
    picker = createAreaPicker(byId("alert-map"), {
      bbox: tenant.area.bbox,
      areaName: tenant.area.name,
      onChange: describeArea,
    });
    form.addEventListener("input", hidePreview);
    form.addEventListener("submit", (event) => event.preventDefault());
    for (const radio of form.querySelectorAll('input[name="alert-area-mode"]'))
      radio.addEventListener("change", setMode);
    byId("alert-resolution").addEventListener("change", (event) => picker.setResolution(Number(event.target.value)));
    byId("alert-pick-centre").addEventListener("click", () => picker.pickCentre());
    byId("alert-undo").addEventListener("click", () => picker.undo());
    byId("alert-clear").addEventListener("click", () => picker.clear());
    byId("alert-preview-button").addEventListener("click", showPreview);
    byId("alert-edit").addEventListener("click", () => {
      hidePreview();
      byId(`alert-title-${languages[0]}`).focus();
    });
    byId("alert-submit").addEventListener("click", (event) => submit(event.currentTarget));
    setMode();
  }

  /** After a language change: the option names, the language fields' labels and the area's help. */
  function relabel() {
    fillSelect(byId("alert-audience"), AUDIENCES, "audience");
    fillSelect(byId("alert-severity"), SEVERITIES, "severity");
    if (picker) buildTexts();
    if (picker) {
      setMode();
      describeArea(picker.state());
    }
  }

  return {
    start,
    relabel,
    shown(first) {
      picker?.refit(first);
    },
  };
}
