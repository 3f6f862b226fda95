/* Bilang Karyo: "Apakah informasi ini membantu? / Was this helpful?" on a guide page.
 *
 * An answer is kept on the phone (localStorage) until the server has it: on weak Wi-Fi, or
 * offline, it is sent when the phone is back online with a guide page open, or at the next
 * start of a guide page. (The landing page leaves this script out: it is for the first visit.) Each answer
 * carries a random id, so one sent twice (the reply was lost) is stored once. Without
 * JavaScript the form posts as it is (server/feedback_api.py answers with a page). */
(() => {
  'use strict';

  const QUEUE_KEY = 'bilang-karyo:feedback';
  const MAX_QUEUED = 20; // a phone that never gets online again keeps only the newest

  function readQueue() {
    try {
      const queue = JSON.parse(localStorage.getItem(QUEUE_KEY) || '[]');
      return Array.isArray(queue) ? queue.filter((item) => item && typeof item.id === 'string') : [];
    } catch {
      return [];
    }
  }

  function writeQueue(queue) {
    try {
      localStorage.setItem(QUEUE_KEY, JSON.stringify(queue.slice(-MAX_QUEUED)));
      return true;
    } catch {
      return false; // storage blocked or full: the answer is tried once, now
    }
  }

  function randomId() {
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
  }

  /* Sends what is queued, oldest first. Resolves with the outcome of each id sent:
   * 'sent', or a refusal code the server gave (that answer will never be taken). */
  let sending = null;
  function flush() {
    sending = sending || send().finally(() => (sending = null));
    return sending;
  }

  async function send() {
    const outcomes = {};
    for (const item of readQueue()) {
      let response;
      try {
        response = await fetch(item.url, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify(item.answer),
          credentials: 'omit',
          cache: 'no-store',
        });
      } catch {
        break; // offline: try again later
      }
      // Too many from this network this minute, or the server is down: keep it for later.
      if (response.status === 429 || response.status >= 500) {
        outcomes[item.id] = 'later';
        const seconds = Number(response.headers.get('Retry-After')) || 60;
        setTimeout(flush, Math.min(seconds, 600) * 1000);
        break;
      }
      let code = 'sent';
      if (!response.ok) {
        const body = await response.json().catch(() => ({}));
        code = body.code || 'invalid';
      }
      outcomes[item.id] = code;
      writeQueue(readQueue().filter((queued) => queued.id !== item.id));
    }
    return outcomes;
  }

  function setUp(form) {
    const status = form.parentElement.querySelector('.feedback-status');
    // Tabbing into a text box scrolls only its first line into view; show all of it.
    const comment = form.querySelector('textarea');
    comment.addEventListener('focus', () => comment.scrollIntoView({ block: 'nearest' }));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const button = event.submitter;
      const data = new FormData(form);
      const id = randomId();
      const answer = {
        id,
        guide: data.get('guide'),
        lang: data.get('lang'),
        helpful: button && button.value === 'yes',
        comment: String(data.get('comment') || ''),
        section: form.dataset.section || '',
      };
      const url = new URL(form.action).pathname;
      if (!writeQueue([...readQueue(), { id, url, answer }])) {
        // Without storage the answer cannot wait; send it once, now.
        form.submit();
        return;
      }
      form.querySelectorAll('button').forEach((b) => (b.disabled = true));
      const outcome = (await flush())[id];
      if (outcome === undefined || outcome === 'later') {
        status.textContent = outcome ? form.dataset.later : form.dataset.queued;
        form.hidden = true;
      } else if (outcome === 'sent') {
        status.textContent = form.dataset.sent;
        form.hidden = true;
      } else {
        // Refused for what it says (HTML, too long): the applicant can change it and retry.
        status.textContent = form.dataset[`err${outcome[0].toUpperCase()}${outcome.slice(1)}`] ||
          form.dataset.errInvalid;
        form.querySelectorAll('button').forEach((b) => (b.disabled = false));
      }
    });
  }

  document.querySelectorAll('form.feedback-form').forEach(setUp);
  window.addEventListener('online', () => flush());
  if (readQueue().length) flush();
})();
