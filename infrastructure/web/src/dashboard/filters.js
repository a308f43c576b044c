// The filter bar: period, categories, cell size and trend interval. Any change calls `onChange(state)` once
// the user pauses (a burst of checkbox clicks is one refresh).
import { byId, h } from "../shared/dom.js";
import { t } from "../shared/i18n.js";

const DEFAULT_DAYS = 30;
const DEBOUNCE_MS = 250;

/** Today in the tenant's time zone, as YYYY-MM-DD (the API counts by local day). */
export function localToday(timeZone) {
  return new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(
    new Date(),
  );
}

export function addDays(day, days) {
  const moment = new Date(`${day}T12:00:00Z`);
  moment.setUTCDate(moment.getUTCDate() + days);
  return moment.toISOString().slice(0, 10);
}

export function createFilters({ timeZone, onChange }) {
  const from = byId("filter-from");
  const to = byId("filter-to");
  const resolution = byId("filter-resolution");
  const interval = byId("filter-interval");
  const options = byId("filter-categories-options");
  const summary = byId("filter-categories-summary");
  let categories = [];
  let timer = null;

  const today = localToday(timeZone);
  to.value = today;
  to.max = today;
  from.value = addDays(today, -(DEFAULT_DAYS - 1));
  from.max = today;

  function state() {
    const chosen = [...options.querySelectorAll("input:checked")].map((input) => input.value);
    return {
      from: from.value,
      to: to.value,
      categories: chosen,
      resolution: Number(resolution.value),
      interval: interval.value,
    };
  }

  function changed() {
    describeCategories();
    clearTimeout(timer);
    timer = setTimeout(() => onChange(state()), DEBOUNCE_MS);
  }

  function describeCategories() {
    const chosen = state().categories;
    if (!chosen.length) summary.textContent = t("filters.allCategories");
    else if (chosen.length === 1) summary.textContent = categories.find((c) => c.code === chosen[0])?.name ?? chosen[0];
    else summary.textContent = t("filters.someCategories", { count: chosen.length });
  }

  /** The tenant's categories (names in the reader's language); ticked ones stay ticked. */
  function setCategories(items) {
    const ticked = new Set(state().categories);
    categories = items;
    options.querySelectorAll("label").forEach((label) => label.remove());
    for (const category of items) {
      const id = `category-${category.code}`;
      options.append(
        h(
          "label",
          { class: "check", for: id },
          h("input", { type: "checkbox", id, value: category.code, checked: ticked.has(category.code) }),
          category.name,
        ),
      );
    }
    describeCategories();
  }

  for (const input of [from, to, resolution, interval]) input.addEventListener("change", changed);
  options.addEventListener("change", changed);
  byId("filter-categories-all").addEventListener("click", () => {
    options.querySelectorAll("input:checked").forEach((input) => {
      input.checked = false;
    });
    changed();
  });

  return { state, setCategories, describe: describeCategories };
}
