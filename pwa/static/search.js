/* The guide search in the browser, on /search: the same search as server/search.py, over the
 * index JSON the service worker keeps with the app shell, so that it answers offline too.
 * Without this script the form still works: the server answers /search?q=. The texts come from
 * the page (pwa/messages.toml), in its language. */
(() => {
  'use strict';

  // As in server/search.py.
  const MAX_WORDS = 8;
  const SNIPPET_CHARS = 180;
  const SHORT_SNIPPET = 90;
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

  /* Each word of the query, or glossary phrase ("izin tinggal"), with the words meaning the same
   * (pwa/glossary.toml), as concepts() in server/search.py. */
  function concepts(words, glossary) {
    const found = [];
    let at = 0;
    while (at < words.length) {
      for (const length of [3, 2, 1]) {
        if (length > 1 && at + length > words.length) continue;
        const phrase = words.slice(at, at + length).join(' ');
        const group = glossary.find((terms) => terms.includes(phrase));
        if (group || length === 1) {
          found.push([phrase, ...(group || []).filter((term) => term !== phrase)]);
          at += length;
          break;
        }
      }
    }
    return found;
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

  function matches(folded, alternatives) {
    return alternatives
      .flatMap((term) => wordStarts(folded, term).map((start) => [start, start + term.length]))
      .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  }

  function loadIndex() {
    loading =
      loading ||
      fetch(form.dataset.index)
        .then((response) => {
          if (!response.ok) throw new Error(`search index: HTTP ${response.status}`);
          return response.json();
        })
        .then((index) => ({ ...index, folded: index.entries.map((row) => fold(row[3])) }));
    loading.catch(() => {
      loading = null; // the next search tries again
    });
    return loading;
  }

  /* Every concept must be in the section; headings weigh more; a guide found in its sections is
   * not listed again for its title. */
  function search(index, query) {
    const wanted = concepts(queryWords(query), index.glossary);
    if (!wanted.length) return [];
    const scored = [];
    index.entries.forEach(([slug, anchor, heading, text, lang], order) => {
      const folded = index.folded[order];
      const found = wanted.map((alternatives) => matches(folded, alternatives));
      if (!found.every((spans) => spans.length)) return;
      const title = fold(heading || index.titles[slug] || '');
      const inHeading = wanted.filter((alternatives) => matches(title, alternatives).length).length;
      // The words as typed count twice as much as their translations.
      const typed = wanted.reduce((sum, alts) => sum + wordStarts(folded, alts[0]).length, 0);
      const score =
        found.reduce((sum, spans) => sum + spans.length, 0) +
        typed +
        4 * inHeading +
        (anchor ? 0 : 3);
      scored.push({ score, order, slug, anchor, heading, text, lang, folded });
    });
    scored.sort((a, b) => b.score - a.score || a.order - b.order);
    const withSections = new Set(scored.filter((hit) => hit.anchor).map((hit) => hit.slug));
    const seen = new Set();
    const hits = [];
    for (const hit of scored) {
      if (!hit.anchor && withSections.has(hit.slug)) continue;
      const cut = snippet(hit, wanted);
      const key = `${hit.slug}\n${cut.snippet}`;
      if (seen.has(key)) continue;
      seen.add(key);
      hits.push({ ...hit, ...cut });
    }
    return hits.slice(0, LIMIT);
  }

  /* (start, end) of each sentence; each line (a heading, an item, a row) ends one too. */
  function sentences(text) {
    const spans = [];
    let at = 0;
    for (const line of text.split('\n')) {
      let begin = at;
      for (const gap of line.matchAll(/(?<=[.!?])\s+/g)) {
        spans.push([begin, at + gap.index]);
        begin = at + gap.index + gap[0].length;
      }
      if (begin < at + line.length) spans.push([begin, at + line.length]);
      at += line.length + 1;
    }
    return spans.length ? spans : [[0, text.length]];
  }

  /* The sentence that matched most, with the next ones while it is short, as _hit() does. */
  function snippet({ text, folded }, wanted) {
    const aligned = folded.length === text.length;
    const spans = sentences(text);
    const hitsIn = ([a, b]) =>
      aligned ? wanted.filter((alts) => matches(folded.slice(a, b), alts).length).length : 0;
    let best = spans[0];
    for (const span of spans) if (hitsIn(span) > hitsIn(best)) best = span;
    let [start, end] = best;
    const following = spans.filter((span) => span[0] >= end);
    while (end - start < SHORT_SNIPPET && following.length) end = following.shift()[1];
    const wholeEnd = end;
    if (end - start > SNIPPET_CHARS) {
      const firsts = wanted.flatMap((alts) => matches(folded.slice(start, end), alts));
      const first = firsts.length ? Math.min(...firsts.map((m) => m[0])) : 0;
      start += Math.max(first - Math.floor(SNIPPET_CHARS / 3), 0);
      const space = start > best[0] ? text.indexOf(' ', start) : -1;
      if (space !== -1 && space < start + 30) start = space + 1;
      end = Math.min(end, start + SNIPPET_CHARS);
      // End at a word.
      const last = text.lastIndexOf(' ', end - 1);
      if (last > start + SNIPPET_CHARS / 2 && end < wholeEnd) end = last;
    }
    const lead = start > best[0] ? '…' : '';
    const tail = end < wholeEnd ? '…' : '';
    const body = lead + text.slice(start, end).replaceAll('\n', ' · ') + tail;
    const marks = [];
    if (aligned) {
      const window = folded.slice(start, end);
      // Each line break is shown as " · ", two characters longer.
      const shown = (at) => lead.length + at + 2 * (window.slice(0, at).split('\n').length - 1);
      for (const alts of wanted) {
        for (const [a, b] of matches(window, alts)) marks.push([shown(a), shown(b)]);
      }
    }
    marks.sort((a, b) => a[0] - b[0]);
    const merged = [];
    for (const [a, b] of marks) {
      const last = merged[merged.length - 1];
      if (last && a <= last[1]) last[1] = Math.max(last[1], b);
      else merged.push([a, b]);
    }
    return { snippet: body, marks: merged };
  }

  function resultItem(index, hit) {
    const item = document.createElement('li');
    const link = document.createElement('a');
    link.href = `${index.prefix}/guides/${hit.slug}${hit.anchor ? `#${hit.anchor}` : ''}`;
    const where = document.createElement('span');
    where.className = 'where';
    where.textContent = ` · ${hit.heading || results.dataset.summary}`;
    link.append(index.titles[hit.slug] || hit.slug, where);
    const text = document.createElement('p');
    text.lang = hit.lang;
    // Text in a language written the other way (English on an Arabic page) keeps its direction.
    const direction = JSON.parse(results.dataset.langDirs)[hit.lang];
    if (direction && direction !== document.documentElement.dir) text.dir = direction;
    let at = 0;
    for (const [start, end] of hit.marks) {
      text.append(hit.snippet.slice(at, start));
      const mark = document.createElement('mark');
      mark.textContent = hit.snippet.slice(start, end);
      text.append(mark);
      at = end;
    }
    text.append(hit.snippet.slice(at));
    const language = document.createElement('p');
    language.className = 'hit-lang';
    language.textContent = JSON.parse(results.dataset.langNames)[hit.lang] || hit.lang;
    item.append(link, text, language);
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
