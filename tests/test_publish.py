"""The one publishing path: publish, add, history and rollback, retire, edit, reorder."""

from __future__ import annotations

import hashlib
import io
from datetime import date
from pathlib import Path

import pytest

from server.blobs import BlobStore
from server.catalog import load_catalog
from server.catalog_file import CATALOG_NAME, parse_catalog
from server.clock import office_today
from server.publish import Publisher
from server.publish_checks import GuideTexts, PublishError
from testkit.pdfs import make_pdf

TEXTS = GuideTexts(
    title={"id": "Visa Kunjungan", "en": "Visit visa"},
    summary={"id": "Syarat visa kunjungan.", "en": "What a visit visa needs."},
    sources=("Permenkumham 22/2023",),
)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def publisher(guides_dir: Path, tmp_path: Path) -> Publisher:
    return Publisher(guides_dir, tmp_path / "data")


def served(guides_dir: Path, tmp_path: Path, slug: str, lang: str) -> str:
    """The sha256 the site would serve now, read the way the site reads it."""
    catalog = load_catalog(guides_dir, BlobStore(tmp_path / "served-blobs"))
    guide = catalog.guide(slug)
    assert guide is not None, f"{slug} is not served"
    return guide.files[lang].sha256


def test_a_new_version_is_served_and_recorded(
    publisher: Publisher, guides_dir: Path, tmp_path: Path
) -> None:
    old = (guides_dir / "antrian-paspor.id.pdf").read_bytes()
    new = make_pdf("Antrian versi dua")
    outcome = publisher.publish("antrian-paspor", "id", io.BytesIO(new), "budi")
    assert (guides_dir / "antrian-paspor.id.pdf").read_bytes() == new
    assert served(guides_dir, tmp_path, "antrian-paspor", "id") == sha(new)
    assert (outcome.old_sha256, outcome.new_sha256) == (sha(old), sha(new))
    current = publisher.versions.current("antrian-paspor", "id")
    assert current is not None and current.sha256 == sha(new) and current.actor == "budi"
    entry = publisher.entry("antrian-paspor")
    assert entry is not None and entry.last_checked == office_today()
    # The earlier version is kept, content-addressed.
    assert publisher.store.path_for(sha(new)).read_bytes() == new


def test_publishing_the_same_bytes_again_changes_nothing(
    publisher: Publisher, guides_dir: Path
) -> None:
    data = make_pdf("Sekali saja")
    publisher.publish("antrian-paspor", "id", io.BytesIO(data), "budi")
    catalog_before = (guides_dir / CATALOG_NAME).read_bytes()
    outcome = publisher.publish("antrian-paspor", "id", io.BytesIO(data), "budi")
    assert not outcome.changed
    assert (guides_dir / CATALOG_NAME).read_bytes() == catalog_before
    # v1 is the file that was there before the first publish; v2 the one published.
    assert [v.number for v in publisher.versions.history("antrian-paspor")] == [2, 1]


def test_a_new_guide_is_added_with_its_texts(
    publisher: Publisher, guides_dir: Path, tmp_path: Path
) -> None:
    data = make_pdf("Visa")
    publisher.publish("visa-kunjungan", "en", io.BytesIO(data), "budi", TEXTS)
    entry = publisher.entry("visa-kunjungan")
    assert entry is not None
    assert entry.title == {"id": "Visa Kunjungan", "en": "Visit visa"}
    assert entry.sources == ("Permenkumham 22/2023",)
    assert entry.files == {"en": "visa-kunjungan.en.pdf"}
    assert served(guides_dir, tmp_path, "visa-kunjungan", "en") == sha(data)


def test_rollback_is_exact_to_the_byte(
    publisher: Publisher, guides_dir: Path, tmp_path: Path
) -> None:
    original = (guides_dir / "izin-tinggal.en.pdf").read_bytes()
    second, third = make_pdf("Kedua"), make_pdf("Ketiga")
    publisher.publish("izin-tinggal", "en", io.BytesIO(original), "budi")  # recorded as v1
    publisher.publish("izin-tinggal", "en", io.BytesIO(second), "budi")
    publisher.publish("izin-tinggal", "en", io.BytesIO(third), "siti")
    history = publisher.versions.history("izin-tinggal")
    assert [(v.number, v.sha256) for v in history] == [
        (3, sha(third)),
        (2, sha(second)),
        (1, sha(original)),
    ]

    outcome = publisher.rollback("izin-tinggal", "siti", to=1)
    assert (guides_dir / "izin-tinggal.en.pdf").read_bytes() == original
    assert served(guides_dir, tmp_path, "izin-tinggal", "en") == sha(original)
    assert outcome.version == 4
    latest = publisher.versions.history("izin-tinggal")[0]
    assert (latest.action, latest.restored_from, latest.actor) == ("rollback", 1, "siti")

    # Without --to: the version before the current one, in the language last changed.
    publisher.rollback("izin-tinggal", "siti")
    assert (guides_dir / "izin-tinggal.en.pdf").read_bytes() == third


