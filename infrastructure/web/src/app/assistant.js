// The assistant: a conversation in the resident's language. An emergency is answered first and unmistakably (call
// 112, with the button to do it); answers show the force's sources; a matter that can be reported comes with an
// offer that opens the report form, prefilled.
import { tenantPath } from "../shared/api.js";
import { h } from "../shared/dom.js";
import { appLanguage, text } from "./text.js";

const TEXT_MAX = 2000;

function conversationKey(tenant) {
  return `koban.app.${tenant}.conversation`;
}

export function renderAssistant(ctx, module, main) {
  const settings = module.settings;
  const reportModule = ctx.module("report");
  const log = h("ol", { class: "chat", id: "chat", role: "log", "aria-live": "polite", "aria-relevant": "additions" });
  const input = h("textarea", { id: "chat-input", rows: 2, maxlength: TEXT_MAX, placeholder: text("assistant.placeholder") });
  const send = h("button", { type: "submit", class: "primary", id: "chat-send" }, text("assistant.send"));
  const form = h(
    "form",
    { class: "chat-form", id: "chat-form", novalidate: true },
    h("label", { for: input.id, class: "visually-hidden" }, text("assistant.placeholder")),
    input,
    send,
  );

  function say(author, ...content) {
    const item = h("li", { class: `bubble from-${author}` }, ...content);
    log.append(item);
    item.scrollIntoView({ block: "nearest" });
    return item;
  }

  function emergencyBox(number) {
    return h(
      "div",
      { class: "emergency-answer", role: "alert", id: "chat-emergency" },
      h("strong", {}, text("assistant.emergency")),
      h("a", { class: "emergency-call big", href: `tel:${number}` }, text("emergency.call", { number })),
    );
  }

  function answerOf(reply) {
    const parts = [];
    if (reply.emergency) parts.push(emergencyBox(ctx.emergencyNumber()));
    parts.push(h("p", { class: "answer", lang: reply.answer_language }, reply.answer));
    if (settings.show_sources && reply.sources.length) {
      parts.push(
        h(
          "div",
          { class: "sources" },
          h("strong", {}, text("assistant.sources")),
          h(
            "ul",
            {},
            reply.sources.map((source) =>
              h("li", { lang: source.language }, source.url && /^https:\/\//.test(source.url) ? h("a", { href: source.url, rel: "noopener" }, source.title) : source.title),
            ),
          ),
        ),
      );
    }
    if (reply.handoff && !reply.emergency) parts.push(h("p", { class: "muted" }, text("assistant.handoff", { unit: reply.route.unit_name })));
    if (settings.offer_report && reply.report_offer && reportModule && !reply.emergency) {
      const offer = reply.report_offer;
      const open = h("button", { type: "button", class: "primary", id: "chat-report" }, text("assistant.report_this", { category: offer.category_name }));
      open.addEventListener("click", () => {
        ctx.setPrefill({ category: offer.category, description: offer.description });
        ctx.navigate(reportModule.id);
      });
      parts.push(h("div", { class: "offer" }, open));
    }
    return parts;
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const message = input.value.trim();
    if (!message) return;
    say("resident", h("p", {}, message));
    input.value = "";
    if (ctx.preview) {
      say("assistant", h("p", {}, text("preview.not_sent")));
      return;
    }
    send.disabled = true;
    const waiting = say("assistant", h("p", { class: "muted" }, text("assistant.thinking")));
    try {
      const conversation = sessionStorage.getItem(conversationKey(ctx.tenant.id));
      const reply = await ctx.api.post(tenantPath(ctx.tenant.id, "assistant", "messages"), {
        text: message,
        conversation_id: conversation || undefined,
        locale: appLanguage(),
      });
      sessionStorage.setItem(conversationKey(ctx.tenant.id), reply.conversation_id);
      waiting.replaceChildren(...answerOf(reply));
      waiting.dataset.category = reply.category;
      if (reply.emergency) waiting.classList.add("emergency");
    } catch (error) {
      waiting.remove();
      input.value = message;
      ctx.fail(error, text("assistant.asking"));
    } finally {
      send.disabled = false;
      input.focus();
    }
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  main.append(h("h1", { id: "view-title", tabindex: "-1" }, module.title), log, form);
  say("assistant", h("p", {}, settings.welcome));
}
