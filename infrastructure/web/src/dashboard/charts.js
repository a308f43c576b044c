// The trend chart (a line per category, by day or week) and the category bar chart, both from
// GET …/dashboard/trends, so that the category filter shapes both. Chart.js draws on a canvas; each canvas
// carries a text alternative, and its figures are kept in data- attributes for tests and assistive tools.
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from "chart.js";

import { formatDay, formatNumber, t } from "../shared/i18n.js";

Chart.register(
  BarController,
  BarElement,
  CategoryScale,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
  Legend,
);
Chart.defaults.font.family = getComputedStyle(document.documentElement).fontFamily;
Chart.defaults.color = "#4f5b6b";
Chart.defaults.animation = false;

// Okabe-Ito, distinguishable with the common colour-vision deficiencies, then two neutral tones.
const COLOURS = ["#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#8c6d1f", "#5b6777"];
const MAX_LINES = 7; // more lines than this do not read; the rest are summed as "other"

function lines(series) {
  if (series.length <= MAX_LINES) return series;
  const shown = series.slice(0, MAX_LINES - 1);
  const rest = series.slice(MAX_LINES - 1);
  const points = rest[0].points.map((point, index) => ({
    start: point.start,
    count: rest.reduce((sum, item) => sum + item.points[index].count, 0),
  }));
  const total = rest.reduce((sum, item) => sum + item.total, 0);
  return [...shown, { category: "other", name: t("chart.other", { count: rest.length }), total, points }];
}

const GRID = { color: "#e6eaf0" };
const LABEL_LENGTH = 32; // longer category names are cut on the axis and shown whole in the tooltip

const shortened = (name) => (name.length > LABEL_LENGTH ? `${name.slice(0, LABEL_LENGTH - 1).trimEnd()}…` : name);

export function createCharts(trendCanvas, categoryCanvas) {
  const trend = new Chart(trendCanvas, {
    type: "line",
    data: { labels: [], datasets: [] },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      interaction: { mode: "index", intersect: false },
      scales: {
        x: { grid: { display: false }, ticks: { maxRotation: 0, autoSkipPadding: 16 } },
        y: { beginAtZero: true, grid: GRID, ticks: { precision: 0 } },
      },
      plugins: { legend: { position: "bottom", labels: { boxWidth: 12, boxHeight: 12, padding: 14 } } },
      elements: { line: { tension: 0.25, borderWidth: 2 }, point: { radius: 0, hoverRadius: 4 } },
    },
  });
  const categories = new Chart(categoryCanvas, {
    type: "bar",
    data: { labels: [], datasets: [] },
    options: {
      indexAxis: "y",
      responsive: true,
      maintainAspectRatio: false,
      scales: {
        x: { beginAtZero: true, grid: GRID, ticks: { precision: 0 } },
        y: {
          grid: { display: false },
          ticks: { autoSkip: false, callback: (value, index) => shortened(categories.data.labels[index] ?? "") },
        },
      },
      plugins: { legend: { display: false } },
    },
  });

  /** Redraw both from a TrendsOut. */
  function show(trends) {
    const drawn = lines(trends.series);
    const short = { day: "numeric", month: "short" };
    const label = (start) =>
      trends.interval === "week" ? t("chart.weekOf", { day: formatDay(start, short) }) : formatDay(start, short);
    trend.data.labels = (trends.series[0]?.points ?? []).map((point) => label(point.start));
    trend.data.datasets = drawn.map((item, index) => ({
      label: item.name,
      data: item.points.map((point) => point.count),
      borderColor: COLOURS[index % COLOURS.length],
      backgroundColor: COLOURS[index % COLOURS.length],
    }));
    trend.update();
    trendCanvas.dataset.points = String(trend.data.labels.length);
    describe(trendCanvas, drawn, () =>
      trends.series.length
        ? t("chart.trendAlt", {
            count: trends.series.length,
            from: formatDay(trends.first),
            to: formatDay(trends.last),
            top: trends.series[0].name,
            total: formatNumber(trends.series[0].total),
          })
        : t("chart.empty"),
    );

    const totals = trends.series.filter((item) => item.total > 0);
    categories.data.labels = totals.map((item) => item.name);
    categories.data.datasets = [
      {
        label: t("chart.reports"),
        data: totals.map((item) => item.total),
        backgroundColor: "#1a56b8",
        borderRadius: 3,
        maxBarThickness: 22,
      },
    ];
    // A bar per category, each tall enough to label.
    categoryCanvas.parentElement.style.minHeight = `${Math.max(320, totals.length * 26 + 40)}px`;
    categories.resize();
    categories.update();
    describe(categoryCanvas, totals, () =>
      totals.length
        ? totals.map((item) => `${item.name}: ${formatNumber(item.total)}`).join("; ")
        : t("chart.empty"),
    );
  }

  return { show };
}

function describe(canvas, series, text) {
  canvas.setAttribute("aria-label", text());
  canvas.dataset.series = series.map((item) => item.category).join(",");
  canvas.dataset.total = String(series.reduce((sum, item) => sum + item.total, 0));
}
