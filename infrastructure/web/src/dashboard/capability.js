// The Capability view (#capability): the KOBAN capability model as a live scorecard. The newest assessment round
// (a supervisor or admin opens and closes one), the reader's own self-assessment in it (each capability's five
// maturity levels in plain words, one radio group per capability, an evidence note; police staff give the police's
// view, community partners the partners'), and the scorecard: per dimension both views, the live indicators (each
// definition in a disclosure and a tooltip), the score, the gaps, the trend over rounds (Chart.js) and the training
// recommended for the weakest dimension; exported as CSV or PDF (a blob URL, so the token never goes in a link).
import {
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from "chart.js";

import { tenantPath } from "../shared/api.js";
import { byId, fill, h, toast } from "../shared/dom.js";
import { formatDay, formatMoment, formatNumber, t } from "../shared/i18n.js";

Chart.register(CategoryScale, LinearScale, LineController, LineElement, PointElement, Tooltip, Legend);

const MANAGERS = ["supervisor", "admin"];
const POLICE = ["officer", "supervisor", "admin"];
const VIEW_COLOURS = { police: "#0072b2", partners: "#d55e00" };
const FILE_TYPES = { csv: "text/csv", pdf: "application/pdf" };

/** A mean level (1-5) as the reader writes it, one decimal; "–" when unknown. */
export function formatLevel(value) {
  return value === null || value === undefined ? "–" : formatNumber(value, { maximumFractionDigits: 1 });
}

/** The ratings of a filled-in form: one per capability chosen, the evidence only when written. */
export function ratingsOf(form) {
  const data = new FormData(form);
  const ratings = [];
  for (const input of form.querySelectorAll("input[type=radio][data-capability]:checked")) {
    const capability = input.dataset.capability;
    const evidence = String(data.get(`evidence-${capability}`) ?? "").trim();
    ratings.push({ capability, level: Number(input.value), ...(evidence ? { evidence } : {}) });
  }
  return ratings;
}

export function createCapability({ api, tenant, session, onError, onRecovered }) {
  const base = (...segments) => tenantPath(tenant.id, "capability", ...segments);
  const roundBox = byId("capability-round");
  const openForm = byId("capability-open-form");
  const assessmentForm = byId("capability-assessment-form");
  const assessmentFields = byId("capability-assessment-fields");
  const assessmentStatus = byId("capability-assessment-status");
  const dimensionsBox = byId("capability-dimensions");
  const recommendationsBox = byId("capability-recommendations");
  const mayManage = session.roles.some((role) => MANAGERS.includes(role));
  const view = session.roles.some((role) => POLICE.includes(role)) ? "police" : "partners";
  let model = null;
  let round = null; // the newest round, open or closed
  const mine = new Map(); // round id → my assessment (null: none yet)
  let charts = [];
  let generation = 0;

  async function show() {
    const current = ++generation;
    byId("view-capability").setAttribute("aria-busy", "true");
    try {
      const [loaded, rounds] = await Promise.all([api.get(base("model")), api.get(base("rounds"))]);
      if (current !== generation) return;
      model = loaded;
      round = rounds.items[0] ?? null;
      renderRound();
      await loadMine();
      if (current !== generation) return;
      renderAssessment();
      await loadScorecard(current);
    } catch (error) {
      onError(error, t("capability.loading"));
    } finally {
      if (current === generation) byId("view-capability").removeAttribute("aria-busy");
    }
  }

  /** My assessment in the open round, once per round (404: none yet, the form starts empty). */
  async function loadMine() {
    if (!round || round.status !== "open" || mine.has(round.id)) return;
    try {
      mine.set(round.id, await api.get(base("rounds", round.id, "assessments", "mine")));
    } catch (error) {
      if (error.status !== 404) throw error;
      mine.set(round.id, null);
    }
  }

  function renderRound() {
    const open = round?.status === "open";
    const described = round
      ? t(open ? "capability.roundOpen" : "capability.roundClosed", {
          title: round.title,
          date: formatMoment(round.created_at, { dateStyle: "medium" }),
        })
      : t("capability.noRound");
    fill(
      roundBox,
      h("p", { id: "capability-round-text" }, described),
      open && mayManage
        ? h("button", { type: "button", id: "capability-close", onclick: closeRound }, t("capability.closeRound"))
        : null,
    );
    openForm.hidden = !mayManage || open;
  }

  async function openRound(event) {
    event.preventDefault();
    const input = byId("capability-round-title");
    const title = input.value.trim();
    if (!title) {
      input.setAttribute("aria-invalid", "true");
      onError(new Error(t("capability.titleNeeded")), t("capability.openRound"));
      input.focus();
      return;
    }
    input.removeAttribute("aria-invalid");
    try {
      round = await api.post(base("rounds"), { title });
      mine.set(round.id, null); // a new round: nobody has rated in it yet
      onRecovered();
      input.value = "";
      toast(byId("toasts"), t("capability.roundOpened", { title: round.title }));
      renderRound();
      renderAssessment();
      byId("capability-assessment-title").focus();
      await loadScorecard(generation);
    } catch (error) {
      onError(error, t("capability.openRound"));
    }
  }

  async function closeRound() {
    try {
      round = await api.patch(base("rounds", round.id), { version: round.version, status: "closed" });
      toast(byId("toasts"), t("capability.roundClosedNow", { title: round.title }));
      await show();
    } catch (error) {
      onError(error, t("capability.closeRound"));
    }
  }

  /** One fieldset per dimension, one radio group per capability (the five levels in plain words), evidence. */
  function renderAssessment() {
    const open = round?.status === "open";
    assessmentForm.hidden = !open;
    if (!open) {
      assessmentStatus.textContent = t("capability.noOpenRound");
      fill(assessmentFields);
      return;
    }
    const given = mine.get(round.id);
    const rated = new Map((given?.ratings ?? []).map((rating) => [rating.capability, rating]));
    assessmentStatus.textContent = [
      t(view === "police" ? "capability.asPolice" : "capability.asPartner"),
      given ? t("capability.savedAt", { at: formatMoment(given.submitted_at) }) : t("capability.notYet"),
    ].join(" ");
    fill(
      assessmentFields,
      model.dimensions.map((dimension) =>
        h(
          "fieldset",
          { class: "capability-dimension", dataset: { dimension: dimension.id } },
          h("legend", {}, dimension.name),
          h("p", { class: "muted small" }, dimension.description),
          dimension.capabilities.map((capability) => capabilityField(capability, rated.get(capability.id))),
        ),
      ),
    );
  }

  function capabilityField(capability, rating) {
    const name = `level-${capability.id}`;
    const hint = `capability-${capability.id}-hint`;
    return h(
      "fieldset",
      { class: "capability-field", dataset: { capability: capability.id }, "aria-describedby": hint },
      h("legend", {}, capability.name),
      h("p", { id: hint, class: "muted small" }, capability.description),
      h(
        "div",
        { class: "capability-levels" },
        capability.levels.map((level) =>
          h(
            "label",
            { class: "capability-level" },
            h("input", {
              type: "radio",
              name,
              value: level.level,
              checked: rating?.level === level.level,
              dataset: { capability: capability.id },
            }),
            h(
              "span",
              {},
              h("strong", {}, t("capability.levelName", { level: level.level, name: level.name })),
              level.description ? h("span", { class: "level-text" }, level.description) : null,
            ),
          ),
        ),
      ),
      h(
        "div",
        { class: "field" },
        h("label", { for: `evidence-${capability.id}` }, t("capability.evidence")),
        h("textarea", {
          id: `evidence-${capability.id}`,
          name: `evidence-${capability.id}`,
          rows: 2,
          maxlength: 1000,
        }, rating?.evidence ?? ""),
      ),
    );
  }

  async function saveAssessment(event) {
    event.preventDefault();
    const ratings = ratingsOf(assessmentForm);
    if (!ratings.length) {
      onError(new Error(t("capability.rateOne")), t("capability.saving"));
      return;
    }
    const button = byId("capability-save");
    button.disabled = true;
    try {
      const saved = await api.put(base("rounds", round.id, "assessments", "mine"), { ratings });
      mine.set(round.id, saved);
      onRecovered();
      toast(byId("toasts"), t("capability.saved"));
      renderAssessment();
      await loadScorecard(generation);
    } catch (error) {
      onError(error, t("capability.saving"));
    } finally {
      button.disabled = false;
    }
  }

  async function loadScorecard(current) {
    const card = await api.get(base("scorecard"), round ? { round: round.id } : {});
    if (current !== generation) return;
    renderScorecard(card);
  }

  function renderScorecard(card) {
    for (const chart of charts) chart.destroy();
    charts = [];
    byId("capability-period").textContent = t("capability.period", {
      from: formatDay(card.period.first),
      to: formatDay(card.period.last),
      round: card.round ? card.round.title : t("capability.noRoundShort"),
    });
    fill(
      dimensionsBox,
      card.dimensions.map((dimension) => dimensionCard(dimension, card.weakest.includes(dimension.id))),
    );
    for (const dimension of card.dimensions) drawTrend(dimension);
    renderRecommendations(card);
  }

  function figure(label, value, className = "") {
    return h("div", { class: `capability-figure ${className}` }, h("dt", {}, label), h("dd", {}, formatLevel(value)));
  }

  function dimensionCard(dimension, weakest) {
    const titleId = `capability-dimension-${dimension.id}`;
    return h(
      "article",
      {
        class: `card capability-card${weakest ? " weakest" : ""}`,
        dataset: { dimension: dimension.id, score: dimension.score ?? "" },
        "aria-labelledby": titleId,
      },
      h(
        "header",
        {},
        h("h3", { id: titleId }, dimension.name),
        weakest ? h("span", { class: "chip weakest-chip" }, t("capability.weakest")) : null,
      ),
      h(
        "dl",
        { class: "capability-figures" },
        figure(t("capability.score"), dimension.score, "score"),
        figure(t("capability.police"), dimension.police),
        figure(t("capability.partners"), dimension.partners),
        figure(t("capability.live"), dimension.live),
      ),
      indicatorTable(dimension),
      dimension.gaps.length
        ? h(
            "div",
            { class: "capability-gaps" },
            h("h4", {}, t("capability.gaps")),
            h("ul", {}, dimension.gaps.map((gap) => h("li", {}, gap))),
          )
        : null,
      h(
        "div",
        { class: "capability-trend" },
        h("h4", {}, t("capability.trend")),
        h("div", { class: "trend-box" }, h("canvas", { role: "img", id: `capability-trend-${dimension.id}` })),
        dimension.trend_text ? h("p", { class: "muted small" }, dimension.trend_text) : null,
      ),
    );
  }

  function indicatorTable(dimension) {
    return h(
      "table",
      { class: "data-table capability-indicators" },
      h("caption", { class: "visually-hidden" }, t("capability.indicatorsOf", { name: dimension.name })),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          h("th", { scope: "col" }, t("capability.indicator")),
          h("th", { scope: "col", class: "num" }, t("capability.value")),
          h("th", { scope: "col", class: "num" }, t("capability.level")),
        ),
      ),
      h(
        "tbody",
        {},
        dimension.indicators.map((indicator) =>
          h(
            "tr",
            { dataset: { indicator: indicator.id, level: indicator.level ?? "" } },
            h(
              "td",
              {},
              h(
                "details",
                { class: "indicator-definition", title: indicator.definition },
                h("summary", {}, indicator.name),
                h("p", { class: "muted small" }, indicator.definition),
                indicator.previous_display
                  ? h("p", { class: "muted small" }, t("capability.previous", { value: indicator.previous_display }))
                  : null,
              ),
            ),
            h(
              "td",
              { class: "num", title: indicator.no_data ?? "" },
              indicator.value === null
                ? h("span", { class: "muted" }, indicator.no_data || t("capability.noData"))
                : indicator.display,
            ),
            h("td", { class: "num" }, indicator.level ?? "–"),
          ),
        ),
      ),
    );
  }

  function drawTrend(dimension) {
    const canvas = byId(`capability-trend-${dimension.id}`);
    const labels = dimension.trend.map((point) => point.title);
    const chart = new Chart(canvas, {
      type: "line",
      data: {
        labels,
        datasets: ["police", "partners"].map((who) => ({
          label: t(`capability.${who}`),
          data: dimension.trend.map((point) => point[who]),
          borderColor: VIEW_COLOURS[who],
          backgroundColor: VIEW_COLOURS[who],
          spanGaps: true,
        })),
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        scales: { y: { min: 1, max: 5, ticks: { stepSize: 1 } }, x: { grid: { display: false } } },
        plugins: { legend: { position: "bottom", labels: { boxWidth: 10, boxHeight: 10 } } },
        elements: { point: { radius: 3 } },
      },
    });
    charts.push(chart);
    canvas.dataset.points = String(labels.length);
    canvas.setAttribute("aria-label", dimension.trend_text || t("capability.trendAlt"));
  }

  function renderRecommendations(card) {
    const names = card.dimensions.filter((d) => card.weakest.includes(d.id)).map((d) => d.name);
    byId("capability-weakest").textContent = names.length
      ? t("capability.forWeakest", { names: names.join(", ") })
      : t("capability.noWeakest");
    fill(
      recommendationsBox,
      card.recommendations.length
        ? card.recommendations.map((item) =>
            h(
              "li",
              { class: "recommendation", dataset: { dimension: item.dimension, kind: item.kind } },
              h("strong", { lang: item.language }, item.url ? h("a", { href: item.url }, item.title) : item.title),
              h("span", { class: "muted small" }, ` · ${item.kind_name} · ${item.audience_names.join(", ")}`),
              h("p", { lang: item.language }, item.summary),
            ),
          )
        : h("li", { class: "muted" }, t("capability.noRecommendations")),
    );
  }

  /** The file fetched with the bearer token, handed to the browser as a blob URL. */
  async function download(format, button) {
    button.disabled = true;
    try {
      const file = await api.download(
        base("scorecard", "export"),
        { format, round: round?.id },
        FILE_TYPES[format],
        `koban-capability-${tenant.id}.${format}`,
      );
      const url = URL.createObjectURL(file.blob);
      const link = h("a", { href: url, download: file.filename, hidden: true });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    } catch (error) {
      onError(error, t("capability.exporting", { format: format.toUpperCase() }));
    } finally {
      button.disabled = false;
    }
  }

  openForm.addEventListener("submit", openRound);
  assessmentForm.addEventListener("submit", saveAssessment);
  byId("capability-export-csv").addEventListener("click", (event) => download("csv", event.currentTarget));
  byId("capability-export-pdf").addEventListener("click", (event) => download("pdf", event.currentTarget));

  return { show };
}
