"""The language registry: each language the site speaks, and everything that follows from it.

One `[[language]]` table per language gives its code, its name (in itself), its writing
direction, its URL prefix, the Accept-Language tags whose readers it serves, its message
file and the language its missing texts fall back to. The shipped registry is
`pwa/languages.toml` (Indonesian at `/`, English at `/en/`); an office adds a language with
a `[[language]]` table in its `office.toml` (README "Adding a language").
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from server.errors import ConfigError
from server.settings import PWA_DIR

SHIPPED_REGISTRY = PWA_DIR / "languages.toml"
DIRECTIONS = ("ltr", "rtl")
_CODE = re.compile(r"^[a-z]{2,3}$")
_KEYS = {"code", "name", "dir", "prefix", "accept", "messages", "fallback"}
# Tags read from one Accept-Language header at most: a longer one is someone's attack.
_MAX_TAGS = 20


class LanguagesError(ConfigError):
    """A `[[language]]` table is unusable; the message says which and why."""


@dataclass(frozen=True)
class Language:
    code: str  # the BCP 47 primary tag: `lang="…"`, the `files.<code>` of the catalog
    name: str  # in the language itself, as the language switch shows it
    dir: str  # "ltr" or "rtl"
    prefix: str  # "" for the default language at /, else "/<code>"
    accept: tuple[str, ...]  # Accept-Language primary tags this language serves best
    messages: Path  # its message file
    fallback: str | None  # the language a missing text is shown in; None for the default
    # Shipped with the product (pwa/languages.toml): the office's texts (guide titles and
    # summaries, unit names) are required in it, as they always were. An added language's
    # may be left out, and fall back.
    shipped: bool = False


@dataclass(frozen=True)
class Languages:
    """The registry: the languages in the order their links and pages are listed."""

    all: tuple[Language, ...]

    def __iter__(self) -> Iterator[Language]:
        return iter(self.all)

    def __contains__(self, code: object) -> bool:
        return any(language.code == code for language in self.all)

    def __getitem__(self, code: str) -> Language:
        for language in self.all:
            if language.code == code:
                return language
        raise KeyError(code)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(language.code for language in self.all)

    @property
    def required(self) -> tuple[str, ...]:
        """The languages every text the office writes must be given in: the shipped ones
        (and the default, always)."""
        return tuple(lang.code for lang in self.all if lang.shipped or not lang.prefix)

    @property
    def default(self) -> Language:
        """The language served at `/` (its prefix is empty)."""
        return next(language for language in self.all if not language.prefix)

    def prefix(self, code: str) -> str:
        return self[code].prefix

    def of_path(self, path: str) -> str:
        """The language of an app path (`/en/guides/x` is English; `/guides/x` the default)."""
        return self.split_path(path)[0]

    def split_path(self, path: str) -> tuple[str, str]:
        """An app path's language and the path without its prefix (`/en/guides/x`: `en`,
        `/guides/x`); `/en` alone is English's `/`."""
        for language in self.all:
            prefix = language.prefix
            if prefix and path.startswith(prefix):
                rest = path[len(prefix) :]
                if not rest or rest.startswith("/"):
                    return language.code, rest or "/"
        return self.default.code, path

    def chain(self, code: str) -> tuple[str, ...]:
        """`code`, then each fallback in turn: where a missing text is looked for."""
        found: list[str] = []
        current: str | None = code
        while current is not None and current not in found:
            found.append(current)
            current = self[current].fallback if current in self else None
        return tuple(found)

    def pick(self, texts: Mapping[str, str], code: str) -> str:
        """The text in `code`, else in its fallbacks; "" when none of them has one."""
        for lang in self.chain(code):
            if texts.get(lang):
                return texts[lang]
        return ""

    def complete(self, texts: Mapping[str, str]) -> dict[str, str]:
        """`texts` with every language's entry, each missing one taken from its fallbacks."""
        return {language.code: self.pick(texts, language.code) for language in self.all}

    def prefix_pattern(self) -> str:
        """A regex group matching any language's URL prefix, or none (the default's)."""
        prefixes = sorted((re.escape(lang.prefix) for lang in self.all if lang.prefix), key=len)
        return f"(?:{'|'.join(reversed(prefixes))})?" if prefixes else ""

    def preferred(self, accept_language: str) -> str:
        """The language an Accept-Language header ranks highest; a tie goes to the one
        listed first (the default). Tags no language serves are passed over."""
        best: dict[str, float] = {}
        for item in accept_language.split(",")[:_MAX_TAGS]:
            tag, _, params = item.strip().partition(";")
            primary = tag.strip().lower().split("-")[0]
            quality = 1.0
            for param in params.split(";"):
                key, _, value = param.strip().partition("=")
                if key == "q":
                    try:
                        quality = float(value)
                    except ValueError:
                        quality = 0.0
            for language in self.all:
                if primary in language.accept:
                    best[language.code] = max(best.get(language.code, 0.0), quality)
                    break
        chosen = self.default.code
        for language in self.all:
            if best.get(language.code, 0.0) > best.get(chosen, 0.0):
                chosen = language.code
        return chosen

    def with_messages(self, path: Path) -> Languages:
        """The same languages, every one reading its messages from `path` (for tests)."""
        return Languages(tuple(replace(language, messages=path) for language in self.all))

    def adding(self, extra: Sequence[Language], where: str) -> Languages:
        """This registry with `extra` languages after its own; raises on a clash."""
        merged = Languages((*self.all, *extra))
        _check(merged, where)
        return merged


