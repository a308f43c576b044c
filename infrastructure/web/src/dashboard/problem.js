// One problem in its dialog: the stage it is in, its description, notes, partners, actions, history and the
// evaluation the API computes from the counters; a note field and the moves the API allows (`allowed_stages`).
import { ApiError } from "../shared/api.js";
import { h, fill } from "../shared/dom.js";
import { formatDay, formatMoment, formatNumber, nameOf, t } from "../shared/i18n.js";

export const STAGES = ["diagnosis", "planning", "action", "evaluation", "closed"];

/** The stage after the current one in the cycle, if the API allows it. */
export function nextStage(problem) {
  const following = STAGES[STAGES.indexOf(problem.stage) + 1];
  return following && problem.allowed_stages.includes(following) ? following : null;
}

const stageName = (stage) => nameOf("stage", stage);
const oneDecimal = { maximumFractionDigits: 1 };

/**
 * Fill `dialog` with the problem. `evaluation` is an EvaluationOut or the error that prevented it;
 * `change(body, said)` sends a change and shows `said` once it is made.
 */
export function renderProblem(dialog, { problem, evaluation, categoryName, change }) {
  fill(
    dialog,
    h(
      "form",
      { method: "dialog", class: "dialog-frame", onsubmit: (event) => event.preventDefault() },
      h(
        "header",
        { class: "dialog-header" },
        h(
          "div",
          {},
          h("p", { class: "muted" }, categoryName(problem.category)),
          h("h2", { id: "problem-dialog-title" }, problem.title),
        ),
        h("button", { type: "button", class: "link close", onclick: () => dialog.close() }, t("action.close")),
      ),
      h("div", { class: "dialog-error alert", role: "alert", hidden: true }),
      stepper(problem.stage),
      h("p", { class: "problem-description" }, problem.description),
      h(
        "div",
        { class: "dialog-grid" },
        section(t("problem.notes"), problem.notes, noteItem),
        section(t("problem.partners"), problem.partners, partnerItem),
        section(t("problem.actions"), problem.actions, actionItem),
        evaluationSection(evaluation),
        section(t("problem.history"), problem.history, historyItem),
      ),
      problem.stage === "closed" ? h("p", { class: "muted" }, t("problem.closed")) : moves(problem, change),
    ),
  );
}

function moves(problem, change) {
  const note = h("textarea", { id: "problem-note", rows: 3, maxlength: 2000 });
  const noteText = () => note.value.trim() || undefined;
  const moveTo = (stage) => change({ stage, note: noteText() }, t("board.moved", { stage: stageName(stage) }));
  const forward = nextStage(problem);
  const button = (label, onclick, attributes = {}) => h("button", { type: "button", onclick, ...attributes }, label);
  const addNote = () => noteText() && change({ note: noteText() }, t("problem.noteAdded"));
  return h(
    "div",
    { class: "dialog-actions" },
    h("div", { class: "field" }, h("label", { for: "problem-note" }, t("problem.note")), note),
    h(
      "div",
      { class: "buttons" },
      button(t("problem.addNote"), addNote),
      problem.stage === "evaluation" && problem.allowed_stages.includes("action")
        ? button(t("problem.backToAction"), () => moveTo("action"))
        : null,
      problem.allowed_stages.includes("closed") && forward !== "closed"
        ? button(t("problem.closeEarly"), () => moveTo("closed"))
        : null,
      forward
        ? button(t("problem.moveTo", { stage: stageName(forward) }), () => moveTo(forward), {
            class: "primary",
            dataset: { next: forward },
          })
        : null,
    ),
  );
}

function stepper(current) {
  const reached = STAGES.indexOf(current);
  const state = (index) => (index < reached ? "done" : index === reached ? "current" : "");
  return h(
    "ol",
    { class: "stepper", "aria-label": t("problem.stage") },
    STAGES.map((stage, index) =>
      h("li", { class: state(index), "aria-current": index === reached ? "step" : false }, stageName(stage)),
    ),
  );
}

function section(title, items, row) {
  return h(
    "section",
    { class: "dialog-section" },
    h("h3", {}, title),
    items.length ? h("ul", { class: "plain" }, items.map(row)) : h("p", { class: "muted" }, t("problem.none")),
  );
}

const noteItem = (note) =>
  h("li", {}, h("span", { class: "muted" }, `${formatMoment(note.at)} · ${note.author}`), h("p", {}, note.text));

const partnerItem = (partner) =>
  h(
    "li",
    {},
    h("strong", {}, partner.name),
    ` · ${nameOf("partner", partner.kind)}`,
    partner.contact_role ? ` · ${partner.contact_role}` : "",
  );

function actionItem(action) {
  const due = t("problem.due", { day: formatDay(action.due_on) });
  return h(
    "li",
    {},
    h("strong", {}, action.title),
    h("span", { class: "muted" }, ` · ${action.owner} · ${due} · ${nameOf("actionStatus", action.status)}`),
    action.overdue ? h("span", { class: "badge danger" }, t("problem.overdue")) : null,
  );
}

function historyItem(change) {
  const move = change.from_stage
    ? `${stageName(change.from_stage)} → ${stageName(change.to_stage)}`
    : stageName(change.to_stage);
  return h(
    "li",
    {},
    h("span", { class: "muted" }, `${formatMoment(change.at)} · ${change.actor}`),
    h("p", {}, move),
    change.note ? h("p", { class: "muted" }, change.note) : null,
  );
}

function evaluationSection(evaluation) {
  const title = h("h3", {}, t("problem.evaluation"));
  if (evaluation instanceof Error) {
    const why = evaluation instanceof ApiError ? evaluation.lines().join(" ") : evaluation.message;
    return h("section", { class: "dialog-section" }, title, h("p", { class: "muted" }, why));
  }
  const window = (part) =>
    t("evaluation.window", { count: formatNumber(part.count), from: formatDay(part.first), to: formatDay(part.last) });
  const row = (label, now, then) =>
    h("tr", {}, h("th", { scope: "row" }, label), h("td", {}, window(now)), h("td", {}, formatNumber(then.count)));
  const did = t("evaluation.did", {
    value: formatNumber(evaluation.change.difference_in_differences, { ...oneDecimal, signDisplay: "exceptZero" }),
    days: evaluation.change.per_days,
  });
  const satisfaction =
    evaluation.mean_satisfaction === null
      ? ""
      : ` · ${t("evaluation.satisfaction", { value: formatNumber(evaluation.mean_satisfaction, oneDecimal) })}`;
  return h(
    "section",
    { class: "dialog-section evaluation" },
    title,
    h("p", {}, evaluation.summary),
    h(
      "table",
      {},
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          h("td", {}),
          h("th", { scope: "col" }, t("evaluation.thisYear")),
          h("th", { scope: "col" }, t("evaluation.lastYear")),
        ),
      ),
      h(
        "tbody",
        {},
        row(t("evaluation.before"), evaluation.before, evaluation.baseline_before),
        row(t("evaluation.after"), evaluation.after, evaluation.baseline_after),
      ),
    ),
    h("p", { class: "muted" }, did, satisfaction),
  );
}
