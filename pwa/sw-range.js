/* Part of the service worker (server/service_worker.py joins the parts after `BUILD`):
 * answering `Range` requests from a saved guide: iOS and some PDF viewers ask for parts of a
 * file. */

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
