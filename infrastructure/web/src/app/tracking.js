// Track my report: with the tracking code alone (the reporter stays anonymous), the report's status, the notes the
// team wrote for the reporter, the private thread with the neighbourhood team (read and answer), what was sent about
// it, and following it by e-mail, SMS or web push (with explicit consent; e-mail and SMS confirmed by a code).
import { tenantPath } from "../shared/api.js";
import { h } from "../shared/dom.js";
import { formatMoment } from "../shared/i18n.js";
import { forgetReport, keepReport, myReports, parseTrackingCode, tokenOf } from "./mine.js";
import { confirmationStep, createChannelFields, subscribeFailure } from "./subscribe.js";
import { text } from "./text.js";

const MESSAGE_MAX = 2000;

/** A titled section of the view, its heading naming it for assistive technology. */
function card(titleId, title, help, ...content) {
  return h(
    "section",
    { class: "card", "aria-labelledby": titleId },
    h("h2", { id: titleId }, title),
    help ? h("p", { class: "help" }, help) : null,
    ...content,
  );
}

function when(moment) {
  return h("time", { datetime: moment }, formatMoment(moment));
}

/** The token in an unsubscribe link (#unsubscribe=<token> or ?token=<token>), or null. */
export function unsubscribeToken(link) {
  try {
    const url = new URL(link, window.location.origin);
    const fragment = new URLSearchParams(url.hash.replace(/^#/, ""));
    return fragment.get("unsubscribe") || url.searchParams.get("token");
  } catch {
    return null;
  }
}

function codeForm(ctx, module) {
  const input = h("input", {
    id: "tracking-code-input",
    type: "text",
    autocomplete: "off",
    spellcheck: "false",
    "aria-describedby": "tracking-code-input-error",
  });
  const error = h("p", { class: "field-error", id: "tracking-code-input-error", hidden: true });
  const form = h(
    "form",
    { class: "app-form", id: "tracking-form", novalidate: true },
    h("div", { class: "field" }, h("label", { for: input.id, class: "label" }, text("tracking.enter_code")), input, error),
    h("button", { type: "submit", class: "primary" }, text("tracking.open")),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const parsed = parseTrackingCode(input.value);
    error.hidden = Boolean(parsed);
    error.textContent = parsed ? "" : text("tracking.code_invalid");
    input.setAttribute("aria-invalid", String(!parsed));
    if (!parsed) {
      input.focus();
      return;
    }
    keepReport(ctx.tenant.id, { id: parsed.id, token: parsed.token, category: null, received_at: null });
    ctx.navigate(module.id, parsed.id);
  });
  return form;
}

function listOfMine(ctx, module) {
  const reports = myReports(ctx.tenant.id);
  if (!reports.length) return null;
  return h(
    "section",
    { class: "card", "aria-labelledby": "my-reports-title" },
    h("h2", { id: "my-reports-title" }, text("tracking.mine")),
    h(
      "ul",
      { class: "link-list", id: "my-reports" },
      reports.map((report) =>
        h(
          "li",
          {},
          h(
            "a",
            { href: ctx.href(module.id, report.id), dataset: { report: report.id } },
            report.category ?? text("tracking.report"),
            report.received_at ? h("span", { class: "muted" }, " · ", when(report.received_at)) : null,
          ),
        ),
      ),
    ),
  );
}

/** Reports kept on this device that the API does not have yet: waiting for a network, or refused. */
function waitingList(ctx) {
  const list = h("ul", { class: "link-list", id: "waiting" });
  const section = h(
    "section",
    { class: "card", "aria-labelledby": "waiting-title", hidden: true },
    h("h2", { id: "waiting-title" }, text("tracking.waiting")),
    list,
  );
  if (!ctx.outbox) return section;
  ctx.outbox.records().then((records) => {
    section.hidden = !records.length;
    list.replaceChildren(
      ...records.map((record) => {
        const discard = h("button", { type: "button", class: "link" }, text("tracking.discard"));
        discard.addEventListener("click", async () => {
          await ctx.outbox.discard(record.key);
          item.remove();
        });
        const state = record.state === "refused" ? text("tracking.refused") : text("tracking.queued");
        const reasons = (record.problem?.errors ?? []).map((error) => `${error.field}: ${error.message}`).join("; ");
        const item = h(
          "li",
          { dataset: { outbox: record.key, state: record.state } },
          h("strong", {}, record.label ?? record.body.category),
          h("span", { class: "muted" }, " · ", when(record.created_at), " · ", state),
          reasons ? h("p", { class: "field-error" }, reasons) : null,
          " ",
          discard,
        );
        return item;
      }),
    );
  });
  return section;
}

export function renderTracking(ctx, module, main, [reportId] = []) {
  main.append(h("h1", { id: "view-title", tabindex: "-1" }, module.title));
  if (!reportId) {
    main.append(codeForm(ctx, module), listOfMine(ctx, module) ?? "", waitingList(ctx));
    return;
  }
  const token = tokenOf(ctx.tenant.id, reportId);
  if (!token) {
    main.append(h("p", { class: "notice" }, text("tracking.code_needed")), codeForm(ctx, module));
    return;
  }
  const view = createReportView(ctx, module, reportId, token);
  main.append(view.element);
  view.load();
}

function createReportView(ctx, module, reportId, token) {
  const settings = module.settings;
  const headers = { "X-Tracking-Token": token };
  const path = (...rest) => tenantPath(ctx.tenant.id, "reports", reportId, ...rest);
  const call = (method, rest, body) => ctx.api.send(method, path(...rest), { headers, body }).then((r) => r.data);
  const summary = h("section", { class: "card report-summary", id: "report-status", "aria-live": "polite" });
  const thread = h("ol", { class: "thread", id: "thread", "aria-live": "polite" });
  const sentList = h("ul", { class: "sent-list", id: "sent" });
  const followList = h("ul", { class: "follow-list", id: "subscriptions" });
  const followArea = h("div", { id: "follow" });
  let notifications = [];

  const answer = h("textarea", { id: "thread-answer", rows: 3, maxlength: MESSAGE_MAX });
  const answerButton = h("button", { type: "submit", class: "primary" }, text("thread.send"));
  const answerForm = h(
    "form",
    { class: "app-form", id: "thread-form", novalidate: true },
    h("div", { class: "field" }, h("label", { for: answer.id, class: "label" }, text("thread.answer")), answer),
    answerButton,
  );
  answerForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!answer.value.trim() || ctx.preview) return;
    answerButton.disabled = true;
    try {
      await call("POST", ["messages"], { text: answer.value.trim() });
      answer.value = "";
      ctx.toast(text("thread.sent"));
      await loadThread();
    } catch (error) {
      ctx.fail(error, text("thread.sending"));
    } finally {
      answerButton.disabled = false;
    }
  });

  const forget = h("button", { type: "button", class: "link" }, text("tracking.forget"));
  forget.addEventListener("click", () => {
    forgetReport(ctx.tenant.id, reportId);
    ctx.navigate(module.id);
  });

  const element = h(
    "div",
    { class: "tracking" },
    summary,
    card("thread-title", text("thread.title"), text("thread.help"), thread, answerForm),
    card("follow-title", text("follow.title"), text("follow.help"), followList, followArea, h("h3", {}, text("follow.sent")), sentList),
    h("p", {}, forget),
  );

  async function loadSummary() {
    const report = await call("GET", []);
    const notes = settings.show_notes ? report.notes : [];
    summary.replaceChildren(
      h("h2", {}, report.category.name),
      h(
        "dl",
        { class: "facts" },
        h("dt", {}, text("tracking.status")),
        h("dd", {}, h("span", { class: `status status-${report.status}`, id: "report-status-label" }, report.status_label)),
        h("dt", {}, text("tracking.received")),
        h("dd", {}, when(report.received_at)),
        settings.show_expected_response ? h("dt", {}, text("tracking.expected_response")) : null,
        settings.show_expected_response ? h("dd", {}, when(report.expected_response_at)) : null,
      ),
      notes.length
        ? h(
            "ol",
            { class: "notes", id: "notes" },
            notes.map((note) =>
              h("li", {}, h("p", { class: "muted" }, when(note.at), note.status_label ? ` · ${note.status_label}` : ""), h("p", {}, note.note)),
            ),
          )
        : null,
    );
    keepReport(ctx.tenant.id, { id: report.id, token, category: report.category.name, received_at: report.received_at });
  }

  async function loadThread() {
    const reply = await call("GET", ["messages"]);
    thread.replaceChildren(
      ...(reply.items.length
        ? reply.items.map((message) =>
            h(
              "li",
              { class: `message from-${message.author}`, dataset: { message: message.id } },
              h("p", { class: "muted" }, text(message.author === "staff" ? "thread.team" : "thread.you"), " · ", when(message.at)),
              h("p", { class: "message-text" }, message.text ?? ""),
            ),
          )
        : [h("li", { class: "empty" }, text("thread.empty"))]),
    );
  }

  async function loadFollowing() {
    const [subscriptions, sent] = await Promise.all([call("GET", ["subscriptions"]), call("GET", ["notifications"])]);
    notifications = sent.items;
    sentList.replaceChildren(
      ...(notifications.length
        ? notifications.map((item) =>
            h(
              "li",
              { dataset: { kind: item.kind } },
              h("strong", {}, item.subject),
              h("span", { class: "muted" }, " · ", text(`channel.${item.channel}`), " · ", when(item.at)),
            ),
          )
        : [h("li", { class: "empty" }, text("follow.nothing_sent"))]),
    );
    followList.replaceChildren(...subscriptions.items.map(subscriptionItem));
    followArea.replaceChildren(followForm());
  }

  /** The newest unsubscribe token a message of `subscription` carried (only active ones get messages). */
  function tokenFor(subscription) {
    const carrying = notifications.find((item) => item.subscription_id === subscription.id && item.unsubscribe_url);
    return carrying ? unsubscribeToken(carrying.unsubscribe_url) : null;
  }

  function subscriptionItem(subscription) {
    const label = h("span", {}, text(`channel.${subscription.channel}`), " · ", subscription.to, " · ");
    const state = h("span", { class: `badge ${subscription.status === "active" ? "ok" : "warn"}` }, text(`follow.${subscription.status}`));
    const item = h("li", { dataset: { subscription: subscription.id, status: subscription.status } }, label, state);
    if (subscription.status === "pending") {
      item.append(
        confirmationStep(ctx, subscription, {
          idPrefix: `confirm-${subscription.id}`,
          onConfirmed: () => {
            ctx.toast(text("follow.confirmed"));
            loadFollowing();
          },
        }),
      );
      return item;
    }
    const unsubscribe = tokenFor(subscription);
    if (unsubscribe) {
      const stop = h("button", { type: "button", class: "link" }, text("follow.stop"));
      stop.addEventListener("click", async () => {
        stop.disabled = true;
        try {
          await ctx.unsubscribe(unsubscribe);
          await loadFollowing();
        } catch (error) {
          stop.disabled = false;
          ctx.fail(error, text("follow.stopping"));
        }
      });
      item.append(" ", stop);
    } else {
      item.append(h("p", { class: "help" }, text("follow.stop_later")));
    }
    return item;
  }

  function followForm() {
    const fields = createChannelFields(ctx, { idPrefix: "follow" });
    const button = h("button", { type: "submit", class: "primary" }, text("follow.start"));
    const form = h("form", { class: "app-form", id: "follow-form", novalidate: true }, fields.element, button);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const problem = fields.validate();
      if (problem) {
        problem();
        return;
      }
      if (ctx.preview) return;
      button.disabled = true;
      try {
        const created = await call("POST", ["subscriptions"], await fields.body());
        ctx.toast(text(created.status === "active" ? "follow.active_now" : "follow.code_on_its_way"));
        await loadFollowing();
        document.querySelector(`[data-subscription="${created.id}"] input, [data-subscription="${created.id}"]`)?.focus();
      } catch (error) {
        button.disabled = false;
        subscribeFailure(ctx, error, text("follow.starting"));
      }
    });
    return form;
  }

  async function load() {
    const results = await Promise.allSettled([loadSummary(), loadThread(), loadFollowing()]);
    const failed = results.find((result) => result.status === "rejected");
    if (failed) ctx.fail(failed.reason, text("tracking.loading"));
  }

  return { element, load };
}
