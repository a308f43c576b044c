// One problem in its dialog: the stage it is in, its description, notes, partners, actions, history and the
// evaluation the API computes from the counters; a note field and the moves the API allows (`allowed_stages`);
// while it is open, forms to add a partner (PartnerIn) or an action (ActionIn: owner a unit or a partner, due
// date) and buttons to mark an action done or remove a partner.
import { ApiError } from "../shared/api.js";
import { h } from "../shared/dom.js";
import { formatDay, formatMoment, formatNumber, nameOf, t } from "../shared/i18n.js";
import { fillDialog } from "./dialog.js";

export const STAGES = ["diagnosis", "planning", "action", "evaluation", "closed"];
export const PARTNER_KINDS = ["municipality", "housing", "school", "ngo", "business", "other"];

/** The stage after the current one in the cycle, if the API allows it. */
export function nextStage(problem) {
  const following = STAGES[STAGES.indexOf(problem.stage) + 1];
  return following && problem.allowed_stages.includes(following) ? following : null;
}

const stageName = (stage) => nameOf("stage", stage);
const oneDecimal = { maximumFractionDigits: 1 };

/**
 * Fill `dialog` with the problem. `evaluation` is an EvaluationOut or the error that prevented it;
 * `change(body, said)` sends a change of the problem (PATCH), `addAction(body, said)` a new action (POST) and
 * `changeAction(action, body, said)` a change of one (PATCH), each showing `said` once it is made; `units` are the
 * tenant's units (owners of actions) and `today` the tenant's day (YYYY-MM-DD, the earliest due date).
 */
