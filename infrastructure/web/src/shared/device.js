// What a resident's device keeps for itself, without an account: a random id (the API counts one vote per id and
// stores only a hash of it) and the priorities it voted for.
const DEVICE_KEY = "koban.device";

/** A random id kept on this device. */
export function deviceId() {
  let id = localStorage.getItem(DEVICE_KEY);
  if (!id || !/^[A-Za-z0-9_-]{16,128}$/.test(id)) {
    const bytes = crypto.getRandomValues(new Uint8Array(24));
    id = btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    localStorage.setItem(DEVICE_KEY, id);
  }
  return id;
}

function votedKey(tenant) {
  return `koban.voted.${tenant}`;
}

/** The ids of the tenant's priorities this device voted for. */
export function votedOn(tenant) {
  try {
    return new Set(JSON.parse(localStorage.getItem(votedKey(tenant)) || "[]"));
  } catch {
    return new Set();
  }
}

export function rememberVote(tenant, priorityId) {
  const voted = votedOn(tenant);
  voted.add(priorityId);
  localStorage.setItem(votedKey(tenant), JSON.stringify([...voted]));
}
