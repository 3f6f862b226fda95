"""A guide's next catalog entry, decided from the current entries and what staff typed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from server.catalog_file import GuideEntry, is_valid_filename
from server.clock import office_today
from server.publish_checks import GuideTexts, PublishError, checked_sources, checked_texts


def existing(entries: Sequence[GuideEntry], slug: str) -> GuideEntry:
    entry = next((e for e in entries if e.slug == slug), None)
    if entry is None:
        raise PublishError("unknown_guide", f"there is no guide {slug!r} in the catalog")
    return entry


def entry_with(
    entries: Sequence[GuideEntry], entry: GuideEntry | None, slug: str, texts: GuideTexts
) -> GuideEntry:
    """`entry` with the texts staff changed; with no `entry`, a new guide, placed last."""
    if entry is None:
        if texts.title is None or texts.summary is None:
            raise PublishError(
                "unknown_guide",
                f"there is no guide {slug!r}; give its titles and summaries to add it",
            )
        entry = GuideEntry(
            slug=slug,
            order=next_order(entries),
            featured=False,
            last_checked=office_today(),
            title={},
            summary={},
            sources=(),
            files={},
        )
    return replace(
        entry,
        # The form's languages replace theirs; a text in another (written in catalog.toml) stays.
        title={**entry.title, **checked_texts(texts.title, "title")}
        if texts.title is not None
        else entry.title,
        summary={**entry.summary, **checked_texts(texts.summary, "summary")}
        if texts.summary is not None
        else entry.summary,
        sources=checked_sources(texts.sources) if texts.sources is not None else entry.sources,
        order=texts.order if texts.order is not None else entry.order,
        featured=texts.featured if texts.featured is not None else entry.featured,
        last_checked=texts.last_checked or entry.last_checked,
    )


def next_order(entries: Sequence[GuideEntry]) -> int:
    """The next round ten after the last guide, leaving room to slot guides in between."""
    return max((e.order for e in entries), default=0) // 10 * 10 + 10


def new_file_name(entries: Sequence[GuideEntry], slug: str, lang: str) -> str:
    name = f"{slug}.{lang}.pdf"
    assert is_valid_filename(name), name
    if any(name in e.files.values() for e in entries):
        raise PublishError("name_taken", f"{name} already belongs to another guide")
    return name
