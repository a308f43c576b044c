// The report module: a category, what happened, the category's questions (conditional ones shown while their
// rule holds), the place, when, photos and, if the resident wants, contact details. The report goes through the
// outbox (outbox.js): sent at once when there is a network, kept on the device and sent later when there is not.
import { h } from "../shared/dom.js";
import { createQuestionList, isoWithOffset } from "./forms.js";
import { createPlacePicker } from "./location.js";
import { keepReport, trackingCode } from "./mine.js";
import { appLanguage, text } from "./text.js";

const MAX_PHOTO_BYTES = 4 * 1024 * 1024;
const PHOTO_TYPES = ["image/jpeg", "image/png", "image/webp"];
const DESCRIPTION_MAX = 4000;

function field(id, label, control, { help, required } = {}) {
  const helpId = help ? `${id}-help` : null;
  control.setAttribute("aria-describedby", [helpId, `${id}-error`].filter(Boolean).join(" "));
  if (required) control.setAttribute("aria-required", "true");
  return h(
    "div",
    { class: "field" },
    h("label", { for: id, class: "label" }, label, " ", h("span", { class: "required-mark" }, `(${text(required ? "form.required" : "form.optional")})`)),
    help ? h("p", { class: "help", id: helpId }, help) : null,
    control,
    h("p", { class: "field-error", id: `${id}-error`, hidden: true }),
  );
}

function setError(id, message) {
  const error = document.getElementById(`${id}-error`);
  const control = document.getElementById(id);
  if (error) {
    error.textContent = message ?? "";
    error.hidden = !message;
  }
  control?.setAttribute("aria-invalid", String(Boolean(message)));
}

/** The receipt of a report the API took: thanks, and the tracking code to keep. */
export function receiptView(ctx, receipt, trackingModule) {
  const code = trackingCode(receipt.id, receipt.tracking_token);
  const output = h("output", { class: "tracking-code", id: "tracking-code" }, code);
  const copy = h("button", { type: "button" }, text("report.copy_code"));
  copy.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(code);
      ctx.toast(text("report.code_copied"));
    } catch {
      window.getSelection()?.selectAllChildren(output);
    }
  });
  return h(
    "section",
    { class: "receipt card", "aria-labelledby": "receipt-title" },
    h("h2", { id: "receipt-title", tabindex: "-1" }, text("report.sent")),
    h("p", {}, text("report.tracking_code")),
    h("p", {}, output, " ", copy),
    h("p", { class: "help" }, text("report.code_help")),
    trackingModule ? h("a", { class: "button primary", href: ctx.href(trackingModule.id, receipt.id) }, text("report.follow")) : null,
  );
}

