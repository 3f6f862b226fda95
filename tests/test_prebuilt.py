"""Pre-compressed responses: the right encoding for each client, and a bounded memory."""

from __future__ import annotations

import gzip
import os

import brotli

from server.prebuilt import HTML, _CompressedForms, accepts, prebuild


def test_each_encoding_decodes_to_the_body_and_has_its_own_etag() -> None:
    body = ("<p>Antrian paspor lewat M-Paspor.</p>" * 40).encode()
    page = prebuild(body, HTML)
    br, gz, plain = page.variant("gzip, deflate, br"), page.variant("gzip"), page.variant("")
    assert (br.coding, gz.coding, plain.coding) == (b"br", b"gzip", None)
    assert brotli.decompress(br.body) == gzip.decompress(gz.body) == plain.body == body
    assert len({br.etag, gz.etag, plain.etag}) == 3
    assert all(page.matches(tag) for tag in (br.etag, gz.etag, plain.etag, "*"))
    for encoded in (br, gz, plain):
        headers = dict(encoded.headers)
        assert headers[b"content-length"] == str(len(encoded.body)).encode()
        assert headers[b"etag"] == encoded.etag.encode()
        assert headers.get(b"content-encoding") == encoded.coding
        assert b"content-length" not in dict(encoded.not_modified)
    assert not page.matches('"something-else"')


def test_a_refused_encoding_is_not_sent() -> None:
    assert not accepts("br;q=0, gzip", "br")
    assert accepts("br;q=0, gzip", "gzip")
    page = prebuild(b"x" * 2000, HTML)
    assert page.variant("br;q=0, gzip").coding == b"gzip"
    assert page.variant("br;q=0").coding is None


def test_small_or_incompressible_bodies_go_as_they_are() -> None:
    assert prebuild(b"<p>kecil</p>", HTML).variant("br").coding is None
    assert prebuild(os.urandom(4000), "image/png").variant("br, gzip").coding is None


def test_compressed_forms_stay_within_their_budget_and_keep_the_recent_ones() -> None:
    """A server that publishes for months must not keep every version it ever built."""
    forms = _CompressedForms(budget=64 * 1024)
    bodies = [os.urandom(8000).hex().encode() for _ in range(40)]
    for number, body in enumerate(bodies):
        forms.get("gzip", body, str(number))
    assert forms._held_bytes <= forms.budget
    assert ("gzip", "39") in forms._held and ("gzip", "0") not in forms._held
    assert gzip.decompress(forms.get("gzip", bodies[39], "39")) == bodies[39]
