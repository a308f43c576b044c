// Web push without any third-party service: the browser's own push service, with the force's VAPID public key
// (GET …/notifications/push-key) as the applicationServerKey. The API only ever gets PushSubscription.toJSON().
import { tenantPath } from "../shared/api.js";

export class PushUnavailable extends Error {}

function bytesOf(base64url) {
  const base64 = base64url.replace(/-/g, "+").replace(/_/g, "/");
  const padded = base64 + "=".repeat((4 - (base64.length % 4)) % 4);
  return Uint8Array.from(atob(padded), (character) => character.charCodeAt(0));
}

function sameKey(buffer, expected) {
  if (!buffer) return false;
  const actual = new Uint8Array(buffer);
  return actual.length === expected.length && actual.every((byte, index) => byte === expected[index]);
}

export function pushSupported() {
  return "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
}

/**
 * The browser's push subscription for this app (asking the resident's permission first), as the API takes it:
 * {endpoint, keys: {p256dh, auth}}. PushUnavailable with a reason key ("push.unsupported", "push.denied",
 * "push.failed") when the browser cannot or may not.
 */
export async function pushSubscription(api, tenant) {
  if (!pushSupported() || !navigator.serviceWorker.controller) throw new PushUnavailable("push.unsupported");
  const permission = await Notification.requestPermission();
  if (permission !== "granted") throw new PushUnavailable("push.denied");
  const { public_key: publicKey } = await api.get(tenantPath(tenant, "notifications", "push-key"));
  const key = bytesOf(publicKey);
  const registration = await navigator.serviceWorker.ready;
  let subscription = await registration.pushManager.getSubscription();
  if (subscription && !sameKey(subscription.options?.applicationServerKey, key)) {
    await subscription.unsubscribe(); // made with another key: the force's key changed
    subscription = null;
  }
  try {
    subscription ??= await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
  } catch (error) {
    console.warn("push subscription failed", error);
    throw new PushUnavailable("push.failed");
  }
  const json = subscription.toJSON();
  return { endpoint: json.endpoint, keys: { p256dh: json.keys.p256dh, auth: json.keys.auth } };
}