export function renderReport(ctx, module, main) {
  const settings = module.settings;
  const categories = settings.categories ?? [];
  const prefill = ctx.takePrefill();
  const tracking = ctx.module("tracking");
  let questions = null;
  const photos = [];

  const categorySelect = h(
    "select",
    { id: "report-category", required: true },
    h("option", { value: "" }, text("form.choose")),
    categories.map((category) => h("option", { value: category.code }, category.name)),
  );
  const categoryHelp = h("p", { class: "help", id: "report-category-description", "aria-live": "polite" });
  const description = h("textarea", { id: "report-description", rows: 5, maxlength: DESCRIPTION_MAX, required: true });
  const questionBox = h("div", { class: "questions", id: "report-questions" });
  const place = createPlacePicker(ctx.tenant, {
    idPrefix: "report-place",
    legend: text("report.location"),
    help: text("place.help"),
  });
  const address = h("input", { id: "report-address", type: "text", maxlength: 300, autocomplete: "street-address" });
  const occurred = h("input", { id: "report-occurred", type: "datetime-local" });
  const photoInput = h("input", { id: "report-photos", type: "file", accept: PHOTO_TYPES.join(","), multiple: true });
  const photoList = h("ul", { class: "photo-list", id: "report-photo-list" });
  const status = h("div", { class: "form-status", role: "status", "aria-live": "polite" });

  function currentCategory() {
    return categories.find((category) => category.code === categorySelect.value) ?? null;
  }

  function showQuestions() {
    const category = currentCategory();
    categoryHelp.textContent = category?.description ?? "";
    questionBox.replaceChildren();
    questions = null;
    if (!category) return;
    if (category.sensitive) questionBox.append(h("p", { class: "notice" }, text("report.sensitive")));
    questions = createQuestionList(questionBox, category.questions, {
      idPrefix: "q",
      facts: () => ({ category: category.code, platform: "web", locale: appLanguage() }),
    });
  }
  categorySelect.addEventListener("change", showQuestions);

  function showPhotos() {
    photoList.replaceChildren(
      ...photos.map((photo, index) => {
        const remove = h("button", { type: "button", class: "link" }, text("report.remove_photo"));
        remove.addEventListener("click", () => {
          photos.splice(index, 1);
          showPhotos();
        });
        const preview = h("img", { src: URL.createObjectURL(photo), alt: "", width: 72, height: 72 });
        return h("li", {}, preview, h("span", {}, photo.name), remove);
      }),
    );
  }
  photoInput.addEventListener("change", () => {
    const problems = [];
    for (const file of photoInput.files) {
      if (photos.length >= settings.photos) problems.push(text("report.too_many_photos", { count: settings.photos }));
      else if (!PHOTO_TYPES.includes(file.type)) problems.push(text("report.photo_type", { name: file.name }));
      else if (file.size > MAX_PHOTO_BYTES) problems.push(text("report.photo_size", { name: file.name }));
      else photos.push(file);
    }
    photoInput.value = "";
    setError("report-photos", problems.join(" ") || null);
    showPhotos();
  });

  // Contact details: optional when the force allows anonymous reports, and only with the resident's consent.
  const contact = settings.ask_contact || !settings.anonymous ? contactFields(settings) : null;

  const submit = h("button", { type: "submit", class: "primary", id: "report-submit" }, text("report.submit"));
  const form = h(
    "form",
    { id: "report-form", class: "app-form", novalidate: true },
    field("report-category", text("report.category"), categorySelect, { required: true }),
    categoryHelp,
    field("report-description", text("report.description"), description, { required: true }),
    questionBox,
    place.element,
    field("report-address", text("report.address"), address, { help: text("report.address_help") }),
    field("report-occurred", text("report.occurred_at"), occurred),
    settings.photos > 0
      ? field("report-photos", text("report.photos"), photoInput, { help: text("report.photos_help", { count: settings.photos }) })
      : null,
    settings.photos > 0 ? photoList : null,
    contact?.element,
    h("p", { class: "form-summary", id: "report-summary", role: "alert", hidden: true }),
    h("div", { class: "form-actions" }, submit),
    status,
  );
  if (settings.location_required) {
    place.element.querySelector("legend").append(" ", h("span", { class: "required-mark" }, `(${text("form.required")})`));
  }

  function validate() {
    const problems = [];
    const category = currentCategory();
    setError("report-category", category ? null : text("form.answer_needed"));
    if (!category) problems.push(() => categorySelect.focus());
    const words = description.value.trim();
    setError("report-description", words ? null : text("form.answer_needed"));
    if (!words) problems.push(() => description.focus());
    const firstQuestion = questions?.validate();
    if (firstQuestion) problems.push(firstQuestion);
    if (settings.location_required && !place.value()) {
      place.showError(text("place.needed"));
      problems.push(() => place.focus());
    }
    const contactProblem = contact?.validate();
    if (contactProblem) problems.push(contactProblem);
    return problems;
  }

  function body() {
    const category = currentCategory();
    const point = place.value();
    const report = {
      category: category.code,
      description: description.value.trim(),
      channel: "app",
      locale: appLanguage(),
      answers: questions ? questions.answers() : {},
    };
    if (point) report.location = { lat: Number(point.lat.toFixed(6)), lon: Number(point.lon.toFixed(6)) };
    if (address.value.trim()) report.address = address.value.trim();
    if (occurred.value) report.occurred_at = isoWithOffset(occurred.value);
    const details = contact?.value();
    if (details) report.contact = details;
    return report;
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const summary = document.getElementById("report-summary");
    const problems = validate();
    summary.hidden = !problems.length;
    summary.textContent = problems.length ? text("form.invalid") : "";
    if (problems.length) {
      problems[0]();
      return;
    }
    if (ctx.preview) {
      status.textContent = text("preview.not_sent");
      return;
    }
    submit.disabled = true;
    status.textContent = text("report.sending");
    const category = currentCategory();
    try {
      const record = await ctx.outbox.add(body(), [...photos], category.name);
      const sent = await ctx.outbox.flush();
      const mine = sent.find((item) => item.key === record.key);
      if (mine) {
        keepReport(ctx.tenant.id, {
          id: mine.receipt.id,
          token: mine.receipt.tracking_token,
          category: category.name,
          received_at: mine.receipt.received_at,
        });
        main.replaceChildren(receiptView(ctx, mine.receipt, tracking));
        main.querySelector("#receipt-title").focus();
        return;
      }
      const kept = (await ctx.outbox.records()).find((item) => item.key === record.key);
      if (kept?.state === "refused") {
        ctx.fail(kept.problem, text("report.refused"));
        await ctx.outbox.discard(kept.key);
        submit.disabled = false;
        status.textContent = "";
        return;
      }
      main.replaceChildren(
        h(
          "section",
          { class: "receipt card", "aria-labelledby": "queued-title" },
          h("h2", { id: "queued-title", tabindex: "-1" }, text("report.queued")),
          h("p", {}, text("report.queued_help")),
        ),
      );
      main.querySelector("#queued-title").focus();
    } catch (error) {
      submit.disabled = false;
      status.textContent = "";
      ctx.fail(error, text("report.refused"));
    }
  });

  main.append(
    h("h1", { id: "view-title", tabindex: "-1" }, module.title),
    ...(ctx.preview ? [] : [h("p", { class: "lead" }, text("report.intro"))]), // DOM's append writes a null as "null"
    form,
  );
  place.start();
  if (prefill) {
    if (categories.some((category) => category.code === prefill.category)) {
      categorySelect.value = prefill.category;
      showQuestions();
    }
    description.value = prefill.description ?? "";
  }
  return () => place.destroy();
}

