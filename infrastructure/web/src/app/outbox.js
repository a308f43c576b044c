// Reports on their way: every report goes through this outbox, kept in IndexedDB (photos included) until the API
// has it. Each carries the Idempotency-Key made when the resident pressed "send", and every attempt sends the same
// key and the same body: a report whose answer was lost on the way is stored once, however often it is retried.
// Sent when made, again on the `online` event and when the app starts; an API that refuses it (4xx) leaves it here,
// marked, with the API's reasons, for the resident to see.
import { tenantPath } from "../shared/api.js";

const DATABASE = "koban-app";
const STORE = "outbox";

function open() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DATABASE, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: "key" });
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function transaction(mode, work) {
  const database = await open();
  try {
    return await new Promise((resolve, reject) => {
      const tx = database.transaction(STORE, mode);
      const result = work(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(result.result ?? result);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  } finally {
    database.close();
  }
}

const put = (record) => transaction("readwrite", (store) => store.put(record));
const remove = (key) => transaction("readwrite", (store) => store.delete(key));
const all = () => transaction("readonly", (store) => store.getAll());

/** A failure worth trying again later: no answer, a timeout, throttling, or the server's own trouble. */
export function transient(error) {
  return error.status === 0 || error.status === 408 || error.status === 425 || error.status === 429 || error.status >= 500;
}

/**
 * The outbox of one tenant's reports. `onSent(record, receipt)` is told of each report the API took (with its
 * tracking token), `onRefused(record)` of each it refused for good.
 */
export function createOutbox({ api, tenant, onSent = () => {}, onRefused = () => {} }) {
  let flushing = null;

  async function records() {
    return (await all()).filter((record) => record.tenant === tenant).sort((a, b) => a.created_at.localeCompare(b.created_at));
  }

  /** Keep a new report (the body of POST …/reports, without attachments), its photos (Blobs) and a label for
   * the resident (the category's name). */
  async function add(body, photos = [], label = null) {
    const record = {
      key: crypto.randomUUID(),
      tenant,
      body,
      label,
      photos: photos.map((photo) => ({ blob: photo, type: photo.type })),
      attachments: [],
      created_at: new Date().toISOString(),
      attempts: 0,
      state: "queued",
      problem: null,
    };
    await put(record);
    return record;
  }

  async function send(record) {
    record.attempts += 1;
    // Photos first, each once: their ids are kept, so a retry sends the same body as the first attempt.
    while (record.attachments.length < record.photos.length) {
      const photo = record.photos[record.attachments.length];
      const reply = await api.send("POST", tenantPath(tenant, "attachments"), {
        raw: photo.blob,
        headers: { "Content-Type": photo.type },
      });
      record.attachments.push(reply.data.id);
      await put(record);
    }
    const body = record.attachments.length ? { ...record.body, attachments: record.attachments } : record.body;
    const reply = await api.send("POST", tenantPath(tenant, "reports"), {
      body,
      headers: { "Idempotency-Key": record.key },
    });
    await remove(record.key);
    onSent(record, reply.data);
    return reply.data;
  }

  async function flushOnce() {
    const sent = [];
    for (const record of await records()) {
      if (record.state !== "queued") continue;
      try {
        sent.push({ key: record.key, receipt: await send(record) });
      } catch (error) {
        if (transient(error)) {
          await put(record);
          break; // the network or the server is not there: the rest waits too
        }
        record.state = "refused";
        record.problem = { status: error.status, ...(error.problem ?? { title: String(error.message) }) };
        await put(record);
        onRefused(record);
      }
    }
    return sent;
  }

  /** Send what is queued, one flush at a time in this browser (other tabs of the app wait for the same lock);
   * answers [{key, receipt}] of the reports sent. */
  function flush() {
    if (flushing) return flushing;
    const run = () => flushOnce();
    const locked = navigator.locks ? navigator.locks.request(`koban-outbox-${tenant}`, run) : run();
    flushing = locked.finally(() => {
      flushing = null;
    });
    return flushing;
  }

  return { add, flush, records, discard: remove };
}
