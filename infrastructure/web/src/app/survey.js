// The trust and satisfaction survey: the force's questions, conditional ones shown while their rule holds, checked
// as the resident answers. The API has no route for survey answers yet (the capability scorecard's trust indicator
// waits for one too), so the app says that plainly instead of pretending to send them.
import { h } from "../shared/dom.js";
import { createQuestionList } from "./forms.js";
import { appLanguage, text } from "./text.js";

export function renderSurvey(ctx, module, main) {
  const settings = module.settings;
  const box = h("div", { class: "questions", id: "survey-questions" });
  const submit = h("button", { type: "submit", class: "primary", id: "survey-submit", disabled: true }, text("survey.submit"));
  const summary = h("p", { class: "form-summary", id: "survey-summary", role: "alert", hidden: true });
  const form = h(
    "form",
    { class: "app-form", id: "survey-form", novalidate: true, "aria-describedby": "survey-not-yet" },
    box,
    summary,
    h("p", { class: "notice", id: "survey-not-yet" }, text("survey.not_yet")),
    submit,
  );
  main.append(
    h("h1", { id: "view-title", tabindex: "-1" }, module.title),
    h("p", { class: "lead" }, settings.introduction),
    form,
  );
  const questions = createQuestionList(box, settings.questions ?? [], {
    idPrefix: "survey",
    facts: () => ({ platform: "web", locale: appLanguage() }),
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const first = questions.validate();
    summary.hidden = !first;
    summary.textContent = first ? text("form.invalid") : "";
    if (first) first();
  });
}
