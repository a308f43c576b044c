// The report module's editor: photos, anonymity and contact, and per category its name, its description and the
// app's own questions (Open311 datatypes) with their conditions: `visible_if` and `required_if` as JSONLogic over
// `answers.<code>`, `category`, `platform` and `locale`, written as JSON and checked by the API as the admin types.
import { h } from "../shared/dom.js";
import { t } from "../shared/i18n.js";
import { checkField, jsonField, numberField, selectField, textField, translatedField } from "./fields.js";
import { getAt, join, setAt } from "./pointer.js";

const TYPES = ["string", "text", "number", "integer", "boolean", "datetime", "singlevaluelist", "multivaluelist"];
const CHOICE_TYPES = new Set(["singlevaluelist", "multivaluelist"]);
const EXAMPLE = '{"==": [{"var": "answers.ongoing"}, true]}';

function button(ed, label, onClick, attributes = {}) {
  const element = h("button", { type: "button", disabled: ed.readOnly, ...attributes }, label);
  element.addEventListener("click", onClick);
  return element;
}

function optionsEditor(ed, at) {
  const options = getAt(ed.doc, at) ?? [];
  return h(
    "fieldset",
    { class: "field options", dataset: { pointer: at } },
    h("legend", {}, t("designer.options")),
    options.map((_, index) =>
      h(
        "div",
        { class: "option-row" },
        textField(ed, join(at, index, "code"), t("designer.optionCode"), { maxlength: 48 }),
        translatedField(ed, join(at, index, "label"), t("designer.optionLabel")),
        button(ed, t("designer.remove"), () => {
          options.splice(index, 1);
          ed.changed({ structure: true });
        }),
      ),
    ),
    button(ed, t("designer.addOption"), () => {
      options.push({ code: `option_${options.length + 1}`, label: {} });
      setAt(ed.doc, at, options);
      ed.changed({ structure: true });
    }),
  );
}

function questionEditor(ed, at, index, questions, facts) {
  const question = questions[index];
  const type = question.type;
  const typeField = selectField(
    ed,
    join(at, "type"),
    t("designer.questionType"),
    TYPES.map((name) => [name, t(`questionType.${name}`)]),
    {
      onChange: (value) => {
        if (CHOICE_TYPES.has(value) && !(question.options ?? []).length) question.options = [{ code: "option_1", label: {} }];
        if (!CHOICE_TYPES.has(value)) question.options = [];
        ed.changed({ structure: true });
      },
    },
  );
  const numeric = type === "number" || type === "integer";
  return h(
    "li",
    { class: "question-editor", dataset: { pointer: at } },
    h(
      "div",
      { class: "question-head" },
      h("strong", {}, question.code),
      h("span", { class: "spacer" }),
      button(ed, "↑", () => move(-1), { class: "icon", "aria-label": t("designer.moveUp"), disabled: ed.readOnly || index === 0 }),
      button(ed, "↓", () => move(1), { class: "icon", "aria-label": t("designer.moveDown"), disabled: ed.readOnly || index === questions.length - 1 }),
      button(ed, t("designer.remove"), () => {
        questions.splice(index, 1);
        ed.changed({ structure: true });
      }),
    ),
    textField(ed, join(at, "code"), t("designer.questionCode"), { maxlength: 48, hint: t("designer.codeHint") }),
    typeField,
    translatedField(ed, join(at, "label"), t("designer.questionLabel")),
    translatedField(ed, join(at, "help"), t("designer.questionHelp"), { optional: true, multiline: true, maxlength: 2000 }),
    checkField(ed, join(at, "required"), t("designer.required")),
    CHOICE_TYPES.has(type) ? optionsEditor(ed, join(at, "options")) : null,
    numeric ? numberField(ed, join(at, "minimum"), t("designer.minimum"), { nullable: true, step: "any" }) : null,
    numeric ? numberField(ed, join(at, "maximum"), t("designer.maximum"), { nullable: true, step: "any" }) : null,
    type === "string" || type === "text" ? numberField(ed, join(at, "max_length"), t("designer.maxLength"), { min: 1, max: 4000 }) : null,
    jsonField(ed, join(at, "visible_if"), t("designer.visibleIf"), { nullable: true, hint: t("designer.conditionHint", { example: EXAMPLE, facts }) }),
    jsonField(ed, join(at, "required_if"), t("designer.requiredIf"), { nullable: true }),
  );

  function move(step) {
    [questions[index], questions[index + step]] = [questions[index + step], questions[index]];
    ed.changed({ structure: true });
  }
}

