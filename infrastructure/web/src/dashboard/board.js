// The problem board: the tenant's problems in columns by stage (the KOBAN cycle). A card opens the problem's
// dialog (problem.js), where it moves on one stage at a time.
import { tenantPath } from "../shared/api.js";
import { h, fill, toast } from "../shared/dom.js";
import { showError } from "../shared/errors.js";
import { formatMoment, nameOf, t } from "../shared/i18n.js";
import { STAGES, renderProblem } from "./problem.js";

const PAGE_SIZE = 100;
const MAX_PAGES = 5;

export function createBoard({ api, tenant, container, dialog, toasts, categoryName, onError }) {
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
    fill(container, STAGES.map(column));
  }

  function column(stage) {
    const here = problems.filter((problem) => problem.stage === stage);
    const count = t("board.count", { count: here.length });
    return h(
      "section",
      { class: `board-column stage-${stage}`, dataset: { stage }, "aria-labelledby": `column-${stage}` },
      h("h3", { id: `column-${stage}` }, nameOf("stage", stage), h("span", { class: "count", title: count }, here.length)),
      here.length
        ? h("ul", { class: "board-cards" }, here.map((problem) => h("li", {}, card(problem))))
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
      h("span", { class: "problem-meta" }, t("board.meta", { cells: problem.cells.length, reports: problem.reports }), badges),
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

  async function open(id) {
    let problem;
    try {
      problem = await api.get(tenantPath(tenant, "problems", id));
    } catch (error) {
      onError(error, t("board.opening"));
      return;
    }
    // The evaluation is computed from the counters; without it the problem still opens, saying why.
    const evaluation = await api.get(tenantPath(tenant, "problems", id, "evaluation")).catch((error) => error);
    renderProblem(dialog, { problem, evaluation, categoryName, change: (body, said) => change(problem, body, said) });
    if (!dialog.open) dialog.showModal();
  }

  /** PATCH the problem with the version it was read at; a refusal (409, a missing note...) shows in the dialog. */
  async function change(problem, body, said) {
    try {
      const path = tenantPath(tenant, "problems", problem.id);
      const changed = await api.patch(path, { version: problem.version, ...body });
      toast(toasts, said);
      await load();
      await open(changed.id);
    } catch (error) {
      showError(dialog.querySelector(".dialog-error"), error);
    }
  }

  return { load, open, problemFor };
}
