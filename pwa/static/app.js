/* Bilang Karyo in the browser: installing the app, guides saved for offline, and updates.
 * The pages work without it; everything here only adds to them. The texts come from the
 * page (pwa/messages.toml), in its language. The service worker is pwa/sw.js. */
(() => {
  'use strict';

  // The guides ("slug.lang") to keep on this phone, so that a start can bring back what the
  // browser evicted. Kept apart from the caches, which eviction empties.
  // The site's path on its host ("" or "/infokanimjogja"; server/root_path.py). Storage belongs to
  // the host, so a site under a root path keeps its own keys.
  const ROOT = document.documentElement.dataset.root || '';
  const STORAGE = ROOT ? `bilang-karyo@${ROOT}:` : 'bilang-karyo:';
  const SAVED_KEY = `${STORAGE}saved`;
  const HINT_CLOSED_KEY = `${STORAGE}ios-hint-closed`;
  const GUIDE_FILE = /^\/files\/([a-z0-9-]+)\.([a-z]{2,3})\.[0-9a-f]{16}\.pdf$/;
  // The path of a URL of this site without the root path; null for one outside the site.
  const appPath = (url) => {
    const { pathname } = new URL(url, window.location.href);
    return pathname.startsWith(`${ROOT}/`) ? pathname.slice(ROOT.length) : null;
  };
  const lang = document.documentElement.lang;
  const byId = (id) => document.getElementById(id);

  function show(element, visible = true) {
    if (element) element.hidden = !visible;
  }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? values[name] : whole));
  }

  /* The same units as server/i18n.py's format_size. */
  function formatSize(bytes) {
    if (bytes < 1024) return `${bytes} B`;
    if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
    return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
  }

  function remembered(key) {
    try {
      return localStorage.getItem(key);
    } catch {
      return null; // Storage blocked: behave as on a first visit.
    }
  }

  function remember(key, value) {
    try {
      localStorage.setItem(key, value);
    } catch {
      // Storage full or blocked: forgetting is harmless here.
    }
  }

  function readSaved() {
    try {
      const saved = JSON.parse(remembered(SAVED_KEY) || '[]');
      return Array.isArray(saved) ? saved.filter((key) => typeof key === 'string') : [];
    } catch {
      return [];
    }
  }

  function writeSaved(keys) {
    remember(SAVED_KEY, JSON.stringify([...new Set(keys)].sort()));
  }

  function isInstalled() {
    return navigator.standalone === true || matchMedia('(display-mode: standalone)').matches;
  }

  /* Install: the browser's own prompt where it has one, a hint on iOS Safari. */

  function offerInstall() {
    const install = byId('install');
    let deferred = null;
    window.addEventListener('beforeinstallprompt', (event) => {
      event.preventDefault();
      deferred = event;
      show(install);
    });
    install.querySelector('button').addEventListener('click', async () => {
      show(install, false);
      if (!deferred) return;
      deferred.prompt();
      await deferred.userChoice;
      deferred = null;
    });
    window.addEventListener('appinstalled', () => {
      show(install, false);
      requestPersistence();
    });
  }

  function isIosSafari() {
    const agent = navigator.userAgent;
    const ios =
      /iPhone|iPad|iPod/.test(agent) ||
      (navigator.platform === 'MacIntel' && navigator.maxTouchPoints > 1);
    // Other browsers and in-app views on iOS have no "Add to Home Screen" of their own.
    const otherBrowser = /CriOS|FxiOS|EdgiOS|OPiOS|GSA\/|FBAN|FBAV|Instagram|Line\//.test(agent);
    return ios && /Safari\//.test(agent) && !otherBrowser;
  }

  function offerIosHint() {
    const hint = byId('ios-hint');
    if (!isIosSafari() || isInstalled() || remembered(HINT_CLOSED_KEY)) return;
    show(hint);
    hint.querySelector('button').addEventListener('click', () => {
      show(hint, false);
      remember(HINT_CLOSED_KEY, '1');
    });
  }

  async function requestPersistence() {
    // Asks the browser not to evict the saved guides under storage pressure.
    if (!navigator.storage || !navigator.storage.persist) return;
    if (!(await navigator.storage.persisted())) await navigator.storage.persist();
  }

  /* Offline status of the guide on this page: saved when its PDF and every reader page are. */

  // "slug.lang" of the guide file this page shows; opening the page saves it.
  const guideKey = (document.querySelector('[data-guide-key]') || { dataset: {} }).dataset.guideKey;

  // `settled`: the worker has answered. Until then "not saved" may be about to change, and
  // showing it would make the page jump.
  async function showGuideStatus(settled = true) {
    const status = byId('offline-status');
    if (!status) return;
    const urls = [status.dataset.file, ...readerPageUrls()];
    const found = await Promise.all(urls.map((url) => caches.match(url)));
    const saved = found.every(Boolean);
    if (!saved && !settled) return;
    if (!saved && hasText && !navigator.onLine) {
      // The text is here (it came with the app); only the pages and the PDF are missing.
      needsConnection();
      return;
    }
    status.textContent = saved ? status.dataset.yes : status.dataset.no;
    status.classList.toggle('is-saved', saved);
    show(status);
  }

  // A guide page with its text version: the text is saved with the app, offline included.
  const hasText = Boolean(document.querySelector('.guide.has-text'));

  /* Offline, a guide never saved: one clear line instead of empty frames. */
  function needsConnection() {
    show(byId('offline-status'), false);
    show(byId('needs-connection'));
    const original = document.querySelector('details.reader');
    if (original) {
      original.open = false;
      show(original, false);
    }
  }

  function watchOriginalPages() {
    // Opened with a weak connection: a page that cannot load hides the frames, says why.
    for (const image of document.querySelectorAll('.reader .page img')) {
      image.addEventListener('error', () => {
        if (!hasText) return;
        needsConnection();
      });
    }
  }

  function readerPageUrls() {
    return [...document.querySelectorAll('.reader .page img')].map(
      (image) => new URL(image.src).pathname,
    );
  }

  /* The home page marks each guide that is saved whole (pages and PDF), as the worker says. */
  function askSavedGuides() {
    if (!document.querySelector('[data-saved-key]')) return;
    navigator.serviceWorker.ready.then((ready) => ready.active.postMessage({ type: 'STATUS' }));
  }

  function markSavedGuides(complete) {
    for (const link of document.querySelectorAll('[data-saved-key]')) {
      const badge = link.querySelector('.saved-badge');
      if (badge) show(badge, complete.includes(link.dataset.savedKey));
    }
  }

  function showGuideProgress(message) {
    const status = byId('offline-status');
    if (!status || message.done >= message.total) return;
    status.textContent = fill(status.dataset.progress, {
      done: formatSize(message.done),
      total: formatSize(message.total),
    });
    status.classList.remove('is-saved');
    show(status);
  }

  /* Saving guides: reports from the service worker. */

  function reportFailures(failed) {
    const errors = byId('save-errors');
    const lines = ['quota', 'network']
      .map((reason) => {
        const titles = new Set(
          failed.filter((item) => item.reason === reason).map((item) => item.title[lang]),
        );
        return titles.size ? fill(errors.dataset[reason], { guides: [...titles].join(', ') }) : '';
      })
      .filter(Boolean);
    errors.textContent = lines.join(' ');
    show(errors, lines.length > 0);
  }

  function showSaveAll(message) {
    const section = byId('save-all');
    if (!section) return;
    const progress = section.querySelector('progress');
    const status = section.querySelector('.save-status');
    progress.max = message.total;
    progress.value = message.done;
    show(progress);
    if (message.type === 'PROGRESS') {
      status.textContent = fill(section.dataset.progress, {
        done: formatSize(message.done),
        total: formatSize(message.total),
      });
      return;
    }
    section.querySelector('button').disabled = false;
    status.textContent = message.failed.length ? '' : section.dataset.done;
  }

  function onWorkerMessage(event) {
    const message = event.data || {};
    if (message.type === 'STATUS') {
      markSavedGuides(message.complete);
      return;
    }
    if (message.type === 'SAVED') {
      writeSaved([...readSaved(), ...message.saved]);
    } else if (message.type === 'NOT_SAVED') {
      reportFailures(message.failed);
    } else if (message.type === 'PROGRESS' && message.reason === 'SAVE_ALL') {
      showSaveAll(message);
    } else if (message.type === 'PROGRESS') {
      showGuideProgress(message);
      return;
    } else if (message.type === 'DONE') {
      // Keep asking for what could not be fetched: a later start may be online.
      writeSaved(message.saved);
      if (message.reason === 'SAVE_ALL') {
        showSaveAll(message);
        reportFailures(message.failed);
      } else {
        // Starting offline is normal; only a full phone needs the applicant's attention.
        reportFailures(message.failed.filter((item) => item.reason === 'quota'));
      }
    }
    showGuideStatus(message.type === 'DONE' || message.type === 'NOT_SAVED');
    if (message.type === 'DONE') askSavedGuides();
  }

  function offerSaveAll() {
    const section = byId('save-all');
    if (!section) return;
    show(section);
    const button = section.querySelector('button');
    button.addEventListener('click', async () => {
      button.disabled = true;
      show(byId('save-errors'), false);
      requestPersistence();
      const registration = await navigator.serviceWorker.ready;
      registration.active.postMessage({ type: 'SAVE_ALL' });
    });
  }

  function rememberOpenedGuides() {
    // Opening a guide before the worker took over does not save it; the next start will.
    document.addEventListener('click', (event) => {
      const link = event.target.closest('a[data-guide-file]');
      const match = link && GUIDE_FILE.exec(appPath(link.href));
      if (match) writeSaved([...readSaved(), `${match[1]}.${match[2]}`]);
    });
  }

  /* Usage the server cannot see (server/usage.py): a tap on the WhatsApp button leaves the site.
   * Nothing here waits: the link opens WhatsApp at once. */

  function countWhatsAppTaps() {
    document.addEventListener('click', (event) => {
      if (!event.target.closest('a[data-usage="whatsapp"]')) return;
      const usage = { type: 'whatsapp', lang };
      const worker = 'serviceWorker' in navigator && navigator.serviceWorker.controller;
      if (worker) {
        // The worker keeps the event until the server has it, even while offline.
        worker.postMessage({ type: 'USAGE', event: usage });
      } else if (navigator.sendBeacon) {
        const body = JSON.stringify({ events: [{ ...usage, id: randomId() }] });
        navigator.sendBeacon(`${ROOT}/api/usage`, new Blob([body], { type: 'application/json' }));
      }
    });
  }

  /* Share a guide: the phone's share sheet (Web Share API) where there is one, else the link
   * is copied, and the page says so. The link carries ?src=share, which the usage counts. */

  function offerShare() {
    const share = document.querySelector('.share[data-url]');
    if (!share) return;
    const status = share.querySelector('.share-status');
    const { url, title, text } = share.dataset;
    const say = (message) => {
      status.textContent = message;
    };
    share.querySelector('button').addEventListener('click', async () => {
      say('');
      if (navigator.share) {
        try {
          await navigator.share({ title, text, url });
          return;
        } catch (error) {
          if (error && error.name === 'AbortError') return; // the applicant closed the sheet
        }
      }
      if (await copyText(url)) {
        say(share.dataset.copied);
        return;
      }
      // No clipboard either: show the link, selected, to copy by hand.
      say(share.dataset.failed);
      const field = document.createElement('input');
      field.type = 'text';
      field.readOnly = true;
      field.value = url;
      field.setAttribute('aria-label', share.dataset.failed);
      status.append(field);
      field.select();
    });
  }

  async function copyText(text) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch {
      // Older browsers, or a page not allowed the clipboard: the old way still works in most.
    }
    const field = document.createElement('textarea');
    field.value = text;
    field.setAttribute('readonly', '');
    field.className = 'visually-hidden';
    document.body.append(field);
    field.select();
    let copied = false;
    try {
      copied = document.execCommand('copy');
    } catch {
      copied = false;
    }
    field.remove();
    return copied;
  }

  function randomId() {
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
  }

  /* Updates: a new catalog or shell is a new worker, which waits for the applicant. */

  let acceptedUpdate = false;

  function offerUpdate(registration) {
    const prompt = byId('update-prompt');
    const button = prompt.querySelector('button');
    show(prompt);
    button.onclick = () => {
      // The newest waiting worker, which may have replaced the one first offered.
      if (!registration.waiting) return;
      acceptedUpdate = true;
      button.disabled = true;
      registration.waiting.postMessage({ type: 'SKIP_WAITING' });
    };
  }

  let askedForNewest = false;

  async function offerNewest(registration) {
    // Before offering a waiting worker, ask once for the newest: one generated while the
    // server was still rendering a new guide's pages lacks them, and the worker made after
    // it replaces it. Once a page: while the server renders many guides in a row, each
    // answer would be newer still, and each install downloads the shell again.
    if (!askedForNewest) {
      askedForNewest = true;
      await registration.update().catch(() => {});
      if (registration.installing) return; // offered once installed
    }
    if (registration.waiting && navigator.serviceWorker.controller) offerUpdate(registration);
  }

  function watchForUpdates(registration) {
    const track = (worker) => {
      if (!worker) return;
      worker.addEventListener('statechange', () => {
        if (worker.state === 'installed' && navigator.serviceWorker.controller) {
          offerNewest(registration);
        } else if (worker.state === 'redundant' && registration.waiting) {
          // It failed to install; the one waiting before it is still an update. Not asking
          // again here: the same broken worker would fail again, in a loop.
          if (navigator.serviceWorker.controller) offerUpdate(registration);
        }
      });
    };
    registration.addEventListener('updatefound', () => track(registration.installing));
    if (registration.installing) {
      track(registration.installing);
    } else if (registration.waiting) {
      offerNewest(registration);
    }
    // An installed app may sit in the background for days without a navigation.
    const check = () => registration.update().catch(() => {});
    window.addEventListener('online', check);
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible') check();
    });
  }

  let reloading = false;

  function reloadOnceUpdated() {
    navigator.serviceWorker.addEventListener('controllerchange', () => {
      // The first install also changes the controller; only an accepted update reloads,
      // and only once.
      if (!acceptedUpdate || reloading) return;
      reloading = true;
      window.location.reload();
    });
  }

  async function start() {
    const registration = await navigator.serviceWorker.register(`${ROOT}/sw.js`, {
      scope: `${ROOT}/`,
      updateViaCache: 'none',
    });
    watchForUpdates(registration);
    const ready = await navigator.serviceWorker.ready;
    // Opening a guide's page saves the guide (its reader pages and PDF), as opening its PDF does.
    const saved = guideKey ? [...readSaved(), guideKey] : readSaved();
    ready.active.postMessage({ type: 'SYNC', saved });
    requestPersistence();
  }

  offerInstall();
  offerIosHint();
  offerShare();
  countWhatsAppTaps();
  if (!('serviceWorker' in navigator) || !('caches' in window)) return;
  navigator.serviceWorker.addEventListener('message', onWorkerMessage);
  navigator.serviceWorker.startMessages();
  reloadOnceUpdated();
  rememberOpenedGuides();
  offerSaveAll();
  showGuideStatus(false);
  watchOriginalPages();
  askSavedGuides();
  window.addEventListener('pageshow', (event) => {
    if (event.persisted) showGuideStatus();
  });
  window.addEventListener('load', () => {
    start().catch((error) => console.warn('Bilang Karyo: offline use is not available', error));
  });
})();
