// The published configuration, as apps fetch it: GET …/app-config?platform=web&locale=xx, revalidated with the
// ETag of the copy this device keeps (304: the copy is current), and the last copy used when there is no network.
// The tenant's public facts (area, units) are kept the same way, so the app opens offline.
import { tenantPath } from "../shared/api.js";

const PREFIX = "koban.app";

function key(tenant, ...parts) {
  return [PREFIX, tenant, ...parts].join(".");
}

function read(name) {
  try {
    return JSON.parse(localStorage.getItem(name) || "null");
  } catch {
    return null;
  }
}

function write(name, value) {
  try {
    localStorage.setItem(name, JSON.stringify(value));
  } catch {
    // storage full or refused: the app still works, only not offline
  }
}

/** The language the resident chose, or the one the app was last delivered in; null on a first visit. */
export function rememberedLanguage(tenant) {
  return localStorage.getItem(key(tenant, "language"));
}

export function rememberLanguage(tenant, language) {
  localStorage.setItem(key(tenant, "language"), language);
}

/**
 * The configuration in `locale` (null: let the server choose from the browser's languages), with where it came
 * from: "network" (new or changed), "revalidated" (304: the kept copy is current) or "offline" (the kept copy,
 * no network). An ApiError when there is neither an answer nor a kept copy.
 */
export async function loadConfig(api, tenant, locale, browserLanguages = navigator.languages ?? []) {
  const cacheKey = key(tenant, "config", locale ?? "auto");
  const kept = read(cacheKey);
  const headers = { "Accept-Language": acceptLanguage(locale, browserLanguages) };
  if (kept?.etag) headers["If-None-Match"] = kept.etag;
  let reply;
  try {
    reply = await api.send("GET", tenantPath(tenant, "app-config"), {
      query: { platform: "web", locale: locale ?? undefined },
      headers,
      cache: "no-store", // the ETag kept here decides, not the browser's cache
    });
  } catch (error) {
    if (error.status === 0 && kept?.config) return { config: kept.config, source: "offline" };
    throw error;
  }
  if (reply.status === 304 && kept?.config) return { config: kept.config, source: "revalidated" };
  const config = reply.data;
  const entry = { etag: reply.headers.get("ETag"), config };
  write(cacheKey, entry);
  if (locale === null) write(key(tenant, "config", config.locale), entry); // found again by its language
  return { config, source: "network" };
}

function acceptLanguage(locale, browserLanguages) {
  const tags = locale ? [locale] : [...browserLanguages];
  return tags.length ? tags.map((tag, index) => (index ? `${tag};q=${(1 - index / 10).toFixed(1)}` : tag)).join(", ") : "*";
}

/** GET `path` of the tenant, kept for offline use: the network's answer, else the kept one. */
export async function loadKept(api, tenant, name, path, language) {
  const cacheKey = key(tenant, name, language);
  try {
    const data = await api.send("GET", path, { headers: { "Accept-Language": language } }).then((r) => r.data);
    write(cacheKey, data);
    return data;
  } catch (error) {
    const kept = read(cacheKey);
    if (error.status === 0 && kept) return kept;
    throw error;
  }
}
