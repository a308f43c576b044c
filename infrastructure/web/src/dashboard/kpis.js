// The KPI tiles, from GET …/dashboard/summary: volume and the accountability figures.
import { h } from "../shared/dom.js";
import { formatDay, formatNumber, formatPercent, t } from "../shared/i18n.js";

function tile(key, value, caption, tone = "") {
  return h(
    "div",
    { class: `kpi ${tone}`, dataset: { kpi: key } },
    h("span", { class: "kpi-label" }, t(`kpi.${key}`)),
    h("span", { class: "kpi-value" }, value),
    h("span", { class: "kpi-caption" }, caption),
  );
}

const NONE = "—";

export function renderKpis(container, summary) {
  const period = t("kpi.period", { from: formatDay(summary.first), to: formatDay(summary.last) });
  const median = summary.median_hours_to_first_response;
  const tiles = [
    tile("volume", formatNumber(summary.volume), period),
    tile(
      "firstResponse",
      median === null ? NONE : t("kpi.hours", { hours: formatNumber(median, { maximumFractionDigits: 1 }) }),
      t("kpi.firstResponseCaption"),
    ),
    tile(
      "feedback",
      summary.share_given_feedback === null ? NONE : formatPercent(summary.share_given_feedback),
      t("kpi.feedbackCaption"),
    ),
    tile(
      "resolved",
      summary.share_resolved === null ? NONE : formatPercent(summary.share_resolved),
      t("kpi.resolvedCaption"),
    ),
    tile("overdue", formatNumber(summary.overdue), t("kpi.overdueCaption"), summary.overdue > 0 ? "alarm" : "good"),
  ];
  const heading = container.querySelector("h2");
  container.replaceChildren(heading, ...tiles);
}
