"""The shared test harness: servers, browsers, PDFs and proxies for tests/, bench/ and reliability/.

One concept per module: `server` (a real `bilang-karyo serve` on a free port), `browser`
(Debian's chromium against it), `admin_client` (signing in as staff), `pdfs`, `bad_pdfs`,
`text_pdfs` (guide PDFs, hostile ones, ones with a text layer or none), `camera` (a phone
reading the printed QR code), `proxy` (loopback proxies that count or throttle bytes).
tests/conftest.py wraps them in pytest fixtures.
"""
