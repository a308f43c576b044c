// Controls bound to one place of the configuration (a JSON pointer): each writes its value into the document as the
// admin types, and carries the pointer (data-pointer) for the findings the API gives about it.
import { h } from "../shared/dom.js";
import { languageName, t } from "../shared/i18n.js";
import { getAt, setAt } from "./pointer.js";

/** The id of the control of `pointer`: the same on every drawing, so focus survives a redraw. */
function idFor(pointer) {
  return `f${pointer.replace(/[^A-Za-z0-9]/g, (character) => `_${character.charCodeAt(0).toString(16)}`)}`;
}

/** The wrapper every control sits in: label, control, hint, and the place findings are shown. */
function wrap(pointer, label, control, { hint, id } = {}) {
  return h(
    "div",
    { class: "field", dataset: { pointer } },
    h("label", { for: id ?? control.id }, label),
    control,
    hint ? h("p", { class: "hint muted" }, hint) : null,
  );
}

function listen(control, ed, write) {
  control.disabled = ed.readOnly;
  control.addEventListener("input", () => {
    write();
    ed.changed();
  });
}

export function textField(ed, pointer, label, { multiline = false, maxlength = 200, hint, nullable = false } = {}) {
  const id = idFor(pointer);
  const control = multiline
    ? h("textarea", { id, rows: 3, maxlength })
    : h("input", { id, type: "text", maxlength, spellcheck: "true" });
  control.value = getAt(ed.doc, pointer) ?? "";
  listen(control, ed, () => setAt(ed.doc, pointer, control.value === "" && nullable ? null : control.value));
  return wrap(pointer, label, control, { hint });
}

/**
 * One text in each enabled language. An empty box leaves that language out (the API then names it as missing);
 * with `optional`, a text left empty in every language is null (the module's own default).
 */
export function translatedField(ed, pointer, label, { multiline = false, maxlength = 200, optional = false, hint } = {}) {
  const inputs = ed.languages.map((language) => {
    const id = idFor(`${pointer}/${language}`);
    const control = multiline
      ? h("textarea", { id, rows: 3, maxlength, lang: language })
      : h("input", { id, type: "text", maxlength, lang: language });
    control.value = getAt(ed.doc, pointer)?.[language] ?? "";
    listen(control, ed, () => {
      const texts = { ...(getAt(ed.doc, pointer) ?? {}) };
      if (control.value.trim()) texts[language] = control.value;
      else delete texts[language];
      setAt(ed.doc, pointer, optional && !Object.keys(texts).length ? null : texts);
    });
    return h(
      "div",
      { class: "translation", dataset: { pointer: `${pointer}/${language}` } },
      h("label", { for: id, class: "language-tag", title: languageName(language) }, language),
      control,
    );
  });
  return h(
    "fieldset",
    { class: "field translated", dataset: { pointer } },
    h("legend", {}, label, optional ? h("span", { class: "muted" }, ` (${t("designer.optional")})`) : null),
    inputs,
    hint ? h("p", { class: "hint muted" }, hint) : null,
  );
}

export function checkField(ed, pointer, label, { hint } = {}) {
  const id = idFor(pointer);
  const control = h("input", { id, type: "checkbox" });
  control.checked = Boolean(getAt(ed.doc, pointer));
  control.disabled = ed.readOnly;
  control.addEventListener("change", () => {
    setAt(ed.doc, pointer, control.checked);
    ed.changed();
  });
  return h(
    "div",
    { class: "field check", dataset: { pointer } },
    h("label", { for: id }, control, " ", label),
    hint ? h("p", { class: "hint muted" }, hint) : null,
  );
}

export function numberField(ed, pointer, label, { min, max, step = "1", nullable = false, hint } = {}) {
  const id = idFor(pointer);
  const control = h("input", { id, type: "number", min, max, step, inputmode: "decimal" });
  const value = getAt(ed.doc, pointer);
  control.value = value === null || value === undefined ? "" : String(value);
  listen(control, ed, () => {
    const number = control.value === "" ? null : Number(control.value);
    setAt(ed.doc, pointer, number === null && !nullable ? undefined : number);
  });
  return wrap(pointer, label, control, { hint });
}

export function selectField(ed, pointer, label, options, { onChange, hint } = {}) {
  const id = idFor(pointer);
  const control = h(
    "select",
    { id },
    options.map(([value, name]) => h("option", { value }, name)),
  );
  control.value = getAt(ed.doc, pointer) ?? "";
  control.disabled = ed.readOnly;
  control.addEventListener("change", () => {
    setAt(ed.doc, pointer, control.value);
    if (onChange) onChange(control.value);
    else ed.changed();
  });
  return wrap(pointer, label, control, { hint });
}

const HEX = /^#(?:[0-9a-fA-F]{3}){1,2}$/;

/** A colour: the browser's picker and the hex code beside it, kept in step. */
export function colourField(ed, pointer, label, { describe } = {}) {
  const id = idFor(pointer);
  const value = getAt(ed.doc, pointer) ?? "#000000";
  const picker = h("input", { id, type: "color", value: expand(value) });
  const code = h("input", {
    id: `${id}-hex`,
    type: "text",
    value,
    maxlength: 7,
    spellcheck: "false",
    "aria-label": `${label} (hex)`,
    class: "hex",
  });
  picker.disabled = ed.readOnly;
  code.disabled = ed.readOnly;
  picker.addEventListener("input", () => {
    code.value = picker.value;
    setAt(ed.doc, pointer, picker.value);
    ed.changed();
  });
  code.addEventListener("input", () => {
    setAt(ed.doc, pointer, code.value.trim());
    if (HEX.test(code.value.trim())) picker.value = expand(code.value.trim());
    ed.changed();
  });
  const wrapper = h(
    "div",
    { class: "field colour", dataset: { pointer } },
    h("label", { for: id }, label),
    h("div", { class: "colour-pair" }, picker, code),
  );
  if (describe) wrapper.append(describe);
  return wrapper;
}

function expand(hex) {
  if (!HEX.test(hex)) return "#000000";
  return hex.length === 4 ? `#${[...hex.slice(1)].map((c) => c + c).join("")}` : hex.toLowerCase();
}

/**
 * A JSON value (a JSONLogic condition, a module's settings) in a text box: written into the document when it
 * parses, with the parse error shown in place while it does not. Empty is null when `nullable`.
 */
export function jsonField(ed, pointer, label, { nullable = false, rows = 4, hint } = {}) {
  const id = idFor(pointer);
  const control = h("textarea", { id, rows, spellcheck: "false", class: "code", "aria-describedby": `${id}-error` });
  const value = getAt(ed.doc, pointer);
  control.value = value === null || value === undefined ? "" : JSON.stringify(value, null, 2);
  const error = h("p", { class: "parse-error", id: `${id}-error`, role: "status" });
  listen(control, ed, () => {
    const source = control.value.trim();
    let problem = null;
    if (!source && nullable) setAt(ed.doc, pointer, null);
    else {
      try {
        setAt(ed.doc, pointer, JSON.parse(source));
      } catch (parseError) {
        problem = parseError.message;
      }
    }
    error.textContent = problem ? t("designer.jsonInvalid", { reason: problem }) : "";
    control.setAttribute("aria-invalid", String(Boolean(problem)));
    ed.markUnparsed(id, Boolean(problem)); // saving waits until every box parses
  });
  const wrapper = wrap(pointer, label, control, { hint });
  wrapper.append(error);
  return wrapper;
}
