"""Every user-facing string exists in Indonesian and English, and none bypasses the catalog."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from server.i18n import MessagesError, load_messages
from server.settings import PROJECT_ROOT, PWA_DIR

MESSAGES_FILE = PWA_DIR / "messages.toml"
TEMPLATES = sorted((PWA_DIR / "templates").rglob("*.html"))
# Words that are the same in both languages on purpose: each language's own name
# (shown so a reader of the other language can find it), and technical tokens.
SAME_IN_BOTH = {
    "Bahasa Indonesia",
    "English",
    "Bahasa Indonesia id",
    "English en",
    "SHA-256",
    "ID",
    "EN",
    "PDF",
    "MENU",
    "Admin",
}
_KEY_USE = re.compile(
    r"""\b(?:(?:t|bi|_t|gettext|message)\(|t_in\(\s*["'][a-z]{2}["']\s*,)\s*["']([a-z0-9_]+)["']\s*\)"""
)


def test_every_message_has_both_languages() -> None:
    messages = load_messages(MESSAGES_FILE)
    for key, texts in messages.table.items():
        for lang in messages.languages.codes:
            assert texts[lang].strip(), f"message {key!r} has an empty {lang} text"


def test_a_missing_translation_fails_loading(tmp_path: Path) -> None:
    broken = tmp_path / "messages.toml"
    broken.write_text('[greeting]\nid = "Halo"\n')
    with pytest.raises(MessagesError, match=r"\[greeting\] has no text for en"):
        load_messages(broken)


def test_every_key_used_exists() -> None:
    messages = load_messages(MESSAGES_FILE)
    sources = [*TEMPLATES, *sorted((PROJECT_ROOT / "server").rglob("*.py"))]
    used = {(path.name, key) for path in sources for key in _KEY_USE.findall(path.read_text())}
    assert used, "no message keys found: the pattern is out of date"
    missing = sorted((name, key) for name, key in used if key not in messages.table)
    assert missing == []


def _visible_text(source: str) -> list[str]:
    source = re.sub(r"{#.*?#}|{%.*?%}|{{.*?}}", " ", source, flags=re.S)
    source = re.sub(r"<(script|style)\b.*?</\1>|<!--.*?-->", " ", source, flags=re.S)
    attributes = re.findall(r'\b(?:alt|title|placeholder|aria-label)="([^"{]+)"', source)
    body = re.sub(r"<[^>]*>", "\n", source)
    # Punctuation and arrows around expressions are not words to translate.
    texts = [
        " ".join(re.sub(r"[^\w\s-]", " ", html.unescape(t)).split())
        for t in [*body.split("\n"), *attributes]
    ]
    return [t for t in texts if re.search(r"[A-Za-z]{2,}", t) and t not in SAME_IN_BOTH]


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(PWA_DIR)))
def test_templates_hold_no_untranslated_text(template: Path) -> None:
    assert _visible_text(template.read_text()) == []
