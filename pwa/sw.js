/* Bilang Karyo's service worker: the site keeps working when the service room's Wi-Fi drops.
 *
 * The server puts `const BUILD = {...}` above this comment (server/service_worker.py). It is
 * generated from the guide catalog: the precache list with content hashes, the current guide
 * files and titles, and the offline pages. A new catalog makes a new sw.js, so nobody bumps a
 * version by hand.
 *
 * Caches, all named with PREFIX so that activation never touches another app's (nor another
 * Bilang Karyo's on the same host, under another root path):
 * - `bilang-karyo-shell-<version>`: the precached pages, search indexes, CSS, JS and icons of one
 *   version;
 * - `bilang-karyo-guides`: the guides the applicant opened or saved: each one's PDF and its
 *   reader pages (`/reader/<hash>/<n>.webp`), by their hashed URLs;
 * - `bilang-karyo-usage`: usage events (usage.js) waiting to be sent to the server.
 */
'use strict';

// Every URL in BUILD is under the site's root path (`BUILD.root`, "" or "/infokanimjogja"), and
// the cache names start with one prefix per site (server/service_worker.py's cache_prefix), so
// that two sites on one host keep apart.
const PREFIX = BUILD.cachePrefix;
const SHELL_CACHE = `${PREFIX}shell-${BUILD.version}`;
const GUIDES_CACHE = `${PREFIX}guides`;
const USAGE_CACHE = `${PREFIX}usage`;
const underRoot = (pattern) =>
  new RegExp(`^${BUILD.root.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}${pattern}$`);
const GUIDE_FILE = underRoot('/files/([a-z0-9-]+)\\.([a-z]{2,3})\\.[0-9a-f]{16}\\.pdf');
const READER_PAGE = underRoot('/reader/[0-9a-f]{16}/[0-9]+\\.webp');
const GUIDE_PAGE = underRoot(`${BUILD.langPrefix}/guides/([a-z0-9-]+)`);
const SHELL_URLS = new Set(BUILD.precache.map((entry) => entry.url));
// "slug.lang" -> the current file of that guide in that language.
const CURRENT_FILES = new Map(BUILD.files.map((file) => [file.key, file]));
// The URL of each current reader page -> the "slug.lang" it belongs to.
const PAGE_OWNERS = new Map(
  BUILD.files.flatMap((file) => file.pages.map((page) => [page.url, file.key])),
);

self.addEventListener('install', (event) => {
  event.waitUntil(precache());
});

self.addEventListener('activate', (event) => {
  event.waitUntil(activate());
});

self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (GUIDE_FILE.test(url.pathname)) {
    event.respondWith(guideFile(event, url));
  } else if (READER_PAGE.test(url.pathname)) {
    event.respondWith(readerPage(event, url));
  } else if (request.mode === 'navigate') {
    event.respondWith(navigation(event, url));
  } else if (SHELL_URLS.has(url.pathname)) {
    event.respondWith(shellFile(request, url));
  }
});

self.addEventListener('message', (event) => {
  const message = event.data || {};
  if (message.type === 'SKIP_WAITING') {
    // Only when the applicant accepted the update prompt.
    self.skipWaiting();
  } else if (message.type === 'SYNC') {
    // Sent by each page start: mend what the browser evicted, refresh saved guides.
    const requested = Array.isArray(message.saved) ? message.saved : [];
    const sync = async () => {
      await mendShell();
      await keepSaved(event.source, requested, 'SYNC');
    };
    event.waitUntil(Promise.all([serially(sync), sendUsage()]));
  } else if (message.type === 'SAVE_ALL') {
    event.waitUntil(serially(() => keepSaved(event.source, [...CURRENT_FILES.keys()], 'SAVE_ALL')));
  } else if (message.type === 'STATUS') {
    // Which guides are saved whole, for the marks on the home page.
    event.waitUntil(completeGuides().then((complete) => event.source.postMessage({ type: 'STATUS', complete })));
  } else if (message.type === 'USAGE') {
    // A click the server cannot see (the WhatsApp button): kept until it is sent.
    event.waitUntil(queueUsage(message.event));
  }
});

