// The citizen app's words: the force's own strings from the published configuration first (in the language the
// configuration was delivered in), then the app's built-in strings (./messages.js, in KOBAN's eight languages,
// English where the configuration's language is another one).
import { addMessages, setLanguage, t } from "../shared/i18n.js";
import { MESSAGES } from "./messages.js";

addMessages(MESSAGES);

let strings = {};
let current = "en";

/** Speak the configuration's language, with its strings. */
export function useConfigText(config) {
  strings = config.strings ?? {};
  current = config.locale;
  setLanguage(current); // the built-in strings and number/date formats: KOBAN's language, else English
  document.documentElement.lang = current;
}

/** The text of `key`, with {name} placeholders filled from `values`. */
export function text(key, values = {}) {
  const own = strings[key];
  if (typeof own !== "string" || !own.trim()) return t(key, values);
  return own.replace(/\{(\w+)\}/g, (match, name) => (name in values ? String(values[name]) : match));
}

/** The language the app speaks now (ISO 639-1). */
export function appLanguage() {
  return current;
}
