// Questions of a form (a report category's, the survey's) with their Open311 datatypes, and their JSONLogic
// conditions evaluated here by json-logic-js, the engine the App Factory checked them against: `visible_if` (the
// question is shown only while it holds) and `required_if` (it must then be answered). A condition sees
// `answers.<code>` of the questions shown, `category`, `platform` and `locale`; a hidden question's answer is
// neither seen by other conditions nor sent.
import jsonLogic from "json-logic-js";

import { h } from "../shared/dom.js";
import { text } from "./text.js";

const RADIO_LIMIT = 6; // more options than this: a drop-down list

/** Whether `rule` holds for `data` (JSONLogic truthiness); a rule the engine cannot run counts as `fallback`. */
export function holds(rule, data, fallback) {
  try {
    return jsonLogic.truthy(jsonLogic.apply(rule, data));
  } catch (error) {
    console.warn("condition not evaluated", rule, error);
    return fallback;
  }
}

/**
 * Which questions are shown and required for the raw answers given, as the server and designer mean it: starting
 * from every answer, a question is shown while its `visible_if` holds over the answers of the questions shown, until
 * nothing changes (conditions have no cycles; the App Factory refuses them).
 * Returns { visible: Set, required: Set, answers } with `answers` those of visible questions only.
 */
export function evaluate(questions, raw, facts) {
  let visible = new Set(questions.map((question) => question.code));
  let answers = {};
  for (let round = 0; round <= questions.length; round += 1) {
    answers = Object.fromEntries(Object.entries(raw).filter(([code]) => visible.has(code)));
    const data = { ...facts, answers };
    const next = new Set(
      questions.filter((q) => !q.visible_if || holds(q.visible_if, data, true)).map((question) => question.code),
    );
    const stable = next.size === visible.size && [...next].every((code) => visible.has(code));
    visible = next;
    if (stable) break;
  }
  answers = Object.fromEntries(Object.entries(raw).filter(([code]) => visible.has(code)));
  const data = { ...facts, answers };
  const required = new Set(
    questions
      .filter((q) => visible.has(q.code) && (q.required || (q.required_if && holds(q.required_if, data, false))))
      .map((question) => question.code),
  );
  return { visible, required, answers };
}

/** A date-time input's value (local time) as ISO 8601 with the device's UTC offset. */
export function isoWithOffset(local) {
  const moment = new Date(local);
  if (Number.isNaN(moment.getTime())) return null;
  const offset = -moment.getTimezoneOffset();
  const sign = offset >= 0 ? "+" : "-";
  const pad = (n) => String(Math.floor(Math.abs(n))).padStart(2, "0");
  const date = `${moment.getFullYear()}-${pad(moment.getMonth() + 1)}-${pad(moment.getDate())}`;
  const time = `${pad(moment.getHours())}:${pad(moment.getMinutes())}:00`;
  return `${date}T${time}${sign}${pad(offset / 60)}:${pad(offset % 60)}`;
}

function choiceInputs(question, name, multiple) {
  return question.options.map((option) =>
    h(
      "label",
      { class: "choice" },
      h("input", { type: multiple ? "checkbox" : "radio", name, value: option.code }),
      h("span", {}, option.label ?? option.code),
    ),
  );
}

const SCALE_LIMIT = 10; // a whole number between bounds this close: a row of choices (1 to 5, 0 to 10)

function isScale(question) {
  const { type, minimum, maximum } = question;
  return (
    type === "integer" &&
    Number.isInteger(minimum) &&
    Number.isInteger(maximum) &&
    maximum >= minimum &&
    maximum - minimum <= SCALE_LIMIT
  );
}

function choicesOf(question) {
  if (question.type === "boolean") {
    return [
      { code: "true", label: text("form.yes") },
      { code: "false", label: text("form.no") },
    ];
  }
  if (isScale(question)) {
    const count = question.maximum - question.minimum + 1;
    return Array.from({ length: count }, (_, index) => ({ code: String(question.minimum + index) }));
  }
  return question.options;
}

function chosenValue(question, code) {
  if (question.type === "boolean") return code === "true";
  return isScale(question) ? Number(code) : code;
}