@functools.cache
def shipped_languages() -> Languages:
    """The registry shipped in `pwa/languages.toml`, read once per process."""
    shipped = load_languages(SHIPPED_REGISTRY)
    return Languages(tuple(replace(language, shipped=True) for language in shipped))


def load_languages(path: Path) -> Languages:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise LanguagesError(f"{path}: {exc}") from None
    registry = Languages(parse_languages(data.get("language"), path.parent, str(path)))
    _check(registry, str(path))
    return registry


def parse_languages(raw: Any, base_dir: Path, where: str) -> tuple[Language, ...]:
    """`[[language]]` tables; a message file is named relative to `base_dir`."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise LanguagesError(f"{where}: 'language' must be written as [[language]] tables")
    return tuple(
        _parse_one(entry, base_dir, f"{where}: language #{n + 1}") for n, entry in enumerate(raw)
    )


def _parse_one(raw: Any, base_dir: Path, where: str) -> Language:
    if not isinstance(raw, dict):
        raise LanguagesError(f"{where}: must be a [[language]] table")
    code = raw.get("code")
    if not isinstance(code, str) or not _CODE.fullmatch(code):
        raise LanguagesError(f"{where}: 'code' must be a 2 or 3 letter language code like \"ar\"")
    where = f"{where} ({code})"
    unknown = set(raw) - _KEYS
    if unknown:
        raise LanguagesError(f"{where}: unknown field(s): {', '.join(sorted(unknown))}")
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise LanguagesError(f"{where}: 'name' must be the language's name, written in it")
    direction = raw.get("dir", "ltr")
    if direction not in DIRECTIONS:
        raise LanguagesError(f'{where}: \'dir\' must be "ltr" or "rtl", got {direction!r}')
    prefix = raw.get("prefix", f"/{code}")
    if prefix not in ("", f"/{code}"):
        raise LanguagesError(f'{where}: \'prefix\' must be "/{code}" (or "" for the default)')
    accept = raw.get("accept", [code])
    if not isinstance(accept, list) or not all(
        isinstance(tag, str) and _CODE.fullmatch(tag) for tag in accept
    ):
        raise LanguagesError(f"{where}: 'accept' must be a list of language codes like [\"ar\"]")
    messages = raw.get("messages")
    if not isinstance(messages, str) or not messages.endswith(".toml") or "/" in messages:
        raise LanguagesError(
            f"{where}: 'messages' must name a .toml file beside this one, "
            f'like "messages.{code}.toml"'
        )
    fallback = raw.get("fallback", "")
    if not isinstance(fallback, str):
        raise LanguagesError(f"{where}: 'fallback' must be a language code")
    return Language(
        code=code,
        name=name.strip(),
        dir=direction,
        prefix=prefix,
        accept=tuple(accept),
        messages=base_dir / messages,
        fallback=fallback or None,
    )


def _check(registry: Languages, where: str) -> None:
    codes = registry.codes
    for code in codes:
        if codes.count(code) > 1:
            raise LanguagesError(f"{where}: language {code!r} is listed twice")
    defaults = [language.code for language in registry if not language.prefix]
    if len(defaults) != 1:
        raise LanguagesError(f'{where}: exactly one language must have prefix = "" (the default)')
    for language in registry:
        if language.prefix and language.fallback is None:
            raise LanguagesError(f"{where}: language {language.code!r} needs a 'fallback'")
        if not language.prefix and language.fallback is not None:
            raise LanguagesError(f"{where}: the default language {language.code!r} has no fallback")
        if language.fallback is not None and language.fallback not in codes:
            raise LanguagesError(
                f"{where}: language {language.code!r} falls back to {language.fallback!r}, "
                f"which is not listed (one of {', '.join(codes)})"
            )
        if registry.chain(language.code)[-1] != registry.default.code:
            raise LanguagesError(
                f"{where}: the fallbacks of {language.code!r} go round in a circle; "
                f"they must end at {registry.default.code!r}"
            )
