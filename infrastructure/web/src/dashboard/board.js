// The problem board: the tenant's problems in columns by stage (the KOBAN cycle). Opening one shows its notes,
// partners, actions, history and computed evaluation; it moves one stage at a time (PATCH with the version
// seen, so a change made meanwhile by a colleague is refused with 409 and shown, not overwritten).
import { tenantPath } from "../shared/api.js";
import { h, fill, toast } from "../shared/dom.js";
import { formatDay, formatMoment, formatNumber, t } from "../shared/i18n.js";

export const STAGES = ["diagnosis", "planning", "action", "evaluation", "closed"];
const PAGE_SIZE = 100;

export function createBoard({ api, tenant, container, dialog, toasts, categoryName, onError }) {
  let problems = [];

  async function load() {
    const items = [];
    let cursor = null;
    do {
      const page = await api.get(tenantPath(tenant, "problems"), { limit: PAGE_SIZE, cursor });
      items.push(...page.items);
      cursor = page.next_cursor;
    } while (cursor && items.length < 5 * PAGE_SIZE);
    problems = items;
    render();
    return problems;
  }

  function render() {
    fill(
      container,
      STAGES.map((stage) => {
        const here = problems.filter((problem) => problem.stage === stage);
        return h(
          "section",
          { class: `board-column stage-${stage}`, dataset: { stage }, "aria-labelledby": `column-${stage}` },
          h(
            "h3",
            { id: `column-${stage}` },
            t(`stage.${stage}`),
            h("span", { class: "count", "aria-label": t("board.count", { count: here.length }) }, here.length),
          ),
          here.length
            ? h("ul", { class: "board-cards" }, here.map((problem) => h("li", {}, card(problem))))
            : h("p", { class: "empty" }, t("board.emptyColumn")),
        );
      }),
    );
  }

  function card(problem) {
    return h(
      "button",
      { type: "button", class: "problem-card", dataset: { problem: problem.id }, onclick: () => open(problem.id) },
      h("span", { class: "problem-title" }, problem.title),
      h("span", { class: "problem-category" }, categoryName(problem.category)),
      h(
        "span",
        { class: "problem-meta" },
        t("board.meta", { cells: problem.cells, reports: problem.reports }),
        problem.open_actions ? h("span", { class: "badge" }, t("board.openActions", { count: problem.open_actions })) : null,
        problem.overdue_actions
          ? h("span", { class: "badge danger" }, t("board.overdueActions", { count: problem.overdue_actions }))
          : null,
      ),
      h("span", { class: "problem-updated" }, t("board.updated", { when: formatMoment(problem.updated_at) })),
    );
  }

  // Problems made from an emerging signal in this tab, by "category#cell" (the board's list carries no cells).
  const linkKey = `koban.alertProblems.${tenant}`;
  const linked = JSON.parse(sessionStorage.getItem(linkKey) || "{}");

  function remember(category, cell, id) {
    linked[`${category}#${cell}`] = id;
    sessionStorage.setItem(linkKey, JSON.stringify(linked));
  }

  /** The open problem made from a signal of this category and cell, if there is one on the board. */
  function problemFor(category, cell) {
    const id = linked[`${category}#${cell}`];
    return problems.find((problem) => problem.id === id && problem.stage !== "closed") ?? null;
  }

  async function open(id) {
    try {
      const problem = await api.get(tenantPath(tenant, "problems", id));
      let evaluation = null;
      let evaluationError = null;
      try {
        evaluation = await api.get(tenantPath(tenant, "problems", id, "evaluation"));
      } catch (error) {
        evaluationError = error;
      }
      showDialog(problem, evaluation, evaluationError);
    } catch (error) {
      onError(error, t("board.opening"));
    }
  }

  async function change(problem, body, done) {
    try {
      const changed = await api.patch(tenantPath(tenant, "problems", problem.id), { version: problem.version, ...body });
      toast(toasts, done(changed));
      await load();
      await open(changed.id);
    } catch (error) {
      showDialogError(error);
    }
  }

  function showDialogError(error) {
    const region = dialog.querySelector(".dialog-error");
    const lines = typeof error.lines === "function" ? error.lines() : [error.message];
    fill(region, h("strong", {}, t("error.title")), h("ul", {}, lines.map((line) => h("li", {}, line))));
    region.hidden = false;
  }

  function showDialog(problem, evaluation, evaluationError) {
    const note = h("textarea", { id: "problem-note", rows: 3, maxlength: 2000 });
    const forward = nextStage(problem);
    const canClose = problem.allowed_stages.includes("closed") && forward !== "closed";
    const back = problem.stage === "evaluation" && problem.allowed_stages.includes("action");
    const noteText = () => note.value.trim() || undefined;
    const moveTo = (stage) =>
      change(problem, { stage, note: noteText() }, () => t("board.moved", { stage: t(`stage.${stage}`) }));

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
          section(t("problem.notes"), problem.notes, (item) =>
            h("li", {}, h("span", { class: "muted" }, `${formatMoment(item.at)} · ${item.author}`), h("p", {}, item.text)),
          ),
          section(t("problem.partners"), problem.partners, (item) =>
            h("li", {}, h("strong", {}, item.name), ` · ${t(`partner.${item.kind}`)}`, item.contact_role ? ` · ${item.contact_role}` : ""),
          ),
          section(t("problem.actions"), problem.actions, (item) =>
            h(
              "li",
              {},
              h("strong", {}, item.title),
              h(
                "span",
                { class: "muted" },
                ` · ${item.owner} · ${t("problem.due", { day: formatDay(item.due_on) })} · ${t(`actionStatus.${item.status}`)}`,
              ),
              item.overdue ? h("span", { class: "badge danger" }, t("problem.overdue")) : null,
            ),
          ),
          evaluationSection(evaluation, evaluationError),
          section(t("problem.history"), problem.history, (item) =>
            h(
              "li",
              {},
              h("span", { class: "muted" }, `${formatMoment(item.at)} · ${item.actor}`),
              h("p", {}, item.from_stage ? `${t(`stage.${item.from_stage}`)} → ${t(`stage.${item.to_stage}`)}` : t(`stage.${item.to_stage}`)),
              item.note ? h("p", { class: "muted" }, item.note) : null,
            ),
          ),
        ),
        problem.stage === "closed"
          ? h("p", { class: "muted" }, t("problem.closed"))
          : h(
              "div",
              { class: "dialog-actions" },
              h("div", { class: "field" }, h("label", { for: "problem-note" }, t("problem.note")), note),
              h(
                "div",
                { class: "buttons" },
                h("button", { type: "button", onclick: () => noteText() && change(problem, { note: noteText() }, () => t("problem.noteAdded")) }, t("problem.addNote")),
                back ? h("button", { type: "button", onclick: () => moveTo("action") }, t("problem.backToAction")) : null,
                canClose ? h("button", { type: "button", onclick: () => moveTo("closed") }, t("problem.closeEarly")) : null,
                forward
                  ? h(
                      "button",
                      { type: "button", class: "primary", dataset: { next: forward }, onclick: () => moveTo(forward) },
                      t("problem.moveTo", { stage: t(`stage.${forward}`) }),
                    )
                  : null,
              ),
            ),
      ),
    );
    if (!dialog.open) dialog.showModal();
  }

  return { load, open, problemFor, remember };
}