export function renderProblem(
  dialog,
  { problem, evaluation, categoryName, units, today, change, addAction, changeAction },
) {
  const open = problem.stage !== "closed";
  const tools = { open, change, changeAction };
  fillDialog(
    dialog,
    { kicker: categoryName(problem.category), title: problem.title, titleId: "problem-dialog-title" },
    stepper(problem.stage),
    h("p", { class: "problem-description" }, problem.description),
    h(
      "div",
      { class: "dialog-grid" },
      section(t("problem.notes"), problem.notes, noteItem),
      section(t("problem.partners"), problem.partners, (partner) => partnerItem(partner, tools), {
        form: open ? partnerForm(change) : null,
        name: "partners",
      }),
      section(t("problem.actions"), problem.actions, (action) => actionItem(action, tools), {
        form: open ? actionForm({ problem, units, today, addAction }) : null,
        name: "actions",
      }),
      evaluationSection(evaluation),
      section(t("problem.history"), problem.history, historyItem),
    ),
    problem.stage === "closed" ? h("p", { class: "muted" }, t("problem.closed")) : moves(problem, change),
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

function section(title, items, row, { form = null, name = "" } = {}) {
  return h(
    "section",
    { class: "dialog-section", dataset: { section: name } },
    h("h3", {}, title),
    items.length ? h("ul", { class: "plain" }, items.map(row)) : h("p", { class: "muted" }, t("problem.none")),
    form,
  );
}

/** A labelled control: h("div.field", label, control). */
function field(id, label, control) {
  return h("div", { class: "field" }, h("label", { for: id }, label), control);
}

function partnerForm(change) {
  const name = h("input", { id: "partner-name", maxlength: 120, required: true, autocomplete: "organization" });
  const kind = h(
    "select",
    { id: "partner-kind" },
    PARTNER_KINDS.map((value) => h("option", { value }, nameOf("partner", value))),
  );
  const role = h("input", { id: "partner-role", maxlength: 120, "aria-describedby": "partner-role-help" });
  const add = () => {
    if (!name.value.trim()) {
      name.setAttribute("aria-invalid", "true");
      name.focus();
      return;
    }
    const partner = { name: name.value.trim(), kind: kind.value };
    if (role.value.trim()) partner.contact_role = role.value.trim();
    change({ add_partners: [partner] }, t("problem.partnerAdded", { name: partner.name }), "partner-name");
  };
  return h(
    "fieldset",
    { class: "inline-form", dataset: { form: "partner" } },
    h("legend", {}, t("problem.addPartner")),
    field("partner-name", t("problem.partnerName"), name),
    field("partner-kind", t("problem.partnerKind"), kind),
    field("partner-role", t("problem.partnerRole"), role),
    h("p", { id: "partner-role-help", class: "muted small" }, t("problem.partnerRoleHelp")),
    h("button", { type: "button", onclick: add }, t("problem.addPartner")),
  );
}

function actionForm({ problem, units, today, addAction }) {
  const title = h("input", { id: "action-title", maxlength: 200, required: true });
  const owner = h(
    "select",
    { id: "action-owner", required: true },
    h("option", { value: "" }, t("problem.chooseOwner")),
    h(
      "optgroup",
      { label: t("problem.units") },
      units.map((unit) => h("option", { value: unit.code }, unit.name)),
    ),
    problem.partners.length
      ? h(
          "optgroup",
          { label: t("problem.partners") },
          problem.partners.map((partner) => h("option", { value: partner.name }, partner.name)),
        )
      : null,
  );
  const due = h("input", { id: "action-due", type: "date", min: today, required: true });
  const add = () => {
    const missing = [title, owner, due].filter((control) => !control.value.trim());
    for (const control of [title, owner, due]) {
      if (missing.includes(control)) control.setAttribute("aria-invalid", "true");
      else control.removeAttribute("aria-invalid");
    }
    if (missing.length) {
      missing[0].focus();
      return;
    }
    const body = { title: title.value.trim(), owner: owner.value, due_on: due.value };
    addAction(body, t("problem.actionAdded", { title: body.title }), "action-title");
  };
  return h(
    "fieldset",
    { class: "inline-form", dataset: { form: "action" } },
    h("legend", {}, t("problem.addAction")),
    field("action-title", t("problem.actionTitle"), title),
    field("action-owner", t("problem.owner"), owner),
    field("action-due", t("problem.dueOn"), due),
    h("button", { type: "button", onclick: add }, t("problem.addAction")),
  );
}

const noteItem = (note) =>
  h("li", {}, h("span", { class: "muted" }, `${formatMoment(note.at)} · ${note.author}`), h("p", {}, note.text));

function partnerItem(partner, { open, change }) {
  const remove = () =>
    change({ remove_partners: [partner.name] }, t("problem.partnerRemoved", { name: partner.name }), "partner-name");
  return h(
    "li",
    { dataset: { partner: partner.name } },
    h("strong", {}, partner.name),
    ` · ${nameOf("partner", partner.kind)}`,
    partner.contact_role ? ` · ${partner.contact_role}` : "",
    open
      ? h(
          "button",
          {
            type: "button",
            class: "link",
            "aria-label": t("problem.removePartner", { name: partner.name }),
            onclick: remove,
          },
          t("problem.remove"),
        )
      : null,
  );
}

function actionItem(action, { open, changeAction }) {
  const due = t("problem.due", { day: formatDay(action.due_on) });
  const mark = (status, said) => changeAction(action, { status }, said, "action-title");
  return h(
    "li",
    { dataset: { action: action.id, status: action.status } },
    h("strong", {}, action.title),
    h("span", { class: "muted" }, ` · ${action.owner} · ${due} · ${nameOf("actionStatus", action.status)}`),
    action.overdue ? h("span", { class: "badge danger" }, t("problem.overdue")) : null,
    open && action.status === "open"
      ? h(
          "span",
          { class: "item-buttons" },
          h(
            "button",
            {
              type: "button",
              "aria-label": t("problem.markDoneOf", { title: action.title }),
              onclick: () => mark("done", t("problem.actionDone", { title: action.title })),
            },
            t("problem.markDone"),
          ),
          h(
            "button",
            {
              type: "button",
              class: "link",
              "aria-label": t("problem.cancelActionOf", { title: action.title }),
              onclick: () => mark("cancelled", t("problem.actionCancelled", { title: action.title })),
            },
            t("problem.cancelAction"),
          ),
        )
      : null,
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