/* Install: the whole shell, or nothing. */

async function precache() {
  const cache = await caches.open(SHELL_CACHE);
  try {
    await Promise.all(BUILD.precache.map((entry) => precacheEntry(cache, entry)));
  } catch (error) {
    // A failed install leaves the previous worker serving; a half-filled cache must not stay.
    await caches.delete(SHELL_CACHE);
    throw error;
  }
}

async function precacheEntry(cache, entry) {
  // A URL with a hash in it cannot be stale, so the copy the page just fetched into the HTTP
  // cache will do (as Workbox does); any other entry goes to the server. Either is checked
  // against its revision, and a versioned one that fails is fetched again from the server.
  for (const mode of entry.versioned ? ['default', 'reload'] : ['reload']) {
    const request = new Request(entry.url, {
      cache: mode,
      credentials: 'same-origin',
      headers: NOT_A_VIEW,
    });
    const response = await fetch(request);
    if (!response.ok || response.redirected) {
      throw new Error(`precache ${entry.url}: HTTP ${response.status}`);
    }
    const body = await response.arrayBuffer();
    const digest = await sha256Hex(body);
    if (digest.startsWith(entry.revision)) {
      await cache.put(entry.url, storable(response, body));
      return;
    }
  }
  // The site changed after this worker was generated; the next update check brings one that
  // matches it.
  throw new Error(`precache ${entry.url}: expected revision ${entry.revision}`);
}

/* A browser under storage pressure may have emptied the caches behind this worker's back. */
async function mendShell() {
  const cache = await caches.open(SHELL_CACHE);
  for (const entry of BUILD.precache) {
    if (await cache.match(entry.url)) continue;
    try {
      await precacheEntry(cache, entry);
    } catch {
      // Offline or changed: this worker still serves what it has; an update brings the rest.
    }
  }
}

/* Activate: drop what this version no longer needs, then take over open pages. */

async function activate() {
  const names = await caches.keys();
  const outdated = names.filter(
    (name) =>
      name.startsWith(PREFIX) && ![SHELL_CACHE, GUIDES_CACHE, USAGE_CACHE].includes(name),
  );
  await Promise.all(outdated.map((name) => caches.delete(name)));
  await heldVersions(await caches.open(GUIDES_CACHE));
  await self.clients.claim();
}

/* Fetch strategies. */

async function shellFile(request, url) {
  const cached = await caches.match(url.pathname, { cacheName: SHELL_CACHE });
  return cached || fetch(request);
}

async function navigation(event, url) {
  const { request } = event;
  // The server counts this view from the fetch's header; if the saved page answers instead,
  // the same event is kept and sent later (sw-usage.js).
  const view = usageEvent({ type: 'page_view', path: viewedPath(url) });
  let response = null;
  try {
    response = await fetchWithin(request, BUILD.navigationTimeoutMs, view.id);
    if (response.status < 500) {
      // Online again: events kept while offline can go now.
      if (response.ok) event.waitUntil(sendUsage());
      return response;
    }
  } catch {
    // Offline, or the Wi-Fi is too slow: the saved page beats waiting.
  }
  const cached = await caches.match(url.pathname, { cacheName: SHELL_CACHE });
  if (cached) event.waitUntil(queueUsage(view));
  return cached || response || offlinePage(offlinePageFor(url.pathname));
}

