/* Part of the service worker (server/service_worker.py joins the parts after `BUILD`): counting
 * each view once, whoever shows it (server/usage.py has the whole story).
 *
 * Every page and PDF this worker shows is a view with a random event id. Fetched from the
 * network, the fetch carries that id in the `Bilang-Usage` header and the server counts it.
 * Answered from the phone (offline, or the server too slow or failing), the same event is kept in
 * USAGE_CACHE and sent with `POST /api/usage`, dated on the phone's day. The server counts each
 * id once, so a view whose fetch reached the server before it timed out, or a report sent
 * twice (the answer was lost), is still one. A tap on the WhatsApp button (app.js posts it
 * here) is kept the same way. The worker's own fetches (the shell, saving guides) say
 * `Bilang-Usage: none`: no views. Sending is tried at once, at each start of a page (SYNC) and
 * after each page that loads from the network. */

const USAGE_URL = `${BUILD.root}/api/usage`;
const USAGE_HEADER = 'Bilang-Usage';
const NOT_A_VIEW = { [USAGE_HEADER]: 'none' };
// As server/usage.py's MAX_EVENTS: the most one report may carry.
const USAGE_BATCH = 50;

/* A new event: its id, and the day it happened on this phone. */
function usageEvent(fields) {
  return { ...fields, id: randomId(), day: localDay() };
}

/* What a page view reports of its URL: the path, and where the visit came from (`src`), which
 * is all the server counts; a search's words stay on the phone. */
function viewedPath(url) {
  const src = url.searchParams.get('src');
  // The server counts by the site's own paths: without the root path it lives under.
  const { pathname } = url;
  const path = pathname.startsWith(`${BUILD.root}/`) ? pathname.slice(BUILD.root.length) : pathname;
  return src ? `${path}?src=${encodeURIComponent(src)}` : path;
}

/* Opening a guide's PDF, as an event; null when it is opened from its guide's own page, whose
 * view counted the open already (as the server does). */
function guideOpen(key, referrer) {
  const [guide, lang] = (key || '').split('.');
  const from = referrer ? GUIDE_PAGE.exec(new URL(referrer).pathname) : null;
  if (!(guide in BUILD.titles) || (from && from[1] === guide)) return null;
  return usageEvent({ type: 'guide_open', guide, lang });
}

async function queueUsage(event) {
  if (!event || typeof event.type !== 'string') return;
  const item = event.id ? event : usageEvent(event);
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

/* The phone's own date: an event counts on the day it happened (up to 30 days late; the
 * server drops older ones). */
function localDay() {
  const now = new Date();
  const two = (number) => String(number).padStart(2, '0');
  return `${now.getFullYear()}-${two(now.getMonth() + 1)}-${two(now.getDate())}`;
}
