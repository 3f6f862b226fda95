from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from server.blobs import BlobStore
from server.catalog import CatalogError, FileCache, load_catalog
from testkit.pdfs import make_pdf


@pytest.fixture
def store(tmp_path: Path) -> BlobStore:
    return BlobStore(tmp_path / "blobs")


def test_loads_the_sample_guides_in_page_order(guides_dir: Path, store: BlobStore) -> None:
    catalog = load_catalog(guides_dir, store)
    assert [g.slug for g in catalog.guides] == [
        "antrian-paspor",
        "pembuatan-paspor",
        "izin-tinggal",
        "pelaporan-status-sipil",
    ]
    assert set(catalog.guide("izin-tinggal").files) == {"id", "en"}  # type: ignore[union-attr]
    assert catalog.warnings == ()


def test_files_carry_their_hash_size_and_pages(guides_dir: Path, store: BlobStore) -> None:
    catalog = load_catalog(guides_dir, store)
    for gfile in catalog.files():
        data = (guides_dir / gfile.filename).read_bytes()
        assert gfile.sha256 == hashlib.sha256(data).hexdigest()
        assert gfile.size == len(data)
        assert gfile.pages >= 1
        assert gfile.sha256[:16] in gfile.url
        # Served bytes come from the content-addressed store, not from guides/.
        assert store.path_for(gfile.sha256).read_bytes() == data


def test_version_changes_only_when_content_changes(guides_dir: Path, store: BlobStore) -> None:
    first = load_catalog(guides_dir, store).version
    assert load_catalog(guides_dir, store).version == first
    (guides_dir / "antrian-paspor.id.pdf").write_bytes(make_pdf("Versi baru"))
    assert load_catalog(guides_dir, store).version != first


def test_half_copied_pdf_is_refused(guides_dir: Path, store: BlobStore) -> None:
    data = make_pdf("Baru")
    (guides_dir / "antrian-paspor.id.pdf").write_bytes(data[: len(data) // 2])
    with pytest.raises(CatalogError, match=r"antrian-paspor\.id\.pdf: .*incomplete"):
        load_catalog(guides_dir, store)


def test_removed_file_drops_that_language(guides_dir: Path, store: BlobStore) -> None:
    (guides_dir / "izin-tinggal.en.pdf").unlink()
    catalog = load_catalog(guides_dir, store)
    assert set(catalog.guide("izin-tinggal").files) == {"id"}  # type: ignore[union-attr]
    assert any("izin-tinggal.en.pdf" in w and "missing" in w for w in catalog.warnings)


def test_guide_without_any_file_is_not_shown(guides_dir: Path, store: BlobStore) -> None:
    (guides_dir / "antrian-paspor.id.pdf").unlink()
    catalog = load_catalog(guides_dir, store)
    assert catalog.guide("antrian-paspor") is None


def test_dropped_pdf_named_by_convention_becomes_a_guide(
    guides_dir: Path, store: BlobStore
) -> None:
    (guides_dir / "visa-kunjungan.id.pdf").write_bytes(make_pdf("Visa"))
    catalog = load_catalog(guides_dir, store)
    guide = catalog.guide("visa-kunjungan")
    assert guide is not None and not guide.in_catalog
    assert guide.title["id"] == "Visa kunjungan"
    assert any("add titles" in w for w in catalog.warnings)


def test_dropped_second_language_joins_its_guide(guides_dir: Path, store: BlobStore) -> None:
    (guides_dir / "antrian-paspor.en.pdf").write_bytes(make_pdf("Queue"))
    guide = load_catalog(guides_dir, store).guide("antrian-paspor")
    assert guide is not None and set(guide.files) == {"id", "en"}


def test_badly_named_pdf_is_ignored_with_a_warning(guides_dir: Path, store: BlobStore) -> None:
    (guides_dir / "Panduan Baru.pdf").write_bytes(make_pdf())
    catalog = load_catalog(guides_dir, store)
    assert len(catalog.guides) == 4
    assert any("Panduan Baru.pdf: ignored" in w for w in catalog.warnings)


def test_link_out_of_the_guides_folder_is_not_served(
    guides_dir: Path, store: BlobStore, tmp_path: Path
) -> None:
    outside = tmp_path / "secret.pdf"
    outside.write_bytes(make_pdf("Rahasia"))
    (guides_dir / "antrian-paspor.id.pdf").unlink()
    os.symlink(outside, guides_dir / "antrian-paspor.id.pdf")
    assert load_catalog(guides_dir, store).guide("antrian-paspor") is None


def test_missing_catalog_file_is_an_error(guides_dir: Path, store: BlobStore) -> None:
    (guides_dir / "catalog.toml").unlink()
    with pytest.raises(CatalogError, match=r"catalog\.toml: not found"):
        load_catalog(guides_dir, store)


def test_unchanged_files_are_not_read_again(
    guides_dir: Path, store: BlobStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = FileCache()
    load_catalog(guides_dir, store, cache)
    reads: list[Path] = []
    original = Path.read_bytes

    def counting_read(self: Path) -> bytes:
        reads.append(self)
        return original(self)

    monkeypatch.setattr(Path, "read_bytes", counting_read)
    (guides_dir / "antrian-paspor.id.pdf").write_bytes(make_pdf("Baru"))
    load_catalog(guides_dir, store, cache)
    assert [p.name for p in reads] == ["antrian-paspor.id.pdf"]
