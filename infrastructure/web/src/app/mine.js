// The reports made on this device, with their tracking tokens, so that the resident can follow them without
// typing a code (and a link in a message, #report=<id>, opens them). Nothing of this leaves the device.
const MAX_KEPT = 50;

function storageKey(tenant) {
  return `koban.app.${tenant}.reports`;
}

export function myReports(tenant) {
  try {
    const kept = JSON.parse(localStorage.getItem(storageKey(tenant)) || "[]");
    return Array.isArray(kept) ? kept.filter((item) => item && item.id && item.token) : [];
  } catch {
    return [];
  }
}

export function keepReport(tenant, report) {
  const others = myReports(tenant).filter((item) => item.id !== report.id);
  localStorage.setItem(storageKey(tenant), JSON.stringify([report, ...others].slice(0, MAX_KEPT)));
}

export function forgetReport(tenant, id) {
  localStorage.setItem(storageKey(tenant), JSON.stringify(myReports(tenant).filter((item) => item.id !== id)));
}

export function tokenOf(tenant, id) {
  return myReports(tenant).find((item) => item.id === id)?.token ?? null;
}

/** A tracking code as the app shows it: the report's id and its token, "<id>.<token>". */
export function trackingCode(id, token) {
  return `${id}.${token}`;
}

/** {id, token} of a code typed or pasted (spaces and line breaks ignored), or null. */
export function parseTrackingCode(code) {
  const match = String(code).replace(/\s+/g, "").match(/^([0-9a-z]{20})\.([A-Za-z0-9_-]{20,100})$/);
  return match ? { id: match[1], token: match[2] } : null;
}
