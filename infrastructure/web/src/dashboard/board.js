// The problem board: the tenant's problems in columns by stage (the KOBAN cycle). A card opens the problem's
// dialog (problem.js), where it moves on one stage at a time and gets its partners and actions.
import { tenantPath } from "../shared/api.js";
import { h, fill, toast } from "../shared/dom.js";
import { showError } from "../shared/errors.js";
import { formatMoment, nameOf, t } from "../shared/i18n.js";
import { STAGES, renderProblem } from "./problem.js";

const PAGE_SIZE = 100;
const MAX_PAGES = 5;

export function createBoard({ api, tenant, units, today, container, dialog, toasts, categoryName, onError }) {
  let problems = [];

  async function load() {
    const items = [];
    let cursor = null;
    let pages = 0;
    do {
      const page = await api.get(tenantPath(tenant, "problems"), { limit: PAGE_SIZE, cursor });
      items.push(...page.items);
      cursor = page.next_cursor;
      pages += 1;
    } while (cursor && pages < MAX_PAGES);
    problems = items;
    render();
    return problems;
  }

  function render() {
    // A reload replaces every card: the one that had the keyboard focus gets it back (the list may be refreshed
    // while an officer is moving through it).
    const focused = container.contains(document.activeElement) ? document.activeElement.dataset?.problem : null;
    fill(container, STAGES.map(column));
    if (focused) container.querySelector(`[data-problem="${CSS.escape(focused)}"]`)?.focus();
  }

  function column(stage) {
    const here = problems.filter((problem) => problem.stage === stage);
    const count = t("board.count", { count: here.length });
    return h(
      "section",
      { class: `board-column stage-${stage}`, dataset: { stage }, "aria-labelledby": `column-${stage}` },
      h(
        "h3",
        { id: `column-${stage}` },
        nameOf("stage", stage),
        h("span", { class: "count", title: count }, here.length),
      ),
      here.length
        ? h(
            "ul",
            { class: "board-cards" },
            here.map((problem) => h("li", {}, card(problem))),
          )
        : h("p", { class: "empty" }, t("board.emptyColumn")),
    );
  }

  function card(problem) {
    const badge = (count, key, tone) => (count ? h("span", { class: `badge ${tone}` }, t(key, { count })) : null);
    const badges = [
      badge(problem.open_actions, "board.openActions", ""),
      badge(problem.overdue_actions, "board.overdueActions", "danger"),
    ];
    return h(
      "button",
      { type: "button", class: "problem-card", dataset: { problem: problem.id }, onclick: () => open(problem.id) },
      h("span", { class: "problem-title" }, problem.title),
      h("span", { class: "problem-category" }, categoryName(problem.category)),
      h(
        "span",
        { class: "problem-meta" },
        t("board.meta", { cells: problem.cells.length, reports: problem.reports }),
        badges,
      ),
      h("span", { class: "problem-updated" }, t("board.updated", { when: formatMoment(problem.updated_at) })),
    );
  }

  /** An open problem of this category that covers the cell (made from a signal, here or by a colleague). */
  function problemFor(category, cell) {
    return (
      problems.find(
        (problem) => problem.stage !== "closed" && problem.category === category && problem.cells.includes(cell),
      ) ?? null
    );
  }

  /** Open the problem's dialog; `focusId` is the control that keeps the focus after a change (a form's first). */
  async function open(id, focusId = null) {
    let problem;
    try {
      problem = await api.get(tenantPath(tenant, "problems", id));
    } catch (error) {
      onError(error, t("board.opening"));
      return;
    }
    // The evaluation is computed from the counters; without it the problem still opens, saying why.
    const evaluation = await api.get(tenantPath(tenant, "problems", id, "evaluation")).catch((error) => error);
    const path = tenantPath(tenant, "problems", id);
    renderProblem(dialog, {
      problem,
      evaluation,
      categoryName,
      units,
      today: today(),
      change: (body, said, focus) => send(() => api.patch(path, { version: problem.version, ...body }), said, focus),
      addAction: (body, said, focus) =>
        send(() => api.post(tenantPath(tenant, "problems", id, "actions"), body), said, focus),
      changeAction: (action, body, said, focus) =>
        send(
          () =>
            api.patch(tenantPath(tenant, "problems", id, "actions", action.id), { version: problem.version, ...body }),
          said,
          focus,
        ),
    });
    if (!dialog.open) dialog.showModal();
    const keep = focusId && dialog.querySelector(`#${focusId}`);
    if (keep) keep.focus();
  }

  /**
   * Send one change made on the version the dialog shows (PATCH the problem or an action, POST an action); the
   * dialog then shows the problem as it is now. A refusal (409, a missing note...) shows in the dialog.
   */
  async function send(call, said, focusId) {
    try {
      const changed = await call();
      toast(toasts, said);
      await load();
      await open(changed.id, focusId);
    } catch (error) {
      showError(dialog.querySelector(".dialog-error"), error);
    }
  }

  return { load, open, problemFor };
}
