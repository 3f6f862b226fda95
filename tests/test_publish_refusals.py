"""Every validation refusal of the publishing path, each with nothing changed on disk."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest

from server.catalog_file import CATALOG_NAME
from server.publish import Publisher
from server.publish_checks import GuideTexts, PublishError
from testkit import bad_pdfs
from testkit.pdfs import make_encrypted_pdf, make_pdf
from tests.disk_state import disk_state

GOOD = make_pdf("Baik")
TEXTS = GuideTexts(title={"id": "Judul", "en": "Title"}, summary={"id": "Ringkas.", "en": "Short."})
LIMIT = 64 * 1024


def publish(
    data: bytes, slug: str = "antrian-paspor", lang: str = "id", texts: GuideTexts | None = None
) -> Callable[[Publisher], object]:
    return lambda p: p.publish(slug, lang, io.BytesIO(data), "budi", texts)


def break_catalog(p: Publisher) -> object:
    (p.guides_dir / CATALOG_NAME).write_text("[[guide]\nslug = ", encoding="utf-8")
    return p.publish("antrian-paspor", "id", io.BytesIO(GOOD), "budi")


def with_history(action: Callable[[Publisher], object]) -> Callable[[Publisher], object]:
    def run(p: Publisher) -> object:
        p.publish("antrian-paspor", "id", io.BytesIO(make_pdf("v2")), "budi")
        return action(p)

    return run


REFUSALS: list[tuple[str, Callable[[Publisher], object], str, str]] = [
    # The file itself.
    ("empty file", publish(b""), "pdf_empty", "empty"),
    ("HTML named .pdf", publish(b"<html><body>hi</body></html>"), "pdf_not_pdf", "not a PDF"),
    ("PNG named .pdf", publish(b"\x89PNG\r\n\x1a\n" + b"\0" * 64), "pdf_not_pdf", "not a PDF"),
    ("truncated copy", publish(GOOD[: len(GOOD) // 2]), "pdf_incomplete", "incomplete"),
    (
        "header and EOF only",
        publish(b"%PDF-1.7\n" + b"\x00junk" * 40 + b"\n%%EOF\n"),
        "pdf_unreadable",
        "cannot be read",
    ),
    ("encrypted", publish(make_encrypted_pdf()), "pdf_encrypted", "password"),
    ("no pages", publish(bad_pdfs.no_pages()), "pdf_no_pages", "no pages"),
    (
        "JavaScript open action",
        publish(bad_pdfs.javascript_open_action()),
        "pdf_javascript",
        "JavaScript",
    ),
    (
        "JavaScript name tree",
        publish(bad_pdfs.javascript_name_tree()),
        "pdf_javascript",
        "JavaScript",
    ),
    (
        "JavaScript link on a page",
        publish(bad_pdfs.javascript_in_page_annotation()),
        "pdf_javascript",
        "JavaScript",
    ),
    ("launch action", publish(bad_pdfs.launch_action()), "pdf_launch", "launch action"),
    ("embedded file", publish(bad_pdfs.embedded_file()), "pdf_embedded_file", "embedded"),
    (
        "file attachment annotation",
        publish(bad_pdfs.file_attachment_annotation()),
        "pdf_embedded_file",
        "embedded",
    ),
    ("over the size limit", publish(bad_pdfs.padded_pdf(LIMIT + 1)), "too_large", "limit"),
    # Names: nothing may leave guides/.
    ("slug climbing out", publish(GOOD, slug="../etc"), "bad_slug", "guide name"),
    ("slug with a slash", publish(GOOD, slug="a/b"), "bad_slug", "guide name"),
    ("absolute slug", publish(GOOD, slug="/tmp/x"), "bad_slug", "guide name"),
    ("upper-case slug", publish(GOOD, slug="Paspor"), "bad_slug", "guide name"),
    ("slug with a dot", publish(GOOD, slug="catalog.toml"), "bad_slug", "guide name"),
    ("language not offered", publish(GOOD, lang="fr"), "bad_lang", "language"),
    ("language as a path", publish(GOOD, lang="../id"), "bad_lang", "language"),
    # Guides and texts.
    (
        "unknown guide without texts",
        publish(GOOD, slug="visa-baru"),
        "unknown_guide",
        "titles and summaries",
    ),
    (
        "new guide without English title",
        publish(GOOD, "visa-baru", texts=GuideTexts(title={"id": "Visa"}, summary=TEXTS.summary)),
        "bad_texts",
        "title.en",
    ),
    (
        "new guide with a huge summary",
        publish(
            GOOD,
            "visa-baru",
            texts=GuideTexts(title=TEXTS.title, summary={"id": "x" * 2001, "en": "y"}),
        ),
        "bad_texts",
        "summary.id",
    ),
    ("broken catalog.toml", break_catalog, "catalog_broken", "fix catalog.toml"),
    # History.
    (
        "rollback of a guide with no history",
        lambda p: p.rollback("tidak-ada", "budi"),
        "no_history",
        "no recorded versions",
    ),
    (
        "rollback to a version that does not exist",
        with_history(lambda p: p.rollback("antrian-paspor", "budi", to=99)),
        "no_version",
        "99",
    ),
    (
        "rollback to the version already served",
        with_history(lambda p: p.rollback("antrian-paspor", "budi", to=2)),
        "already_current",
        "already",
    ),
    (
        "retire an unknown guide",
        lambda p: p.set_retired("tidak-ada", "budi"),
        "unknown_guide",
        "no guide",
    ),
    (
        "show a guide that is not retired",
        lambda p: p.set_retired("antrian-paspor", "budi", retired=False),
        "already_restore",
        "already shown",
    ),
    (
        "reorder an unknown guide",
        lambda p: p.reorder("budi", {"tidak-ada": 1}),
        "unknown_guide",
        "tidak-ada",
    ),
]


@pytest.mark.parametrize(
    ("action", "key", "message"),
    [case[1:] for case in REFUSALS],
    ids=[case[0] for case in REFUSALS],
)
def test_refused_with_a_clear_message_and_nothing_changed(
    guides_dir: Path,
    tmp_path: Path,
    action: Callable[[Publisher], object],
    key: str,
    message: str,
) -> None:
    publisher = Publisher(guides_dir, tmp_path / "data", max_bytes=LIMIT)
    if key == "catalog_broken":
        # The broken catalog is the test's own change; compare from there on.
        (guides_dir / CATALOG_NAME).write_text("[[guide]\nslug = ", encoding="utf-8")
    # The history cases publish once before refusing; the next test checks those.
    before = None if action.__name__ == "run" else disk_state(guides_dir, tmp_path / "data")
    with pytest.raises(PublishError) as refused:
        action(publisher)
    assert refused.value.key == key
    assert message in refused.value.detail
    if before is not None:
        assert disk_state(guides_dir, tmp_path / "data") == before


def test_a_refused_history_action_changes_nothing(guides_dir: Path, tmp_path: Path) -> None:
    publisher = Publisher(guides_dir, tmp_path / "data")
    publisher.publish("antrian-paspor", "id", io.BytesIO(make_pdf("v2")), "budi")
    before = disk_state(guides_dir, tmp_path / "data")
    actions: list[Callable[[], object]] = [
        lambda: publisher.rollback("antrian-paspor", "budi", to=99),
        lambda: publisher.rollback("antrian-paspor", "budi", to=2),  # the one served
    ]
    for action in actions:
        with pytest.raises(PublishError):
            action()
        assert disk_state(guides_dir, tmp_path / "data") == before


def test_nothing_outside_guides_is_written(guides_dir: Path, tmp_path: Path) -> None:
    publisher = Publisher(guides_dir, tmp_path / "data")
    outside = {p for p in tmp_path.rglob("*") if "data" not in p.parts}
    for slug in ("../x", "..", ".", "x/../../y", "x\\y"):
        with pytest.raises(PublishError):
            publisher.publish(slug, "id", io.BytesIO(GOOD), "budi", TEXTS)
    assert {p for p in tmp_path.rglob("*") if "data" not in p.parts} == outside