function categoryEditor(ed, at, index, categories) {
  const own = categories[index];
  const taxonomy = ed.categories.find((category) => category.code === own.code);
  const questionsAt = join(at, "questions");
  const questions = own.questions ?? (own.questions = []);
  const inherited = own.include_tenant_questions === false ? [] : (taxonomy?.questions ?? []);
  const codes = [...inherited.map((question) => question.code), ...questions.map((question) => question.code)];
  const facts = [...new Set(codes)].map((code) => `answers.${code}`).concat(["category", "platform", "locale"]).join(", ");
  const addQuestion = button(ed, t("designer.addQuestion"), () => {
    let number = questions.length + 1;
    while (codes.includes(`question_${number}`)) number += 1;
    questions.push({ code: `question_${number}`, type: "string", label: {}, required: false, options: [] });
    ed.changed({ structure: true });
  });
  return h(
    "li",
    { class: "category-editor", dataset: { pointer: at, category: own.code } },
    h(
      "details",
      { open: questions.length > 0, dataset: { key: `category:${own.code}` } },
      h(
        "summary",
        {},
        h("strong", {}, taxonomy?.name ?? own.code),
        h("span", { class: "muted" }, ` · ${own.code} · ${t("designer.ownQuestions", { count: questions.length })}`),
      ),
      translatedField(ed, join(at, "name"), t("designer.categoryName"), { optional: true }),
      translatedField(ed, join(at, "description"), t("designer.categoryDescription"), { optional: true, multiline: true, maxlength: 2000 }),
      checkField(ed, join(at, "include_tenant_questions"), t("designer.includeTaxonomy")),
      inherited.length
        ? h(
            "p",
            { class: "muted small" },
            t("designer.taxonomyQuestions"),
            " ",
            inherited.map((question) => `${question.code} (${question.type}${question.required ? ", " + t("designer.required").toLowerCase() : ""})`).join(", "),
          )
        : null,
      h("ol", { class: "questions", dataset: { pointer: questionsAt } }, questions.map((_, position) => questionEditor(ed, join(questionsAt, position), position, questions, facts))),
      h(
        "div",
        { class: "row" },
        addQuestion,
        button(ed, t("designer.removeCategory"), () => {
          categories.splice(index, 1);
          ed.changed({ structure: true });
        }),
      ),
    ),
  );
}

/** The report module's settings at `at`. */
export function reportEditor(ed, at) {
  const settings = getAt(ed.doc, at);
  const categories = settings.categories ?? (settings.categories = []);
  const listed = new Set(categories.map((category) => category.code));
  const addable = ed.categories.filter((category) => !listed.has(category.code));
  const choice = h("select", { id: "add-category", disabled: ed.readOnly }, addable.map((category) => h("option", { value: category.code }, category.name)));
  const add = button(ed, t("designer.addCategory"), () => {
    if (!choice.value) return;
    categories.push({ code: choice.value, include_tenant_questions: true, questions: [] });
    ed.changed({ structure: true });
  });
  const categoriesAt = join(at, "categories");
  return h(
    "div",
    { class: "report-editor" },
    numberField(ed, join(at, "photos"), t("designer.photos"), { min: 0, max: 5 }),
    checkField(ed, join(at, "anonymous"), t("designer.anonymous")),
    checkField(ed, join(at, "ask_contact"), t("designer.askContact")),
    checkField(ed, join(at, "location_required"), t("designer.locationRequired")),
    h("h3", {}, t("designer.categories")),
    h("ol", { class: "categories", dataset: { pointer: categoriesAt } }, categories.map((_, index) => categoryEditor(ed, join(categoriesAt, index), index, categories))),
    addable.length ? h("div", { class: "row" }, h("label", { for: "add-category" }, t("designer.category")), choice, add) : null,
  );
}
