/* Part of the service worker (server/service_worker.py joins the parts after `BUILD`): usage
 * events the server cannot see for itself, kept until they are sent.
 *
 * A guide answered from the phone's cache, and a tap on the WhatsApp button (app.js posts it
 * here), never reach the server's counters. Each becomes an event in the format server/usage.py
 * documents, with a random id, kept in USAGE_CACHE until `POST /api/usage` accepts it. Sending
 * is tried at once, at each start of a page (SYNC) and after each page that loads from the
 * network. The server counts each id once, so an event sent twice (the answer was lost) is
 * still one. */

const USAGE_URL = `${BUILD.root}/api/usage`;
// As server/usage.py's MAX_EVENTS: the most one report may carry.
const USAGE_BATCH = 50;

/* A PDF answered from the cache. Opened from its guide's page, it is that page's open, which
 * counted already (as the server does). */
async function countOpen(key, referrer) {
  const [guide, lang] = (key || '').split('.');
  const from = referrer ? GUIDE_PAGE.exec(new URL(referrer).pathname) : null;
  if (guide in BUILD.titles && !(from && from[2] === guide)) {
    await queueUsage({ type: 'guide_open', guide, lang });
  }
}

async function queueUsage(event) {
  if (!event || typeof event.type !== 'string') return;
  const item = { ...event, id: randomId(), day: localDay() };
  const cache = await caches.open(USAGE_CACHE);
  await cache.put(`/usage-queue/${item.id}`, new Response(JSON.stringify(item)));
  await sendUsage();
}

let sendingUsage = null;

/* One sender at a time, so that no event is in two reports at once. */
function sendUsage() {
  sendingUsage = sendingUsage || flushUsage().finally(() => (sendingUsage = null));
  return sendingUsage;
}

async function flushUsage() {
  // Opening the cache would create it; most phones never need it.
  if (!(await caches.has(USAGE_CACHE))) return;
  const cache = await caches.open(USAGE_CACHE);
  for (;;) {
    const requests = (await cache.keys()).slice(0, USAGE_BATCH);
    if (!requests.length) return;
    const events = [];
    for (const request of requests) {
      const stored = await cache.match(request);
      events.push(await stored.json().catch(() => null));
    }
    let response;
    try {
      response = await fetch(USAGE_URL, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ events: events.filter(Boolean) }),
        credentials: 'same-origin',
        cache: 'no-store',
      });
    } catch {
      return; // still offline: the next page load tries again
    }
    // 4xx: the server will never take these (a retired guide, say); keeping them helps nobody.
    if (response.status >= 500) return;
    await Promise.all(requests.map((request) => cache.delete(request)));
  }
}

function randomId() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/* The phone's own date: an event counts on the day it happened (up to 30 days late). */
function localDay() {
  const now = new Date();
  const two = (number) => String(number).padStart(2, '0');
  return `${now.getFullYear()}-${two(now.getMonth() + 1)}-${two(now.getDate())}`;
}
