/* The guide search in the browser, on /search: the same search as server/search.py, over the
 * index JSON the service worker keeps with the app shell, so that it answers offline too.
 * Without this script the form still works: the server answers /search?q=. The texts come from
 * the page (pwa/messages.toml), in its language. */
(() => {
  'use strict';

  // As in server/search.py.
  const MAX_WORDS = 8;
  const SNIPPET_CHARS = 160;
  const LIMIT = 20;

  const form = document.querySelector('form.search[data-index]');
  const results = document.getElementById('search-results');
  if (!form || !results || !window.fetch) return;
  const input = form.querySelector('input[name="q"]');
  const count = document.getElementById('search-count');
  const list = results.querySelector('.hits');
  let loading = null;

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? values[name] : whole));
  }

  /* Lower-case without accents, so that "perpanjangan" finds "Perpanjangan". */
  function fold(text) {
    return text.toLowerCase().normalize('NFKD').replace(/\p{Mn}/gu, '');
  }

  function queryWords(query) {
    return fold(query).split(/\s+/).filter(Boolean).slice(0, MAX_WORDS);
  }

  /* Where `word` begins a word of `folded`, as word_starts() in server/search.py: "itas" finds
   * "ITAS" but not "prioritas"; a prefix is enough ("paspor" finds "paspornya"). */
  function wordStarts(folded, word) {
    const found = [];
    for (let at = folded.indexOf(word); at !== -1; at = folded.indexOf(word, at + 1)) {
      if (at === 0 || !/[\p{L}\p{N}]/u.test(folded[at - 1])) found.push(at);
    }
    return found;
  }

  function loadIndex() {
    loading =
      loading ||
      fetch(form.dataset.index)
        .then((response) => {
          if (!response.ok) throw new Error(`search index: HTTP ${response.status}`);
          return response.json();
        })
        .then((index) => ({ ...index, folded: index.pages.map((row) => fold(row[2])) }));
    loading.catch(() => {
      loading = null; // the next search tries again
    });
    return loading;
  }

  /* Every word must appear in the page; the title and summary weigh more; ties keep the
   * catalog's order. */
  function search(index, query) {
    const words = queryWords(query);
    if (!words.length) return [];
    const scored = [];
    index.pages.forEach(([slug, page, text], order) => {
      const folded = index.folded[order];
      const starts = words.map((word) => wordStarts(folded, word));
      if (!starts.every((found) => found.length)) return;
      const score =
        starts.reduce((sum, found) => sum + found.length, 0) + (page === 0 ? 5 : 0);
      scored.push({ score, order, slug, page, text, folded });
    });
    scored.sort((a, b) => b.score - a.score || a.order - b.order);
    return scored.slice(0, LIMIT).map((hit) => ({ ...hit, ...snippet(hit, words[0]) }));
  }

  function snippet({ text, folded }, word) {
    const aligned = folded.length === text.length;
    const position = aligned ? wordStarts(folded, word)[0] : 0;
    let start = Math.max(position - Math.floor(SNIPPET_CHARS / 3), 0);
    if (start) {
      // Begin at a word.
      const space = text.indexOf(' ', start);
      if (space !== -1 && space < position) start = space + 1;
    }
    let end = Math.min(start + SNIPPET_CHARS, text.length);
    if (end < text.length) {
      const space = text.lastIndexOf(' ', end - 1);
      if (space >= Math.max(position + word.length, start)) end = space;
    }
    const lead = start ? '…' : '';
    const body = lead + text.slice(start, end).trimEnd() + (end < text.length ? '…' : '');
    const offset = lead.length + position - start;
    return { snippet: body, mark: aligned ? [offset, offset + word.length] : [0, 0] };
  }

  function resultItem(index, hit) {
    const item = document.createElement('li');
    const link = document.createElement('a');
    link.href = `${index.prefix}/guides/${hit.slug}${hit.page ? `#page-${hit.page}` : ''}`;
    const where = document.createElement('span');
    where.className = 'where';
    where.textContent = ` · ${
      hit.page ? fill(results.dataset.page, { n: hit.page }) : results.dataset.summary
    }`;
    link.append(index.titles[hit.slug] || hit.slug, where);
    const text = document.createElement('p');
    const [start, end] = hit.mark;
    text.append(hit.snippet.slice(0, start));
    if (end > start) {
      const mark = document.createElement('mark');
      mark.textContent = hit.snippet.slice(start, end);
      text.append(mark);
    }
    text.append(hit.snippet.slice(end));
    item.append(link, text);
    return item;
  }

  async function show(query) {
    if (!queryWords(query).length) {
      list.replaceChildren();
      count.textContent = '';
      return;
    }
    let index;
    try {
      index = await loadIndex();
    } catch {
      count.textContent = results.dataset.unavailable;
      return;
    }
    const hits = search(index, query);
    list.replaceChildren(...hits.map((hit) => resultItem(index, hit)));
    const template = hits.length ? results.dataset.count : results.dataset.none;
    count.textContent = fill(template, { count: hits.length, query });
    results.dataset.query = query;
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const query = input.value.split(/\s+/).filter(Boolean).join(' ');
    // The address keeps the query, so that reloading or sharing the page shows the same results.
    history.replaceState(null, '', `?q=${encodeURIComponent(query)}`);
    show(query);
  });

  // Offline, the saved search page arrives without results: search here instead.
  const query = (new URLSearchParams(location.search).get('q') || '')
    .split(/\s+/)
    .filter(Boolean)
    .join(' ');
  if (query && results.dataset.query !== query) {
    input.value = query;
    show(query);
  }
})();
