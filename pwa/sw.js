/* Bilang Karyo's service worker: the site keeps working when the service room's Wi-Fi drops.
 *
 * The server puts `const BUILD = {...}` above this comment (server/service_worker.py). It is
 * generated from the guide catalog: the precache list with content hashes, the current guide
 * files and titles, and the offline pages. A new catalog makes a new sw.js, so nobody bumps a
 * version by hand.
 *
 * Caches, all named with PREFIX so that activation never touches another app's:
 * - `bilang-karyo-shell-<version>`: the precached pages, CSS, JS and icons of one version;
 * - `bilang-karyo-guides`: the guide PDFs the applicant opened or saved, by their hashed URL.
 */
'use strict';

const PREFIX = 'bilang-karyo-';
const SHELL_CACHE = `${PREFIX}shell-${BUILD.version}`;
const GUIDES_CACHE = `${PREFIX}guides`;
const GUIDE_FILE = /^\/files\/([a-z0-9-]+)\.([a-z]{2})\.[0-9a-f]{16}\.pdf$/;
const SHELL_URLS = new Set(BUILD.precache.map((entry) => entry.url));
// "slug.lang" -> the current file of that guide in that language.
const CURRENT_FILES = new Map(BUILD.files.map((file) => [file.key, file]));

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
  } else if (request.mode === 'navigate') {
    event.respondWith(navigation(request, url));
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
    event.waitUntil(serially(sync));
  } else if (message.type === 'SAVE_ALL') {
    event.waitUntil(serially(() => keepSaved(event.source, [...CURRENT_FILES.keys()], 'SAVE_ALL')));
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

async function precacheEntry(cache, { url, revision }) {
  const response = await fetch(new Request(url, { cache: 'reload', credentials: 'same-origin' }));
  if (!response.ok || response.redirected) {
    throw new Error(`precache ${url}: HTTP ${response.status}`);
  }
  const body = await response.arrayBuffer();
  const digest = await sha256Hex(body);
  if (!digest.startsWith(revision)) {
    // The site changed after this worker was generated; the next update check brings one
    // that matches it.
    throw new Error(`precache ${url}: expected revision ${revision}, got ${digest}`);
  }
  await cache.put(url, storable(response, body));
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
    (name) => name.startsWith(PREFIX) && name !== SHELL_CACHE && name !== GUIDES_CACHE,
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

async function navigation(request, url) {
  let response = null;
  try {
    response = await fetchWithin(request, BUILD.navigationTimeoutMs);
    if (response.status < 500) return response;
  } catch {
    // Offline, or the Wi-Fi is too slow: the saved page beats waiting.
  }
  const cached = await caches.match(url.pathname, { cacheName: SHELL_CACHE });
  return cached || response || offlinePage(offlinePageFor(url.pathname));
}

async function guideFile(event, url) {
  const { request } = event;
  const cache = await caches.open(GUIDES_CACHE);
  const cached = await cache.match(url.pathname);
  if (cached) return partial(request, cached);

  const key = keyOf(url.pathname);
  const navigate = request.mode === 'navigate';
  let response = null;
  try {
    // The whole file, even for a Range request: it is saved whole, then the range is cut.
    response = await fetch(url.pathname, {
      credentials: 'same-origin',
      redirect: navigate ? 'manual' : 'follow',
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
  if (older) return partial(request, older);
  if (navigate) return offlinePage(offlinePageFor(url.pathname, key.split('.')[1]));
  return response || Response.error();
}

function fetchWithin(request, milliseconds) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), milliseconds);
  return fetch(request, { signal: controller.signal }).finally(() => clearTimeout(timer));
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

/* Range requests: iOS and some PDF viewers ask for parts of a file. */

async function partial(request, response) {
  const header = request.headers.get('range');
  if (!header) return response;
  const blob = await response.blob();
  const range = parseRange(header, blob.size);
  const headers = new Headers(response.headers);
  headers.delete('content-encoding');
  if (range === 'whole') {
    headers.set('content-length', String(blob.size));
    return new Response(blob, { status: 200, headers });
  }
  if (range === 'unsatisfiable') {
    headers.set('content-range', `bytes */${blob.size}`);
    headers.set('content-length', '0');
    return new Response(null, { status: 416, statusText: 'Range Not Satisfiable', headers });
  }
  const part = blob.slice(range.start, range.end + 1);
  headers.set('content-range', `bytes ${range.start}-${range.end}/${blob.size}`);
  headers.set('content-length', String(part.size));
  return new Response(part, { status: 206, statusText: 'Partial Content', headers });
}

/* RFC 9110, section 14: one range (a malformed header, or several ranges, get the whole file);
 * a range that starts past the end cannot be satisfied. */
function parseRange(header, size) {
  const match = /^\s*bytes\s*=\s*(\d*)-(\d*)\s*$/i.exec(header);
  if (header.length > 200 || !match) return 'whole';
  const [, first, last] = match;
  if (first === '') {
    if (last === '') return 'whole';
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(size - suffix, 0), end: size - 1 };
  }
  const start = Number(first);
  if (last !== '' && Number(last) < start) return 'whole';
  if (start >= size) return 'unsatisfiable';
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  return { start, end };
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

/* Makes the guides cache hold the current version of every saved guide, plus `requested`.
 * The client hears PROGRESS while files download, then DONE with what is saved and what failed. */
async function keepSaved(client, requested, reason) {
  const cache = await caches.open(GUIDES_CACHE);
  const held = await heldVersions(cache);
  const wanted = [...new Set([...held.keys(), ...requested])].filter((key) =>
    CURRENT_FILES.has(key),
  );
  const files = wanted.map((key) => CURRENT_FILES.get(key));
  const missing = files.filter((file) => !(held.get(file.key) || []).includes(file.url));
  const total = files.reduce((sum, file) => sum + file.size, 0);
  let done = total - missing.reduce((sum, file) => sum + file.size, 0);
  const post = (message) => client && client.postMessage({ reason, total, ...message });
  post({ type: 'PROGRESS', done });
  const failed = [];
  for (const file of missing) {
    try {
      await download(cache, file, (bytes) => post({ type: 'PROGRESS', done: done + bytes }));
      done += file.size;
    } catch (error) {
      failed.push(failure(file, error));
    }
  }
  // An older version goes only once the current one is saved; until then it serves offline.
  for (const [key, paths] of held) {
    if (failed.some((item) => item.key === key)) continue;
    const current = CURRENT_FILES.get(key).url;
    await Promise.all(paths.filter((path) => path !== current).map((path) => cache.delete(path)));
  }
  post({ type: 'DONE', done, saved: wanted, failed });
}

/* The saved versions of each current guide file; drops guides retired from the catalog. */
async function heldVersions(cache) {
  const held = new Map();
  for (const request of await cache.keys()) {
    const path = new URL(request.url).pathname;
    const key = keyOf(path);
    if (!CURRENT_FILES.has(key)) {
      await cache.delete(request);
      continue;
    }
    held.set(key, [...(held.get(key) || []), path]);
  }
  return held;
}

async function download(cache, file, onBytes) {
  const response = await fetch(file.url, { credentials: 'same-origin' });
  if (response.status !== 200 || response.redirected) {
    throw new Error(`${file.url}: HTTP ${response.status}`);
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
  if ((await sha256Hex(body)) !== file.sha256) {
    throw new Error(`${file.url}: the download was cut short`);
  }
  await cache.put(file.url, storable(response, body));
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