async function guideFile(event, url) {
  const { request } = event;
  const cache = await caches.open(GUIDES_CACHE);
  const key = keyOf(url.pathname);
  const navigate = request.mode === 'navigate';
  // Opening a PDF is an open of its guide, counted once by the server (from the header) or,
  // when the phone answers, by the event kept here.
  const view = navigate ? guideOpen(key, request.referrer) : null;
  const cached = await cache.match(url.pathname);
  if (cached) {
    if (view) event.waitUntil(queueUsage(view));
    return partial(request, cached);
  }
  let response = null;
  try {
    // The whole file, even for a Range request: it is saved whole, then the range is cut.
    response = await fetch(url.pathname, {
      credentials: 'same-origin',
      redirect: navigate ? 'manual' : 'follow',
      headers: { [USAGE_HEADER]: view ? view.id : 'none' },
    });
  } catch {
    response = null;
  }
  if (response && response.status === 200 && !response.redirected) {
    // A guide is saved the first time the applicant opens it.
    event.waitUntil(saveOpened(cache, url.pathname, key, response.clone()));
    return partial(request, response);
  }
  if (response && response.status < 500) return response;
  // Offline: an older saved version of the same guide still beats nothing.
  const older = await olderVersion(cache, key);
  if (older) {
    if (view) event.waitUntil(queueUsage(view));
    return partial(request, older);
  }
  if (navigate) {
    // In the language of the page the PDF was opened from: an Arabic page may link the
    // English file (server/languages.py); without one, in the file's language.
    const from = request.referrer ? new URL(request.referrer) : null;
    const ours = from && from.origin === self.location.origin;
    return offlinePage(
      ours ? offlinePageFor(from.pathname) : offlinePageFor(url.pathname, key.split('.')[1]),
    );
  }
  return response || Response.error();
}

/* Reader pages: cache first, and kept once fetched, as the guide they belong to is saved. */
async function readerPage(event, url) {
  const cache = await caches.open(GUIDES_CACHE);
  const cached = await cache.match(url.pathname);
  if (cached) return cached;
  let response;
  try {
    response = await fetch(url.pathname, { credentials: 'same-origin' });
  } catch {
    // Offline and never saved: the page shows the image's alt text, and its text below it.
    return Response.error();
  }
  if (response.status === 200 && PAGE_OWNERS.has(url.pathname)) {
    event.waitUntil(cache.put(url.pathname, response.clone()).catch(() => {}));
  }
  return response;
}

function fetchWithin(request, milliseconds, usageId) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), milliseconds);
  const headers = new Headers(request.headers);
  headers.set(USAGE_HEADER, usageId);
  return fetch(request, { signal: controller.signal, headers }).finally(() =>
    clearTimeout(timer),
  );
}

function offlinePageFor(pathname, lang) {
  // BUILD.offline lists the longest scope first, so /en/... finds the English page.
  const page = BUILD.offline.find((entry) =>
    lang ? entry.lang === lang : `${pathname}/`.startsWith(entry.scope),
  );
  return page || BUILD.offline[BUILD.offline.length - 1];
}

async function offlinePage(page) {
  const cached = await caches.match(page.url, { cacheName: SHELL_CACHE });
  return cached || Response.error();
}

async function olderVersion(cache, key) {
  for (const request of await cache.keys()) {
    if (keyOf(new URL(request.url).pathname) === key) return cache.match(request);
  }
  return null;
}

/* Saved guides: opened ones, "save all", refreshing after an update, re-fetching after eviction. */

async function saveOpened(cache, path, key, response) {
  try {
    await cache.put(path, response);
    await broadcast({ type: 'SAVED', saved: [key] });
  } catch (error) {
    const file = CURRENT_FILES.get(key) || { key, guide: key.split('.')[0] };
    await broadcast({ type: 'NOT_SAVED', failed: [failure(file, error)] });
  }
}

/* Makes the guides cache hold the current version of every saved guide, plus `requested`: its
 * reader pages, then its PDF. The client hears PROGRESS while they download, then DONE with what
 * is saved and what failed. */
async function keepSaved(client, requested, reason) {
  const cache = await caches.open(GUIDES_CACHE);
  const held = await heldVersions(cache);
  const heldPaths = new Set([...held.values()].flat());
  const wanted = [...new Set([...held.keys(), ...requested])].filter((key) =>
    CURRENT_FILES.has(key),
  );
  const parts = wanted.flatMap((key) => partsOf(CURRENT_FILES.get(key)));
  const missing = parts.filter((part) => !heldPaths.has(part.url));
  const total = sizeOf(parts);
  let done = total - sizeOf(missing);
  const post = (message) => client && client.postMessage({ reason, total, ...message });
  post({ type: 'PROGRESS', done });
  const failed = new Map();
  for (const part of missing) {
    if (failed.has(part.key)) continue; // one failure is enough to report that guide
    try {
      // The page on screen may have fetched (and kept) this reader page meanwhile.
      if (!(await cache.match(part.url))) {
        await download(cache, part, (bytes) => post({ type: 'PROGRESS', done: done + bytes }));
      }
      done += part.size;
    } catch (error) {
      failed.set(part.key, failure(CURRENT_FILES.get(part.key), error));
    }
  }
  // An older PDF goes only once the current guide is saved; until then it serves offline.
  for (const [key, paths] of held) {
    if (failed.has(key)) continue;
    const current = CURRENT_FILES.get(key).url;
    const older = paths.filter((path) => GUIDE_FILE.test(path) && path !== current);
    await Promise.all(older.map((path) => cache.delete(path)));
  }
  post({ type: 'DONE', done, saved: wanted, failed: [...failed.values()] });
}

