// The outbox (GET …/notifications/outbox): what the local outbox adapter kept instead of sending, newest first,
// recipients masked by the API. A page of 25 at a time ("Show more"); filters by channel, by kind and by alert
// (#outbox?alert=<id>: whom one alert reached). The API pages the whole outbox, so a filtered view reads pages
// until it has 25 matching messages or the outbox ends (at most ten pages a step; "Show more" goes on); matches
// beyond the 25 wait for the next "Show more".
import { tenantPath } from "../shared/api.js";
import { byId, fill, h } from "../shared/dom.js";
import { formatMoment, formatNumber, nameOf, t } from "../shared/i18n.js";
import { languageLabel } from "./composer.js";
import { routeHash } from "./views.js";

export const CHANNELS = ["email", "sms", "push"];
export const KINDS = ["alert", "confirmation", "report_update", "thread_message"];
const PAGE_SIZE = 25;
const FILTERED_PAGE_SIZE = 100;
const MAX_PAGES_PER_STEP = 10;

/** Whether an outbox entry passes the filters ({ channel, kind, alert }, empty = any). */
export function matches(entry, { channel, kind, alert }) {
  return (
    (!channel || entry.channel === channel) && (!kind || entry.kind === kind) && (!alert || entry.alert_id === alert)
  );
}

export function createOutbox({ api, tenant, onError, go }) {
  const channelSelect = byId("outbox-channel");
  const kindSelect = byId("outbox-kind");
  const rows = byId("outbox-rows");
  const more = byId("outbox-more");
  const status = byId("outbox-status");
  const alertFilter = byId("outbox-alert");
  let filters = { channel: "", kind: "", alert: "" };
  let cursor = null;
  let exhausted = false;
  let waiting = []; // matching messages read but not shown yet
  let shown = 0;
  let generation = 0;

  const filtered = () => Boolean(filters.channel || filters.kind || filters.alert);

  function relabel() {
    fill(
      channelSelect,
      h("option", { value: "" }, t("outbox.allChannels")),
      CHANNELS.map((channel) => h("option", { value: channel }, nameOf("channel", channel))),
    );
    fill(
      kindSelect,
      h("option", { value: "" }, t("outbox.allKinds")),
      KINDS.map((kind) => h("option", { value: kind }, nameOf("messageKind", kind))),
    );
    channelSelect.value = filters.channel;
    kindSelect.value = filters.kind;
    describe();
  }

  /** The view with the address's filters (#outbox?channel=email&kind=alert&alert=<id>), from the first page. */
  async function show(params) {
    filters = {
      channel: CHANNELS.includes(params.get("channel")) ? params.get("channel") : "",
      kind: KINDS.includes(params.get("kind")) ? params.get("kind") : "",
      alert: /^[0-9a-z]{20}$/.test(params.get("alert") ?? "") ? params.get("alert") : "",
    };
    channelSelect.value = filters.channel;
    kindSelect.value = filters.kind;
    alertFilter.hidden = !filters.alert;
    byId("outbox-alert-text").textContent = t("outbox.ofAlert");
    cursor = null;
    exhausted = false;
    waiting = [];
    shown = 0;
    fill(rows);
    await step();
  }

  /** Show PAGE_SIZE more matching messages: those read already, then pages until enough match, the outbox
   * ends, or MAX_PAGES_PER_STEP were read. */
  async function step() {
    const current = ++generation;
    more.disabled = true;
    rows.closest("table").setAttribute("aria-busy", "true");
    let found = 0;
    const showFrom = (entries) => {
      const taken = entries.slice(0, PAGE_SIZE - found);
      rows.append(...taken.map(row));
      found += taken.length;
      return entries.slice(taken.length);
    };
    try {
      waiting = showFrom(waiting);
      for (let pages = 0; pages < MAX_PAGES_PER_STEP && found < PAGE_SIZE && !exhausted; pages += 1) {
        const page = await api.get(tenantPath(tenant.id, "notifications", "outbox"), {
          limit: filtered() ? FILTERED_PAGE_SIZE : PAGE_SIZE,
          cursor,
        });
        if (current !== generation) return;
        waiting = showFrom(page.items.filter((entry) => matches(entry, filters)));
        cursor = page.next_cursor;
        exhausted = !cursor;
      }
    } catch (error) {
      onError(error, t("outbox.loading"));
    } finally {
      if (current === generation) {
        rows.closest("table").removeAttribute("aria-busy");
        more.disabled = false;
      }
    }
    if (current !== generation) return;
    shown += found;
    if (!shown) rows.append(h("tr", {}, h("td", { colspan: 7, class: "empty" }, t("outbox.none"))));
    more.hidden = exhausted && !waiting.length;
    describe();
  }

  function describe() {
    const count = t("outbox.count", { count: shown, shown: formatNumber(shown) });
    status.textContent = exhausted && !waiting.length ? `${count} ${t("outbox.end")}` : count;
  }

  function about(entry) {
    if (entry.alert_id) {
      return h("a", { href: routeHash("alerts", { alert: entry.alert_id }) }, t("outbox.alertLink"));
    }
    if (entry.report_id) return t("outbox.report", { id: entry.report_id.slice(0, 8) });
    return "";
  }

  function row(entry) {
    return h(
      "tr",
      { dataset: { channel: entry.channel, kind: entry.kind, alert: entry.alert_id ?? "" } },
      h("td", { class: "nowrap" }, formatMoment(entry.at)),
      h("td", {}, nameOf("channel", entry.channel)),
      h("td", { class: "recipient" }, entry.to),
      h("td", { lang: entry.language }, languageLabel(entry.language)),
      h("td", {}, nameOf("messageKind", entry.kind)),
      h(
        "td",
        {},
        h(
          "details",
          { class: "message" },
          h("summary", { lang: entry.language }, entry.subject),
          h("p", { class: "message-text", lang: entry.language }, entry.text),
        ),
      ),
      h("td", {}, about(entry)),
    );
  }

  function chosen() {
    return { channel: channelSelect.value, kind: kindSelect.value, alert: filters.alert };
  }

  channelSelect.addEventListener("change", () => go("outbox", chosen()));
  kindSelect.addEventListener("change", () => go("outbox", chosen()));
  more.addEventListener("click", () => step());
  byId("outbox-refresh").addEventListener("click", () => go("outbox", chosen()));
  byId("outbox-alert-clear").addEventListener("click", () => go("outbox", { ...chosen(), alert: "" }));

  return { show, relabel };
}
