// The emerging list, from GET …/dashboard/emerging: each signal with its score, its recent and baseline counts
// and the API's plain-language explanation. Choosing one shows its cell on the map; "Create problem" turns it
// into a problem on the board (POST …/problems, the ProblemIn the API documents).
import { h, fill } from "../shared/dom.js";
import { formatNumber, t } from "../shared/i18n.js";

/** The body of POST …/problems for an emerging signal. */
export function problemFromSignal(item) {
  return {
    title: t("emerging.problemTitle", { category: item.category_name }).slice(0, 200),
    description: [
      item.explanation,
      t("emerging.counts", {
        recent: formatNumber(item.recent_count),
        recentDays: item.recent_days,
        baseline: formatNumber(item.baseline_count),
        baselineDays: item.baseline_days,
      }),
    ]
      .join("\n\n")
      .slice(0, 4000),
    category: item.category,
    cells: [item.cell],
  };
}

/**
 * render(list, emergingOut, { onFocus(item), onCreate(item, button), problemFor(item) })
 * `problemFor` finds a problem already open for the item's cell and category (then no second one is offered).
 */
export function renderEmerging(list, emerging, { onFocus, onCreate, onOpen, problemFor }) {
  if (!emerging.items.length) {
    fill(list, h("li", { class: "empty" }, t("emerging.none")));
    return;
  }
  fill(
    list,
    emerging.items.map((item) => {
      const existing = problemFor(item);
      const action = existing
        ? h("button", { type: "button", onclick: () => onOpen(existing) }, t("emerging.openProblem"))
        : h(
            "button",
            { type: "button", class: "primary", onclick: (event) => onCreate(item, event.currentTarget) },
            t("emerging.createProblem"),
          );
      return h(
        "li",
        {
          class: "emerging-item",
          dataset: { cell: item.cell, category: item.category },
          // A click anywhere on the item but its buttons shows the cell (the buttons are the keyboard's way).
          onclick: (event) => {
            if (!event.target.closest("button")) onFocus(item);
          },
        },
        h(
          "div",
          { class: "emerging-head" },
          h("h3", {}, item.category_name),
          h(
            "span",
            { class: "badge danger", title: t("emerging.scoreHelp") },
            t("emerging.score", { score: formatNumber(item.score, { maximumFractionDigits: 1 }) }),
          ),
        ),
        h(
          "p",
          { class: "emerging-counts" },
          h("strong", {}, formatNumber(item.recent_count)),
          ` ${t("emerging.recent", { days: item.recent_days })} · `,
          t("emerging.baseline", {
            count: formatNumber(item.baseline_count),
            days: item.baseline_days,
            expected: formatNumber(item.expected_recent, { maximumFractionDigits: 1 }),
          }),
        ),
        h("p", { class: "emerging-explanation" }, item.explanation),
        h(
          "div",
          { class: "emerging-actions" },
          h("button", { type: "button", onclick: () => onFocus(item) }, t("emerging.showOnMap")),
          existing ? h("span", { class: "badge ok" }, t("emerging.onBoard")) : null,
          action,
        ),
      );
    }),
  );
}