/* The "slug.lang" of each current guide whose pages and PDF are all in the cache. */
async function completeGuides() {
  const cache = await caches.open(GUIDES_CACHE);
  const held = new Set((await cache.keys()).map((request) => new URL(request.url).pathname));
  return [...CURRENT_FILES.values()]
    .filter((file) => partsOf(file).every((part) => held.has(part.url)))
    .map((file) => file.key);
}

/* What saving a guide file means: its reader pages (read offline), then its PDF (the download). */
function partsOf(file) {
  const pages = file.pages.map((page) => ({ key: file.key, url: page.url, size: page.size }));
  return [...pages, { key: file.key, url: file.url, size: file.size, sha256: file.sha256 }];
}

function sizeOf(parts) {
  return parts.reduce((sum, part) => sum + part.size, 0);
}

/* The saved PDFs (any version) and current reader pages of each current guide file. Drops
 * guides retired from the catalog, and the reader pages of outdated versions: the pages that
 * showed them are gone with their shell. */
async function heldVersions(cache) {
  const held = new Map();
  for (const request of await cache.keys()) {
    const path = new URL(request.url).pathname;
    const key = keyOf(path) || PAGE_OWNERS.get(path);
    if (!CURRENT_FILES.has(key)) {
      await cache.delete(request);
      continue;
    }
    held.set(key, [...(held.get(key) || []), path]);
  }
  return held;
}

/* Fetches one part of a guide, checked against its sha256 (PDFs) or its size (reader pages). */
async function download(cache, part, onBytes) {
  const response = await fetch(part.url, { credentials: 'same-origin', headers: NOT_A_VIEW });
  if (response.status !== 200 || response.redirected) {
    throw new Error(`${part.url}: HTTP ${response.status}`);
  }
  const reader = response.body.getReader();
  const chunks = [];
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    received += value.byteLength;
    onBytes(received);
  }
  const body = await new Blob(chunks).arrayBuffer();
  const whole = part.sha256
    ? (await sha256Hex(body)) === part.sha256
    : body.byteLength === part.size;
  if (!whole) throw new Error(`${part.url}: the download was cut short`);
  await cache.put(part.url, storable(response, body));
}

function failure(file, error) {
  const quota = error && error.name === 'QuotaExceededError';
  return {
    key: file.key,
    title: BUILD.titles[file.guide] || { id: file.guide, en: file.guide },
    reason: quota ? 'quota' : 'network',
  };
}

/* Helpers. */

let queue = Promise.resolve();

/* Runs saving jobs one after another, so two never download the same file at once. */
function serially(task) {
  const run = queue.then(task);
  queue = run.catch(() => {});
  return run;
}

function keyOf(pathname) {
  const match = GUIDE_FILE.exec(pathname);
  return match ? `${match[1]}.${match[2]}` : null;
}

function storable(response, body) {
  // The body is decoded already; the stored headers must not claim otherwise.
  const headers = new Headers(response.headers);
  headers.delete('content-encoding');
  headers.set('content-length', String(body.byteLength));
  return new Response(body, { status: response.status, statusText: response.statusText, headers });
}

async function broadcast(message) {
  const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  for (const client of windows) client.postMessage(message);
}

async function sha256Hex(buffer) {
  const digest = await crypto.subtle.digest('SHA-256', buffer);
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, '0')).join('');
}
