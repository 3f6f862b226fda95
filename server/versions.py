"""Which version a rollback brings back (the versions themselves are records: storage/rows.py)."""

from __future__ import annotations

from server.languages import Languages
from server.publish_checks import PublishError, check_lang
from server.storage.rows import Version

__all__ = ["Version", "rollback_target"]


def rollback_target(
    slug: str,
    history: list[Version],
    to: int | None,
    lang: str | None,
    languages: Languages | None = None,
) -> Version:
    """The version a rollback brings back: number `to` (in `lang`, needed when both languages
    have that number), or else the one before the current file in `lang` (by default the
    language changed last). `history` is newest first."""
    if to is not None:
        found = [v for v in history if v.number == to and (lang is None or v.lang == lang)]
        if not found:
            where = f" in {lang!r}" if lang else ""
            raise PublishError("no_version", f"guide {slug!r} has no version {to}{where}")
        if len(found) > 1:
            langs = " and ".join(sorted(v.lang for v in found))
            raise PublishError(
                "which_language",
                f"guide {slug!r} has a v{to} in {langs}; say which language (--lang)",
            )
        return found[0]
    lang = check_lang(lang, languages) if lang else history[0].lang
    current = next((v for v in history if v.lang == lang), None)
    for version in history:
        if version.lang == lang and current and version.sha256 != current.sha256:
            return version
    raise PublishError("no_version", f"guide {slug!r} has no earlier {lang} version")