/** Name, e-mail, phone and the consent to be contacted; `anonymous` when the force allows reports without them. */
function contactFields(settings) {
  const anonymous = h("input", { id: "report-anonymous", type: "checkbox", checked: settings.anonymous });
  const name = h("input", { id: "contact-name", type: "text", maxlength: 120, autocomplete: "name" });
  const email = h("input", { id: "contact-email", type: "email", maxlength: 254, autocomplete: "email" });
  const phone = h("input", { id: "contact-phone", type: "tel", maxlength: 20, autocomplete: "tel" });
  const consent = h("input", { id: "contact-consent", type: "checkbox", "aria-describedby": "contact-consent-error" });
  const details = h(
    "div",
    { class: "contact-details", id: "contact-details" },
    field("contact-name", text("contact.name"), name),
    field("contact-email", text("contact.email"), email),
    field("contact-phone", text("contact.phone"), phone),
    h("label", { class: "check" }, consent, h("span", {}, text("contact.consent"))),
    h("p", { class: "field-error", id: "contact-consent-error", hidden: true }),
  );
  const sync = () => {
    details.hidden = settings.anonymous && anonymous.checked;
  };
  anonymous.addEventListener("change", sync);
  sync();
  const element = h(
    "fieldset",
    { class: "contact" },
    h("legend", {}, text("report.contact")),
    settings.anonymous ? h("label", { class: "check" }, anonymous, h("span", {}, text("report.anonymous"))) : null,
    details,
  );

  function given() {
    return !details.hidden;
  }

  function validate() {
    if (!given()) return null;
    let first = null;
    const emailOk = !email.value.trim() || /^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$/.test(email.value.trim());
    const phoneOk = !phone.value.trim() || /^\+?[0-9][0-9 ()-]{5,19}$/.test(phone.value.trim());
    setError("contact-email", emailOk ? null : text("contact.email_invalid"));
    setError("contact-phone", phoneOk ? null : text("contact.phone_invalid"));
    if (!emailOk) first ??= () => email.focus();
    if (!phoneOk) first ??= () => phone.focus();
    const reachable = email.value.trim() || phone.value.trim();
    if (!reachable) {
      setError("contact-email", text("contact.one_needed"));
      first ??= () => email.focus();
    }
    setError("contact-consent", consent.checked ? null : text("contact.consent_needed"));
    if (!consent.checked) first ??= () => consent.focus();
    return first;
  }

  function value() {
    if (!given()) return null;
    return {
      name: name.value.trim() || null,
      email: email.value.trim() || null,
      phone: phone.value.trim() || null,
      consent: consent.checked,
      preferred_language: appLanguage(),
    };
  }

  return { element, validate, value };
}
