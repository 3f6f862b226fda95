"""A third, right-to-left language added the way an office adds one, without touching the
product: one `[[language]]` table in office.toml and one message file beside it."""

from __future__ import annotations

import shutil
from pathlib import Path

from testkit.server import SAMPLE_OFFICE

ARABIC_ENTRY = """
# A language the office added (README "Adding a language").
[[language]]
code = "ar"
name = "العربية"
dir = "rtl"
prefix = "/ar"
accept = ["ar"]
messages = "messages.ar.toml"
fallback = "en"
"""

# A few messages only: every other one is shown in the fallback language, English.
ARABIC_MESSAGES = """
[site_tagline]
ar = "معلومات خدمات الهجرة"

[skip_to_content]
ar = "انتقل إلى المحتوى"

[lang_switch_label]
ar = "اللغة"

[buttons_heading]
ar = "اختر خدمة"

[offline_title]
ar = "أنت غير متصل بالإنترنت"

[search_label]
ar = "ابحث في الأدلة"

[search_button]
ar = "بحث"
"""
# What the Arabic pages show in Arabic, and a message they show in English instead.
TAGLINE = "معلومات خدمات الهجرة"
OFFLINE_TITLE = "أنت غير متصل بالإنترنت"
NOT_TRANSLATED = ("whatsapp_button", "Check passport status")


def write_arabic_office(folder: Path) -> Path:
    """The sample office.toml, with Arabic added, in `folder`; the path of the office file."""
    folder.mkdir(parents=True, exist_ok=True)
    office = folder / "office.toml"
    shutil.copy(SAMPLE_OFFICE, office)
    with office.open("a", encoding="utf-8") as out:
        out.write(ARABIC_ENTRY)
    (folder / "messages.ar.toml").write_text(ARABIC_MESSAGES, encoding="utf-8")
    return office


# The files added to the office's own configuration, and nothing in the product.
FILES_TOUCHED = ("office.toml (one [[language]] table)", "messages.ar.toml (new)")
