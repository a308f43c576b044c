// UI strings in the platform's eight languages; the language follows the browser until the user picks one.
import { LANGUAGES, MESSAGES } from "./messages.js";

const STORAGE_KEY = "koban.language";
let current = "en";

export { LANGUAGES };

/** The first of the browser's languages that `available` has, else a stored choice, else `fallback`. */
export function chooseLanguage(available = LANGUAGES, fallback = available[0] ?? "en") {
  const supported = available.filter((language) => LANGUAGES.includes(language));
  const stored = localStorage.getItem(STORAGE_KEY);
  if (stored && supported.includes(stored)) return stored;
  for (const tag of navigator.languages ?? [navigator.language]) {
    const primary = String(tag).toLowerCase().split("-")[0];
    if (supported.includes(primary)) return primary;
  }
  return supported.includes(fallback) ? fallback : supported[0] ?? "en";
}

/** A page's own strings (src/<page>/messages.js: { en: {...}, nl: {...} }), added to the shared table; the build
 * checks them like the shared ones and refuses a key both have. */
export function addMessages(tables) {
  for (const [code, entries] of Object.entries(tables)) Object.assign((MESSAGES[code] ??= {}), entries);
}

export function setLanguage(language, { remember = false } = {}) {
  current = LANGUAGES.includes(language) ? language : "en";
  document.documentElement.lang = current;
  if (remember) localStorage.setItem(STORAGE_KEY, current);
  return current;
}

export function language() {
  return current;
}

/** The locale for numbers and dates: the browser's own variant of the language (en-GB writes 21 Nov), if any. */
function formatLocale() {
  const variant = (navigator.languages ?? []).find((tag) => String(tag).toLowerCase().split("-")[0] === current);
  return variant ?? current;
}

/** The message `key` in the current language, with {name} placeholders filled from `values`. */
export function t(key, values = {}) {
  const message = MESSAGES[current]?.[key] ?? MESSAGES.en[key];
  if (message === undefined) throw new Error(`no UI string "${key}"`);
  const plural = () => message[new Intl.PluralRules(current).select(Number(values.count))] ?? message.other;
  const text = typeof message === "string" ? message : plural();
  return text.replace(/\{(\w+)\}/g, (match, name) => (name in values ? String(values[name]) : match));
}

/** The name of an API value (a role, a stage, a status...): the UI string `${group}.${value}`, else the value
 * itself, so a value added to the API later shows as it is instead of breaking the page. */
export function nameOf(group, value) {
  const key = `${group}.${value}`;
  return key in MESSAGES.en ? t(key) : String(value);
}

/** Translate the static parts of a page: data-i18n (text), data-i18n-label (aria-label), data-i18n-placeholder. */
export function translatePage(root = document) {
  for (const element of root.querySelectorAll("[data-i18n]")) element.textContent = t(element.dataset.i18n);
  for (const element of root.querySelectorAll("[data-i18n-label]")) {
    element.setAttribute("aria-label", t(element.dataset.i18nLabel));
  }
  for (const element of root.querySelectorAll("[data-i18n-placeholder]")) {
    element.setAttribute("placeholder", t(element.dataset.i18nPlaceholder));
  }
}

/** A language's own name ("Nederlands"), for language switches. */
export function languageName(code) {
  try {
    const name = new Intl.DisplayNames([code], { type: "language" }).of(code);
    return name ? name.charAt(0).toLocaleUpperCase(code) + name.slice(1) : code;
  } catch {
    return code;
  }
}

/** Fill a <select> with languages and switch on change. */
export function languageSwitch(select, languages, onChange) {
  select.replaceChildren(
    ...languages.map((code) => {
      const option = document.createElement("option");
      option.value = code;
      option.textContent = languageName(code);
      option.lang = code;
      return option;
    }),
  );
  select.value = current;
  select.addEventListener("change", () => {
    setLanguage(select.value, { remember: true });
    onChange(select.value);
  });
}

export function formatNumber(value, options = {}) {
  return new Intl.NumberFormat(formatLocale(), options).format(value);
}

export function formatPercent(share) {
  return new Intl.NumberFormat(formatLocale(), { style: "percent", maximumFractionDigits: 0 }).format(share);
}

/** A calendar day ("2026-11-21") as the reader writes it; no time zone can shift it. */
export function formatDay(day, options = { dateStyle: "medium" }) {
  return new Intl.DateTimeFormat(formatLocale(), { ...options, timeZone: "UTC" }).format(new Date(`${day}T12:00:00Z`));
}

/** A moment (ISO 8601 with offset) in the reader's time zone. */
export function formatMoment(moment, options = { dateStyle: "medium", timeStyle: "short" }) {
  return new Intl.DateTimeFormat(formatLocale(), options).format(new Date(moment));
}
