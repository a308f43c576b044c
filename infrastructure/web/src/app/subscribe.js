// How a resident chooses to hear from the police, without an account: e-mail, SMS or web push, in a language, with
// their explicit consent (a box they tick; never ticked for them). E-mail and SMS are double opt-in: a six-digit
// code goes to the address and the subscription starts only when it comes back (confirmationStep).
import { tenantPath } from "../shared/api.js";
import { h } from "../shared/dom.js";
import { LANGUAGES, languageName } from "../shared/i18n.js";
import { PushUnavailable, pushSubscription, pushSupported } from "./push.js";
import { appLanguage, text } from "./text.js";

const CHANNELS = ["email", "sms", "push"];

function fieldError(id) {
  return h("p", { class: "field-error", id: `${id}-error`, hidden: true });
}

function showFieldError(element, message) {
  const error = document.getElementById(`${element.id}-error`);
  error.textContent = message ?? "";
  error.hidden = !message;
  element.setAttribute("aria-invalid", String(Boolean(message)));
}

/**
 * The channel, address, language and consent fields. Returns { element, validate() → focus function of the first
 * problem or null, body() → the common part of a subscription request (asks the browser for push when chosen) }.
 */
export function createChannelFields(ctx, { idPrefix }) {
  const choices = CHANNELS.filter((channel) => channel !== "push" || pushSupported());
  const radios = choices.map((channel, index) =>
    h(
      "label",
      { class: "choice" },
      h("input", { type: "radio", name: `${idPrefix}-channel`, value: channel, checked: index === 0 }),
      h("span", {}, text(`channel.${channel}`)),
    ),
  );
  const channelGroup = h(
    "fieldset",
    { class: "choices", id: `${idPrefix}-channel` },
    h("legend", { class: "label" }, text("subscribe.channel")),
    radios,
  );
  const email = h("input", { id: `${idPrefix}-email`, type: "email", maxlength: 254, autocomplete: "email" });
  const phone = h("input", {
    id: `${idPrefix}-phone`,
    type: "tel",
    maxlength: 16,
    autocomplete: "tel",
    placeholder: "+31612345678",
    "aria-describedby": `${idPrefix}-phone-help ${idPrefix}-phone-error`,
  });
  email.setAttribute("aria-describedby", `${idPrefix}-email-error`);
  const spoken = ctx.config.languages.filter((code) => LANGUAGES.includes(code));
  const language = h(
    "select",
    { id: `${idPrefix}-language` },
    (spoken.length ? spoken : ["en"]).map((code) => h("option", { value: code, lang: code }, languageName(code))),
  );
  language.value = spoken.includes(appLanguage()) ? appLanguage() : (spoken[0] ?? "en");
  const consent = h("input", { id: `${idPrefix}-consent`, type: "checkbox", "aria-describedby": `${idPrefix}-consent-error` });
  const emailField = h("div", { class: "field" }, h("label", { for: email.id, class: "label" }, text("contact.email")), email, fieldError(email.id));
  const phoneField = h(
    "div",
    { class: "field" },
    h("label", { for: phone.id, class: "label" }, text("contact.phone")),
    h("p", { class: "help", id: `${idPrefix}-phone-help` }, text("subscribe.phone_help")),
    phone,
    fieldError(phone.id),
  );
  const pushNote = h("p", { class: "help" }, text("subscribe.push_help"));

  const channel = () => radios.map((label) => label.querySelector("input")).find((input) => input.checked)?.value;
  const sync = () => {
    emailField.hidden = channel() !== "email";
    phoneField.hidden = channel() !== "sms";
    pushNote.hidden = channel() !== "push";
  };
  channelGroup.addEventListener("change", sync);
  sync();

  const element = h(
    "div",
    { class: "channel-fields" },
    channelGroup,
    emailField,
    phoneField,
    pushNote,
    h("div", { class: "field" }, h("label", { for: language.id, class: "label" }, text("subscribe.language")), language),
    h("label", { class: "check" }, consent, h("span", {}, text("subscribe.consent"))),
    fieldError(consent.id),
  );

  function validate() {
    let first = null;
    const chosen = channel();
    const emailOk = chosen !== "email" || /^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$/.test(email.value.trim());
    const phoneOk = chosen !== "sms" || /^\+[1-9][0-9]{6,14}$/.test(phone.value.replace(/[\s()-]/g, ""));
    showFieldError(email, emailOk ? null : text("contact.email_invalid"));
    showFieldError(phone, phoneOk ? null : text("subscribe.phone_invalid"));
    showFieldError(consent, consent.checked ? null : text("subscribe.consent_needed"));
    if (!emailOk) first ??= () => email.focus();
    if (!phoneOk) first ??= () => phone.focus();
    if (!consent.checked) first ??= () => consent.focus();
    return first;
  }

  async function body() {
    const chosen = channel();
    const request = { channel: chosen, language: language.value, consent: consent.checked };
    if (chosen === "email") request.email = email.value.trim();
    if (chosen === "sms") request.phone = phone.value.replace(/[\s()-]/g, "");
    if (chosen === "push") request.push = await pushSubscription(ctx.api, ctx.tenant.id);
    return request;
  }

  return { element, validate, body };
}

/** The text for a failure to subscribe: the browser's push reasons, or the API's. */
export function subscribeFailure(ctx, error, context) {
  if (error instanceof PushUnavailable) ctx.toast(text(error.message));
  else ctx.fail(error, context);
}

/**
 * The double opt-in step of a pending subscription: the code sent to the address. `onConfirmed(subscription)`
 * is told when the API accepts it.
 */
export function confirmationStep(ctx, subscription, { idPrefix, onConfirmed }) {
  const code = h("input", {
    id: `${idPrefix}-code`,
    type: "text",
    inputmode: "numeric",
    autocomplete: "one-time-code",
    pattern: "[0-9]{6}",
    maxlength: 6,
    "aria-describedby": `${idPrefix}-code-help ${idPrefix}-code-error`,
  });
  const button = h("button", { type: "submit", class: "primary" }, text("subscribe.confirm"));
  const form = h(
    "form",
    { class: "confirm-step", id: `${idPrefix}-confirm`, novalidate: true, dataset: { subscription: subscription.id } },
    h("p", { id: `${idPrefix}-code-help` }, text("subscribe.code_sent", { to: subscription.to })),
    h("div", { class: "field" }, h("label", { for: code.id, class: "label" }, text("subscribe.code")), code, fieldError(code.id)),
    button,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const value = code.value.trim();
    if (!/^[0-9]{6}$/.test(value)) {
      showFieldError(code, text("subscribe.code_invalid"));
      code.focus();
      return;
    }
    button.disabled = true;
    try {
      const confirmed = await ctx.api.post(tenantPath(ctx.tenant.id, "subscriptions", subscription.id, "confirmation"), {
        code: value,
      });
      showFieldError(code, null);
      onConfirmed(confirmed);
    } catch (error) {
      button.disabled = false;
      const reason = error.problem?.errors?.find((item) => item.field === "code")?.message;
      showFieldError(code, reason ?? null);
      if (!reason) ctx.fail(error, text("subscribe.confirming"));
      code.focus();
    }
  });
  return form;
}