/** The control(s) of one question; returns { element, read() → value or undefined, focus() }. */
function control(question, id, describedBy) {
  const common = { id, name: id, "aria-describedby": describedBy };
  const type = question.type;
  if (type === "boolean" || type === "singlevaluelist" || type === "multivaluelist" || isScale(question)) {
    const multiple = type === "multivaluelist";
    const options = choicesOf(question);
    if (!multiple && options.length > RADIO_LIMIT) {
      const select = h(
        "select",
        common,
        h("option", { value: "" }, text("form.choose")),
        options.map((option) => h("option", { value: option.code }, option.label ?? option.code)),
      );
      const read = () => (select.value ? chosenValue(question, select.value) : undefined);
      return { element: select, read, focus: () => select.focus() };
    }
    const group = h("div", {
      class: isScale(question) ? "choices scale" : "choices",
      id,
      role: multiple ? "group" : "radiogroup",
      "aria-describedby": describedBy,
    });
    group.append(...choiceInputs({ options }, id, multiple));
    const inputs = () => [...group.querySelectorAll("input")];
    const read = () => {
      const chosen = inputs().filter((input) => input.checked).map((input) => input.value);
      if (multiple) return chosen.length ? chosen : undefined;
      return chosen.length ? chosenValue(question, chosen[0]) : undefined;
    };
    return { element: group, read, focus: () => inputs()[0]?.focus(), group: true };
  }
  if (type === "text") {
    const area = h("textarea", { ...common, rows: 3, maxlength: question.max_length });
    return { element: area, read: () => area.value.trim() || undefined, focus: () => area.focus() };
  }
  if (type === "datetime") {
    const input = h("input", { ...common, type: "datetime-local" });
    return { element: input, read: () => (input.value ? isoWithOffset(input.value) : undefined), focus: () => input.focus() };
  }
  if (type === "number" || type === "integer") {
    const input = h("input", {
      ...common,
      type: "number",
      inputmode: type === "integer" ? "numeric" : "decimal",
      step: type === "integer" ? "1" : "any",
      min: question.minimum ?? undefined,
      max: question.maximum ?? undefined,
    });
    const read = () => (input.value === "" || Number.isNaN(input.valueAsNumber) ? undefined : input.valueAsNumber);
    return { element: input, read, focus: () => input.focus() };
  }
  const input = h("input", { ...common, type: "text", maxlength: question.max_length });
  return { element: input, read: () => input.value.trim() || undefined, focus: () => input.focus() };
}

/** Why `value` is not a valid answer to `question` (a text for the resident), or null. */
function problemOf(question, value) {
  if (question.type === "integer" && !Number.isInteger(value)) return text("form.whole_number");
  if (question.type === "number" || question.type === "integer") {
    if (question.minimum !== null && question.minimum !== undefined && value < question.minimum) {
      return text("form.at_least", { minimum: question.minimum });
    }
    if (question.maximum !== null && question.maximum !== undefined && value > question.maximum) {
      return text("form.at_most", { maximum: question.maximum });
    }
  }
  if (typeof value === "string" && value.length > question.max_length) {
    return text("form.too_long", { maximum: question.max_length });
  }
  return null;
}

/**
 * The questions in `container`, shown and hidden as their conditions say while the resident answers.
 * `facts()` gives the rest of what conditions see ({category, platform, locale}). Returns
 * { answers(), validate() → the first invalid control's focus function or null, element(code) }.
 */
export function createQuestionList(container, questions, { idPrefix, facts }) {
  const fields = new Map();
  for (const question of questions) {
    const id = `${idPrefix}-${question.code}`;
    const helpId = question.help ? `${id}-help` : null;
    const errorId = `${id}-error`;
    const input = control(question, id, [helpId, errorId].filter(Boolean).join(" "));
    const badge = h("span", { class: "required-mark" });
    const labelAttributes = input.group ? { id: `${id}-label`, class: "label" } : { for: id, class: "label" };
    const label = h(input.group ? "span" : "label", labelAttributes, question.label ?? question.code, " ", badge);
    if (input.group) input.element.setAttribute("aria-labelledby", `${id}-label`);
    const field = h(
      "div",
      { class: "field question", dataset: { question: question.code } },
      label,
      question.help ? h("p", { id: helpId, class: "help" }, question.help) : null,
      input.element,
      h("p", { id: errorId, class: "field-error", hidden: true }),
    );
    fields.set(question.code, { question, field, input, badge, error: field.lastChild });
    container.append(field);
  }

  function raw() {
    const values = {};
    for (const [code, { input }] of fields) {
      const value = input.read();
      if (value !== undefined) values[code] = value;
    }
    return values;
  }

  function refresh() {
    const state = evaluate(questions, raw(), facts());
    for (const [code, { field, badge, input }] of fields) {
      field.hidden = !state.visible.has(code);
      const required = state.required.has(code);
      badge.textContent = required ? `(${text("form.required")})` : `(${text("form.optional")})`;
      if (input.element.getAttribute("role") !== "group") input.element.setAttribute("aria-required", String(required));
    }
    return state;
  }

  container.addEventListener("input", refresh);
  container.addEventListener("change", refresh);
  refresh();

  function validate() {
    const state = refresh();
    let first = null;
    for (const [code, { question, input, error, field }] of fields) {
      let problem = null;
      if (state.visible.has(code)) {
        const value = state.answers[code];
        if (value === undefined) problem = state.required.has(code) ? text("form.answer_needed") : null;
        else problem = problemOf(question, value);
      }
      error.textContent = problem ?? "";
      error.hidden = !problem;
      field.classList.toggle("invalid", Boolean(problem));
      input.element.setAttribute("aria-invalid", String(Boolean(problem)));
      if (problem && !first) first = input.focus;
    }
    return first;
  }

  return {
    answers: () => refresh().answers,
    validate,
    refresh,
    element: (code) => fields.get(code)?.field ?? null,
  };
}