/** The stage after the current one in the cycle, if the API allows it. */
export function nextStage(problem) {
  const following = STAGES[STAGES.indexOf(problem.stage) + 1];
  return following && problem.allowed_stages.includes(following) ? following : null;
}

function stepper(current) {
  const reached = STAGES.indexOf(current);
  return h(
    "ol",
    { class: "stepper", "aria-label": t("problem.stage") },
    STAGES.map((stage, index) =>
      h(
        "li",
        { class: index < reached ? "done" : index === reached ? "current" : "", "aria-current": index === reached ? "step" : false },
        t(`stage.${stage}`),
      ),
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

function evaluationSection(evaluation, error) {
  if (!evaluation) {
    return h("section", { class: "dialog-section" }, h("h3", {}, t("problem.evaluation")), h("p", { class: "muted" }, error?.message ?? t("problem.none")));
  }
  const rows = [
    [t("evaluation.before"), evaluation.before, evaluation.baseline_before],
    [t("evaluation.after"), evaluation.after, evaluation.baseline_after],
  ];
  const change = evaluation.change;
  return h(
    "section",
    { class: "dialog-section evaluation" },
    h("h3", {}, t("problem.evaluation")),
    h("p", {}, evaluation.summary),
    h(
      "table",
      {},
      h("thead", {}, h("tr", {}, h("th", {}, ""), h("th", { scope: "col" }, t("evaluation.thisYear")), h("th", { scope: "col" }, t("evaluation.lastYear")))),
      h(
        "tbody",
        {},
        rows.map(([label, now, then]) =>
          h(
            "tr",
            {},
            h("th", { scope: "row" }, label),
            h("td", {}, t("evaluation.window", { count: formatNumber(now.count), from: formatDay(now.first), to: formatDay(now.last) })),
            h("td", {}, formatNumber(then.count)),
          ),
        ),
      ),
    ),
    h(
      "p",
      { class: "muted" },
      t("evaluation.did", {
        value: formatNumber(change.difference_in_differences, { maximumFractionDigits: 1, signDisplay: "exceptZero" }),
        days: change.per_days,
      }),
      evaluation.mean_satisfaction !== null
        ? ` · ${t("evaluation.satisfaction", { value: formatNumber(evaluation.mean_satisfaction, { maximumFractionDigits: 1 }) })}`
        : "",
    ),
  );
}
