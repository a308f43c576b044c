// The citizen app's service worker (scope /app/): keeps the app's shell for offline use, answers the manifest and
// icons the page made from its theme, and shows web push messages. The build gives it the shell's files
// (__KOBAN_SHELL__: index.html and the hashed scripts, styles and images) and a version (__KOBAN_VERSION__).
// API requests are never answered from here: the page keeps what it needs offline (configuration, queued reports).
/* global __KOBAN_SHELL__, __KOBAN_VERSION__ */
const SHELL = __KOBAN_SHELL__;
const SHELL_CACHE = `koban-app-shell-${__KOBAN_VERSION__}`;
const GENERATED_CACHE = "koban-app-generated"; // written by the page (manifest.js)
const INDEX = "/app/index.html";
const GENERATED = /^\/app\/[a-z0-9][a-z0-9-]{1,39}\/(manifest\.webmanifest|icon-(192|512)\.png)$/;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(SHELL_CACHE)
      .then((cache) => cache.addAll(SHELL))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => names.filter((name) => name.startsWith("koban-app-shell-") && name !== SHELL_CACHE))
      .then((old) => Promise.all(old.map((name) => caches.delete(name))))
      .then(() => self.clients.claim()),
  );
});

async function fromCache(cacheName, request, options) {
  const cache = await caches.open(cacheName);
  return cache.match(request, options);
}

/** A page of the app: the network's (the newest app), else the kept shell. */
async function navigation(request) {
  try {
    return await fetch(request);
  } catch (error) {
    const kept = await fromCache(SHELL_CACHE, INDEX);
    if (kept) return kept;
    throw error;
  }
}

self.addEventListener("fetch", (event) => {
  const { request } = event;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin || !url.pathname.startsWith("/app/")) return;
  if (GENERATED.test(url.pathname)) {
    event.respondWith(
      fromCache(GENERATED_CACHE, url.pathname, { ignoreSearch: true }).then(
        (kept) => kept ?? new Response("Not made yet", { status: 404 }),
      ),
    );
  } else if (request.mode === "navigate") {
    event.respondWith(navigation(request));
  } else if (SHELL.includes(url.pathname)) {
    event.respondWith(fromCache(SHELL_CACHE, url.pathname).then((kept) => kept ?? fetch(request)));
  }
});

function tenantOf(link) {
  const match = new URL(link, self.location.origin).pathname.match(/^\/app\/([a-z0-9][a-z0-9-]{1,39})\//);
  return match ? match[1] : null;
}

/** Tell the API a message was shown or opened (the `receipt` it carried); counted once per message. */
function sendReceipt(tenant, receipt, kind) {
  if (!tenant || !receipt) return Promise.resolve();
  return fetch(`/v1/tenants/${encodeURIComponent(tenant)}/receipts`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ receipt, event: kind }),
  }).catch(() => undefined); // a receipt is a count, never worth an error
}

// A push payload is JSON {title, body, url, receipt, kind, tag} (koban.notifications).
self.addEventListener("push", (event) => {
  let message = {};
  try {
    message = event.data ? event.data.json() : {};
  } catch {
    message = { body: event.data?.text() ?? "" };
  }
  const url = message.url || "/app/";
  const tenant = tenantOf(url);
  event.waitUntil(
    Promise.all([
      self.registration.showNotification(message.title || "KOBAN", {
        body: message.body || "",
        tag: message.tag || undefined,
        data: { url },
        icon: tenant ? `/app/${tenant}/icon-192.png` : undefined,
      }),
      sendReceipt(tenant, message.receipt, "delivered"),
    ]),
  );
});

// Opening the message opens the app at its link; the app sends the "opened" receipt the link carries.
self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const url = event.notification.data?.url || "/app/";
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((windows) => {
      const open = windows.find((client) => client.url.startsWith(new URL(url, self.location.origin).origin));
      return open ? open.navigate(url).then((client) => client?.focus()) : self.clients.openWindow(url);
    }),
  );
});
