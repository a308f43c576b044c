// The staff session: a bearer token pasted by the user or handed over in the URL fragment (#token=...), kept in
// sessionStorage (gone when the tab closes). The tenant and roles are read from the token's claims; the API
// checks the signature, the page only reads them to know whose data to ask for.
const STORAGE_KEY = "koban.staffToken";

export class SessionError extends Error {}

/** The claims of a JWT, without verifying it (the API does); SessionError when it is not a staff token. */
export function claimsOf(token) {
  const parts = token.split(".");
  if (parts.length !== 3) throw new SessionError("format");
  let claims;
  try {
    const base64 = parts[1].replace(/-/g, "+").replace(/_/g, "/");
    const json = new TextDecoder().decode(Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)));
    claims = JSON.parse(json);
  } catch {
    throw new SessionError("format");
  }
  if (!claims || typeof claims["custom:tenant"] !== "string") throw new SessionError("tenant");
  if (typeof claims.exp === "number" && claims.exp * 1000 <= Date.now()) throw new SessionError("expired");
  return claims;
}

/** { token, tenant, roles, subject, sub, expires }: `sub` is what the API records as the author of a change. */
export function sessionFrom(token) {
  const claims = claimsOf(token);
  const groups = claims["cognito:groups"];
  return {
    token,
    tenant: claims["custom:tenant"],
    roles: Array.isArray(groups) ? groups : String(groups ?? "").split(/[\s,]+/).filter(Boolean),
    subject: String(claims["cognito:username"] ?? claims.sub ?? ""),
    sub: String(claims.sub ?? ""),
    expires: typeof claims.exp === "number" ? new Date(claims.exp * 1000) : null,
  };
}

/** A token in the fragment (#token=...) is taken and removed from the address bar and the history. */
export function takeTokenFromFragment() {
  const fragment = new URLSearchParams(window.location.hash.replace(/^#/, ""));
  const token = fragment.get("token");
  if (!token) return null;
  fragment.delete("token");
  const rest = fragment.toString();
  history.replaceState(null, "", window.location.pathname + window.location.search + (rest ? `#${rest}` : ""));
  return token.trim();
}

export function storeToken(token) {
  sessionStorage.setItem(STORAGE_KEY, token);
}

export function storedToken() {
  return sessionStorage.getItem(STORAGE_KEY);
}

export function forgetToken() {
  sessionStorage.removeItem(STORAGE_KEY);
}
