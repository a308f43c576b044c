// The designer's preview: a draft configuration (the document as the admin edits it) turned into what apps receive
// for one language, as the API's delivery does (koban/app_config/delivery.py and the report and team modules'
// rendering): disabled and other platforms' modules left out, every translated text in one language (else the
// default language, else English, else any), a report category's name, description and questions taken from the
// tenant's taxonomy (GET …/categories in that language) where the app does not give its own.

const LANGUAGE_KEY = /^[a-z]{2}$/;
const CONDITIONS = new Set(["visible_if", "required_if"]);

function isTranslated(value) {
  if (!value || typeof value !== "object" || Array.isArray(value)) return false;
  const entries = Object.entries(value);
  return entries.length > 0 && entries.every(([key, text]) => LANGUAGE_KEY.test(key) && typeof text === "string");
}

export function pick(value, preferred) {
  if (!isTranslated(value)) return value ?? null;
  for (const language of [...preferred, "en"]) if (language in value) return value[language];
  return Object.values(value)[0] ?? null;
}

/** `value` with every translated text resolved (conditions are JSONLogic and stay as they are). */
function plain(value, preferred) {
  if (isTranslated(value)) return pick(value, preferred);
  if (Array.isArray(value)) return value.map((item) => plain(item, preferred));
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, CONDITIONS.has(key) ? (item ?? null) : plain(item, preferred)]),
    );
  }
  return value;
}

const QUESTION_DEFAULTS = { help: null, required: false, options: [], minimum: null, maximum: null, max_length: 500 };

function question(source, preferred) {
  const resolved = plain({ ...QUESTION_DEFAULTS, visible_if: null, required_if: null, ...source }, preferred);
  return { ...resolved, options: resolved.options ?? [] };
}

function reportSettings(settings, preferred, categories) {
  const known = new Map(categories.map((category) => [category.code, category]));
  const rendered = [];
  for (const own of settings.categories ?? []) {
    const category = known.get(own.code);
    if (!category) continue;
    const added = new Map((own.questions ?? []).map((item) => [item.code, item]));
    const inherited =
      own.include_tenant_questions === false
        ? []
        : category.questions.map((item) => (added.has(item.code) ? question(added.get(item.code), preferred) : question(item, preferred)));
    const taken = new Set(inherited.map((item) => item.code));
    rendered.push({
      code: category.code,
      group: category.group,
      sensitive: category.sensitive,
      name: pick(own.name, preferred) ?? category.name,
      description: pick(own.description, preferred) ?? category.description ?? "",
      questions: [...inherited, ...(own.questions ?? []).filter((item) => !taken.has(item.code)).map((item) => question(item, preferred))],
    });
  }
  return {
    categories: rendered,
    photos: settings.photos ?? 3,
    anonymous: settings.anonymous ?? true,
    ask_contact: settings.ask_contact ?? true,
    location_required: settings.location_required ?? true,
  };
}

/**
 * The draft `document` as the app would receive it in `language` on the web, version 0. `tenant` is GET
 * /tenants/{id} and `categories` GET …/categories in `language`.
 */
export function renderDraft(document, language, { tenant, categories }) {
  const languages = document.languages ?? { default: language, enabled: [language] };
  const locale = (languages.enabled ?? []).includes(language) ? language : languages.default;
  const preferred = [locale, languages.default];
  const modules = [];
  for (const module of document.modules ?? []) {
    if (module.enabled === false || !(module.platforms ?? ["web"]).includes("web")) continue;
    let settings = plain(module.settings ?? {}, preferred);
    if (module.type === "report") settings = reportSettings(module.settings ?? {}, preferred, categories);
    if (module.type === "neighbourhood_team") {
      const unit = (tenant.units ?? []).find((item) => item.code === settings.unit);
      settings = { ...settings, unit_name: unit?.name ?? null };
    }
    modules.push({ id: module.id, type: module.type, title: pick(module.title, preferred), settings });
  }
  const theme = document.theme ?? {};
  return {
    tenant: tenant.id,
    version: 0,
    published_at: null,
    platform: "web",
    locale,
    languages: languages.enabled ?? [locale],
    default_language: languages.default,
    name: pick(document.name, preferred),
    short_name: pick(document.short_name, preferred) ?? pick(document.name, preferred),
    theme: {
      colours: theme.colours ?? {},
      logo: theme.logo ? { url: theme.logo.url, alt: pick(theme.logo.alt, preferred) } : null,
      icon: theme.icon ?? null,
    },
    accessibility: document.accessibility ?? {},
    strings: plain(document.strings ?? {}, preferred),
    modules,
  };
}
