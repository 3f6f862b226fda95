"""Writing catalog.toml back: the same layout, and texts that read back exactly."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from server.catalog_file import GuideEntry, parse_catalog
from server.catalog_write import leading_comments, render_catalog, render_checked
from server.settings import PROJECT_ROOT

SAMPLE = PROJECT_ROOT / "guides" / "catalog.toml"


def test_the_sample_catalog_is_rewritten_byte_for_byte() -> None:
    text = SAMPLE.read_text(encoding="utf-8")
    entries = parse_catalog(text, SAMPLE)
    assert render_checked(entries, leading_comments(text), SAMPLE) == text


texts = (
    st.text(alphabet=st.characters(exclude_categories=["Cs"]), min_size=1, max_size=80)
    .map(str.strip)
    .filter(bool)
)


@given(title=texts, summary=texts, source=texts)
def test_any_text_reads_back_the_same(title: str, summary: str, source: str) -> None:
    entry = GuideEntry(
        slug="uji",
        order=1,
        featured=True,
        last_checked=date(2026, 11, 27),
        title={"id": title, "en": title},
        summary={"id": summary, "en": summary},
        sources=(source,),
        files={"id": "uji.id.pdf"},
        retired=True,
    )
    assert parse_catalog(render_catalog([entry]), Path("catalog.toml")) == [entry]