def test_rolling_back_one_language_leaves_the_other(publisher: Publisher, guides_dir: Path) -> None:
    id_bytes = (guides_dir / "izin-tinggal.id.pdf").read_bytes()
    first = make_pdf("en 1")
    publisher.publish("izin-tinggal", "en", io.BytesIO(first), "budi")
    publisher.publish("izin-tinggal", "en", io.BytesIO(make_pdf("en 2")), "budi")
    publisher.rollback("izin-tinggal", "budi", lang="en")
    assert (guides_dir / "izin-tinggal.en.pdf").read_bytes() == first
    assert (guides_dir / "izin-tinggal.id.pdf").read_bytes() == id_bytes


def test_retire_hides_the_guide_and_keeps_its_files(
    publisher: Publisher, guides_dir: Path, tmp_path: Path
) -> None:
    publisher.set_retired("pembuatan-paspor", "budi")
    catalog = load_catalog(guides_dir, BlobStore(tmp_path / "b"))
    assert catalog.guide("pembuatan-paspor") is None
    # Not even as a "dropped" file: the retired entry still owns it.
    assert not any("pembuatan-paspor" in w for w in catalog.warnings)
    assert (guides_dir / "pembuatan-paspor.id.pdf").exists()

    publisher.set_retired("pembuatan-paspor", "budi", retired=False)
    assert load_catalog(guides_dir, BlobStore(tmp_path / "b")).guide("pembuatan-paspor")


def test_edit_and_reorder_rewrite_the_catalog(publisher: Publisher, guides_dir: Path) -> None:
    publisher.edit(
        "izin-tinggal",
        "budi",
        GuideTexts(
            title={"id": 'Izin "Tinggal"', "en": "Stay permits \\ KITAS"},
            summary={"id": "Baris satu.\nBaris dua.", "en": "Line one."},
            featured=False,
            last_checked=date(2026, 11, 1),
        ),
    )
    publisher.reorder("budi", {"izin-tinggal": 5, "antrian-paspor": 50})
    path = guides_dir / CATALOG_NAME
    entries = {e.slug: e for e in parse_catalog(path.read_text(), path)}
    edited = entries["izin-tinggal"]
    assert edited.title == {"id": 'Izin "Tinggal"', "en": "Stay permits \\ KITAS"}
    assert edited.summary["id"] == "Baris satu.\nBaris dua."
    assert (edited.featured, edited.last_checked, edited.order) == (False, date(2026, 11, 1), 5)
    assert entries["antrian-paspor"].order == 50
    # The header comment Tikkim reads stays.
    assert path.read_text().startswith("# Katalog panduan Bilang Karyo.")


def test_every_change_keeps_a_copy_of_the_catalog(publisher: Publisher, guides_dir: Path) -> None:
    publisher.reorder("budi", {"izin-tinggal": 5})
    text = (guides_dir / CATALOG_NAME).read_text()
    with publisher.db.connect() as conn:
        row = conn.execute(
            "SELECT text FROM catalog_snapshots WHERE sha256 = ?", (sha(text.encode()),)
        ).fetchone()
    assert row is not None and row[0] == text


def test_a_rollback_refuses_a_damaged_stored_copy(publisher: Publisher, guides_dir: Path) -> None:
    first = make_pdf("Pertama")
    publisher.publish("antrian-paspor", "id", io.BytesIO(first), "budi")
    publisher.publish("antrian-paspor", "id", io.BytesIO(make_pdf("Kedua")), "budi")
    publisher.store.path_for(sha(first)).write_bytes(b"rusak")
    before = (guides_dir / "antrian-paspor.id.pdf").read_bytes()
    with pytest.raises(PublishError) as refused:
        publisher.rollback("antrian-paspor", "budi", to=2)  # v1 is the sample file
    assert refused.value.key == "blob_missing"
    assert (guides_dir / "antrian-paspor.id.pdf").read_bytes() == before
