// The KOBAN API from a page of the same origin: JSON in and out, the reader's language in Accept-Language, and
// every error (RFC 9457 problem+json, or no answer at all) turned into an ApiError the page shows to the user.
import { language, t } from "./i18n.js";

/** The API's base path: <meta name="koban-api" content="..."> in the page, else /v1 of the same origin. */
export function apiBase() {
  const meta = document.querySelector('meta[name="koban-api"]');
  return (meta?.getAttribute("content") || "/v1").replace(/\/$/, "");
}

export class ApiError extends Error {
  /** `problem` is the problem+json body: type, title, status, detail and, for validation, errors[]. */
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }

  /** One line per problem: the detail, then each field the API named. */
  lines() {
    const { title, detail, errors } = this.problem;
    const lines = [detail && detail !== title ? `${title}: ${detail}` : title || detail || this.message];
    for (const error of Array.isArray(errors) ? errors : []) {
      lines.push(error.field ? `${error.field}: ${error.message}` : String(error.message));
    }
    return lines;
  }
}

/**
 * createApi({ token: () => "..." }) → { get, post, patch, put, send }.
 * `path` is relative to the base ("/tenants/pilot-nl/problems"); `query` values that are empty are left out.
 * `send(method, path, { query, body, raw, headers, cache })` also takes extra headers (Idempotency-Key, If-Match...)
 * and a body that is not JSON (`raw`: a Blob, with its Content-Type in `headers`), and answers
 * { status, headers, data }; a 304 Not Modified is an answer, not an error.
 */
export function createApi({ token = () => null, onUnauthorised = () => {} } = {}) {
  async function call(method, path, { query, body, raw, headers: extra = {}, cache, full = false, file = null } = {}) {
    const url = new URL(apiBase() + path, window.location.origin);
    for (const [name, value] of Object.entries(query ?? {})) {
      if (value !== undefined && value !== null && value !== "") url.searchParams.set(name, String(value));
    }
    const headers = { Accept: "application/json", "Accept-Language": acceptLanguage(), ...extra };
    const bearer = token();
    if (bearer) headers.Authorization = `Bearer ${bearer}`;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const payload = raw ?? (body === undefined ? undefined : JSON.stringify(body));
    let response;
    try {
      response = await fetch(url, { method, headers, body: payload, cache });
    } catch {
      throw new ApiError(0, { title: t("error.network"), detail: t("error.networkDetail") });
    }
    if (file && response.ok) return { blob: await response.blob(), filename: filenameOf(response.headers, file) };
    const text = await response.text();
    let data = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch {
      data = null;
    }
    if (!response.ok && !(full && response.status === 304)) {
      const problem = data && typeof data === "object" ? data : { title: `HTTP ${response.status}` };
      const error = new ApiError(response.status, { status: response.status, ...problem });
      if (response.status === 401) onUnauthorised(error);
      throw error;
    }
    return full ? { status: response.status, headers: response.headers, data } : data;
  }

  return {
    get: (path, query) => call("GET", path, { query }),
    post: (path, body) => call("POST", path, { body }),
    patch: (path, body) => call("PATCH", path, { body }),
    put: (path, body) => call("PUT", path, { body }),
    send: (method, path, options = {}) => call(method, path, { ...options, full: true }),
    /** A file (`accept`: its media type) as { blob, filename }: the name the API gives, else `fallback`. */
    download: (path, query, accept, fallback) => call("GET", path, { query, headers: { Accept: accept }, file: fallback }),
  };
}

/** The file name of a Content-Disposition: attachment; filename="..." (else `fallback`). */
function filenameOf(headers, fallback) {
  const match = /filename="([^"]+)"/.exec(headers.get("Content-Disposition") ?? "");
  return match ? match[1] : fallback;
}

/** The reader's language first, then English, as the API's Accept-Language. */
export function acceptLanguage() {
  const chosen = language();
  return chosen === "en" ? "en" : `${chosen}, en;q=0.5`;
}

/** The path of one tenant's resource, each segment escaped. */
export function tenantPath(tenant, ...segments) {
  return ["/tenants", tenant, ...segments].map((part, index) => (index ? encodeURIComponent(part) : part)).join("/");
}
