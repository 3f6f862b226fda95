/* Bilang Karyo on the landing page: "open now" by the office's hours, and the notices.
 *
 * Both are decided here, by the phone's clock in the office's time zone, from the JSON the
 * page carries (#office-data, made by server/office_page.py): the page is kept for offline
 * use, and must say "closed" after closing time and drop an ended notice weeks later, with
 * no server. The hours follow the same rules as server/hours.py; keep the two in step.
 * Without JavaScript the page lists the weekly hours and the notices as they were built. */
(() => {
  'use strict';

  const NOTICES_KEY = 'bilang-karyo:notices';
  const DAY = 1440; // minutes
  const source = document.getElementById('office-data');
  if (!source) return;
  const data = JSON.parse(source.textContent);
  const lang = data.lang;
  // A text the office wrote in some languages: in this page's, else in its fallback's.
  const pick = (texts, key = (code) => code) =>
    texts[key(data.textLangs.find((code) => texts[key(code)]) || lang)];

  /* Wall-clock time in the office's zone, as minutes since 1970-01-01 00:00 of that clock. */
  const wallFormat = new Intl.DateTimeFormat('en-US', {
    timeZone: data.timezone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
  });

  function wallMinutes(epochMs) {
    const parts = {};
    for (const part of wallFormat.formatToParts(new Date(epochMs))) parts[part.type] = part.value;
    const utc = Date.UTC(+parts.year, +parts.month - 1, +parts.day, +parts.hour % 24, +parts.minute);
    return Math.floor(utc / 60000);
  }

  /* "2026-12-24T12:00:00" or "2026-12-24", read as that wall-clock time. */
  function localMinutes(iso) {
    const [day, time = '00:00'] = iso.split('T');
    const [y, m, d] = day.split('-').map(Number);
    const [hh, mm] = time.split(':').map(Number);
    return Math.floor(Date.UTC(y, m - 1, d, hh, mm) / 60000);
  }

  const weekdayOf = (dayNumber) => new Date(dayNumber * DAY * 60000).getUTCDay();

  function planned(rules, dayNumber) {
    const special = rules.special.find((item) => localMinutes(item.date) / DAY === dayNumber);
    return special ? [special.times, special] : [rules.weekly[weekdayOf(dayNumber)], null];
  }

  function openPeriods(rules, dayNumber) {
    const [spans] = planned(rules, dayNumber);
    let periods = spans.map(([start, end]) => [dayNumber * DAY + start, dayNumber * DAY + end]);
    for (const closure of rules.closed) {
      const from = localMinutes(closure.from);
      const until = localMinutes(closure.until);
      periods = periods.flatMap(([start, end]) => {
        if (until <= start || from >= end) return [[start, end]];
        const pieces = [];
        if (from > start) pieces.push([start, from]);
        if (until < end) pieces.push([until, end]);
        return pieces;
      });
    }
    return periods;
  }

  function labelAt(rules, now) {
    for (const closure of rules.closed) {
      if (localMinutes(closure.from) <= now && now < localMinutes(closure.until)) return closure;
    }
    return planned(rules, Math.floor(now / DAY))[1];
  }

  function statusAt(rules, now) {
    const today = Math.floor(now / DAY);
    const label = labelAt(rules, now);
    for (const [start, end] of openPeriods(rules, today)) {
      if (start <= now && now < end) return { open: true, closesAt: end, label };
    }
    for (let offset = 0; offset <= 60; offset += 1) {
      for (const [start] of openPeriods(rules, today + offset)) {
        if (start > now) return { open: false, opensAt: start, label };
      }
    }
    return { open: false, opensAt: null, label };
  }

  function clock(minutes) {
    const two = (n) => String(n).padStart(2, '0');
    const inDay = ((minutes % DAY) + DAY) % DAY;
    return `${two(Math.floor(inDay / 60))}${lang === 'id' ? '.' : ':'}${two(inDay % 60)}`;
  }

  function lineFor(status, now) {
    const texts = data.texts;
    let line;
    if (status.open) {
      line = texts.hours_open_until.replace('{time}', clock(status.closesAt));
    } else if (status.opensAt === null) {
      line = texts.hours_closed;
    } else {
      const opensDay = Math.floor(status.opensAt / DAY);
      const days = opensDay - Math.floor(now / DAY);
      let key = 'hours_opens_date';
      let day = '';
      if (days === 0) key = 'hours_opens_today';
      else if (days === 1) key = 'hours_opens_tomorrow';
      else if (days < 7) {
        key = 'hours_opens_day';
        day = data.weekdays[weekdayOf(opensDay)];
      } else {
        const date = new Date(opensDay * DAY * 60000);
        day = `${date.getUTCDate()} ${data.months[date.getUTCMonth()]}`;
      }
      line = texts[key].replace('{day}', day).replace('{time}', clock(status.opensAt));
    }
    if (status.label) {
      line = texts.hours_with_reason.replace('{line}', line).replace('{reason}', pick(status.label));
    }
    return line;
  }

  function showHours() {
    const now = wallMinutes(Date.now());
    for (const element of document.querySelectorAll('.hours-now[data-place]')) {
      const rules = data.places[element.dataset.place];
      if (!rules) continue;
      const status = statusAt(rules, now);
      const line = lineFor(status, now);
      if (element.textContent !== line) element.textContent = line;
      element.classList.toggle('is-open', status.open);
    }
    // Closures and special days that are over.
    for (const item of document.querySelectorAll('[data-until]')) {
      item.hidden = Number(item.dataset.until) <= Date.now();
    }
  }

  /* Notices: the newest list this phone has seen, the page's own or one fetched since. */

  function storedNotices() {
    try {
      const stored = JSON.parse(localStorage.getItem(NOTICES_KEY) || 'null');
      return stored && Array.isArray(stored.notices) ? stored : null;
    } catch {
      return null;
    }
  }

  function currentNotices() {
    const stored = storedNotices();
    return stored && stored.revision > data.noticesRevision ? stored.notices : data.notices;
  }

  function showNotices() {
    const section = document.getElementById('notices');
    if (!section) return;
    const now = Date.now();
    const active = currentNotices()
      .filter((notice) => notice.start <= now && now < notice.end)
      .sort((a, b) => b.start - a.start || b.id - a.id)
      .slice(0, data.maxNotices);
    const texts = active.map((notice) => pick(notice, (code) => `${code}_text`));
    const shownNow = [...section.querySelectorAll('.notice:not([hidden])')].map((p) => p.textContent);
    if (JSON.stringify(texts) !== JSON.stringify(shownNow)) {
      section.replaceChildren(
        ...active.map((notice) => {
          const paragraph = document.createElement('p');
          paragraph.className = 'notice';
          paragraph.dataset.notice = notice.id;
          paragraph.textContent = pick(notice, (code) => `${code}_text`);
          return paragraph;
        }),
      );
    }
    section.hidden = active.length === 0;
  }

  async function fetchNotices() {
    // A page saved days ago may be older than the notices posted since.
    try {
      const response = await fetch(data.noticesUrl, { cache: 'no-store' });
      if (!response.ok) return;
      const body = await response.json();
      if (!Array.isArray(body.notices) || typeof body.revision !== 'number') return;
      localStorage.setItem(
        NOTICES_KEY,
        JSON.stringify({ revision: body.revision, notices: body.notices }),
      );
    } catch {
      return; // offline: what the phone has stays
    }
    showNotices();
  }

  function refresh() {
    showHours();
    showNotices();
  }

  refresh();
  // The minute changes while the page stays open (an installed app may stay open for days).
  setInterval(refresh, 30 * 1000);
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState !== 'visible') return;
    refresh();
    fetchNotices();
  });
  window.addEventListener('online', fetchNotices);
  // Without a service worker in control this page came from the server just now, current;
  // under one it may be the copy saved when the worker was installed.
  if ('serviceWorker' in navigator && navigator.serviceWorker.controller) fetchNotices();
})();
