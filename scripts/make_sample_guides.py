"""Builds the sample guide PDFs in guides/ so that Bilang Karyo runs out of the box.

The office replaces these samples with its official PDFs. The text follows the checked facts
collected on 2026-11-27; every guide states that date and its sources. The output is
deterministic (fixed creation date and metadata), so a rebuild gives byte-identical files.

Each guide's body is written in a tiny markup, parsed into blocks before rendering:
"# " starts a section, "1. " a numbered step, "- " a bullet, "! " a highlighted note (for
anything uncertain), "|" a table row (the first row is the header), anything else is a
paragraph. Blank lines separate blocks; indented lines continue the item above.

Usage: python scripts/make_sample_guides.py [--out DIR]
"""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeAlias

from fpdf import FPDF, FontFace
from fpdf.enums import XPos, YPos

OFFICE = "Kantor Imigrasi Kelas I TPI Yogyakarta"
MINISTRY = "Kementerian Imigrasi dan Pemasyarakatan"
CHECKED = datetime(2026, 11, 27, tzinfo=UTC)
RED = (183, 28, 28)  # #B71C1C, the colour of the site's buttons
PALE_RED = (253, 236, 234)
NOTE_FILL = (255, 243, 205)
BOX_FILL = (238, 238, 238)
BODY_PT = 12.5
LINE_MM = 6.4
DEFAULT_OUT = Path(__file__).resolve().parent.parent / "guides"


@dataclass(frozen=True)
class Para:
    text: str


@dataclass(frozen=True)
class Steps:
    items: list[str]


@dataclass(frozen=True)
class Bullets:
    items: list[str]


@dataclass(frozen=True)
class Note:
    """A highlighted remark: something uncertain, outdated or to be confirmed."""

    text: str


@dataclass(frozen=True)
class Table:
    header: list[str]
    rows: list[list[str]]


Block: TypeAlias = Para | Steps | Bullets | Note | Table


@dataclass(frozen=True)
class Section:
    heading: str
    blocks: list[Block]


@dataclass(frozen=True)
class Guide:
    filename: str
    lang: str
    title: str
    subtitle: str
    sources: list[str]
    body: str


# Wording shared by every guide. "checked" and "sources" are bilingual on purpose: a foreigner
# holding an Indonesian guide can still find them.
LABELS: dict[str, dict[str, str]] = {
    "id": {
        "kind": "Panduan layanan keimigrasian",
        "checked": "Terakhir diperiksa / Last checked: 27 November 2026",
        "sources": "Sumber / Sources",
        "about": "Tentang panduan ini",
        "sample": "Ini adalah panduan contoh dari situs Bilang Karyo. Kantor Imigrasi Kelas I "
        "TPI Yogyakarta menggantinya dengan PDF panduan resmi. Jika ada perbedaan, ikuti "
        "informasi dari petugas.",
        "ministry": "Sejak akhir 2024, Direktorat Jenderal Imigrasi berada di bawah Kementerian "
        "Imigrasi dan Pemasyarakatan, tidak lagi di bawah Kementerian Hukum dan HAM "
        '(Kemenkumham). Peraturan bernama "Permenkumham" terbit sebelum perubahan ini.',
        "footer": "Bilang Karyo - panduan contoh",
        "page": "Halaman",
    },
    "en": {
        "kind": "Immigration service guide",
        "checked": "Terakhir diperiksa / Last checked: 27 November 2026",
        "sources": "Sumber / Sources",
        "about": "About this guide",
        "sample": "This is a sample guide from the Bilang Karyo site. The Yogyakarta "
        "immigration office replaces it with its official PDF guide. If anything differs, "
        "follow what the officers tell you.",
        "ministry": "Since late 2024 the Directorate General of Immigration belongs to the "
        "Kementerian Imigrasi dan Pemasyarakatan (Ministry of Immigration and Corrections), "
        "no longer to the Ministry of Law and Human Rights (Kemenkumham). Regulations named "
        '"Permenkumham" date from before this change.',
        "footer": "Bilang Karyo - sample guide",
        "page": "Page",
    },
}

MANUAL_2021 = "Manual Bilang Karyo, Kantor Imigrasi Kelas I TPI Yogyakarta (2021)"

GUIDES: list[Guide] = [
    Guide(
        filename="antrian-paspor.id.pdf",
        lang="id",
        title="Antrian Paspor (M-Paspor)",
        subtitle="Cara mendaftar antrian permohonan paspor lewat aplikasi M-Paspor",
        sources=[
            "Aplikasi M-Paspor (Direktorat Jenderal Imigrasi)",
            "Permenkumham 18/2022 (persyaratan paspor)",
            MANUAL_2021,
        ],
        body="""
# Apa itu M-Paspor?
M-Paspor adalah aplikasi ponsel dari Direktorat Jenderal Imigrasi untuk mendaftar antrian
permohonan paspor. Aplikasi ini menggantikan aplikasi antrian lama, APAPO. Kanim Jogja
memakai M-Paspor sejak 27 Januari 2022.

# Langkah-langkah
1. Pasang aplikasi M-Paspor, buat akun, lalu konfirmasi akun dengan kode OTP yang dikirim
   ke e-mail Anda.
2. Pilih permohonan reguler atau percepatan, untuk dewasa atau anak.
3. Pilih kantor (Kantor Imigrasi Kelas I TPI Yogyakarta) dan jenis paspor, lalu unggah
   dokumen persyaratan.
4. Bayar kode billing dalam waktu 2 jam.
5. Pilih tanggal kedatangan. Saat datang, tunjukkan kode QR dari aplikasi. Kode QR ini
   menggantikan surat pengantar.

Daftar dokumen persyaratan ada di panduan "Pembuatan Paspor".

# Ketentuan penting
- Jadwal kedatangan dapat diubah paling lambat 1 hari sebelumnya.
- Satu akun dapat mendaftarkan paling banyak 5 orang.
- Setiap kantor membuka kuotanya sendiri, biasanya pada awal bulan.

# Kuota prioritas
Lansia (60 tahun ke atas), penyandang disabilitas, dan anak di bawah 5 tahun boleh datang
tanpa janji temu. Mereka dilayani melalui kuota prioritas.
""",
    ),
    Guide(
        filename="pembuatan-paspor.id.pdf",
        lang="id",
        title="Pembuatan Paspor",
        subtitle="Dokumen, masa berlaku, dan biaya paspor RI",
        sources=[
            "Permenkumham 18/2022",
            "PP 45/2024",
            "Aplikasi M-Paspor (Direktorat Jenderal Imigrasi)",
            "UU 6/2011",
            MANUAL_2021,
        ],
        body="""
# Dokumen yang perlu dibawa
- e-KTP yang masih berlaku.
- Kartu Keluarga.
- Salah satu dari: akta kelahiran, akta perkawinan/buku nikah, ijazah, atau surat baptis.
- Paspor lama, jika sudah pernah punya.
- Surat keputusan naturalisasi atau penetapan ganti nama, jika ada.

Bawa dokumen asli saat wawancara. Dasar: Permenkumham 18/2022.

# Masa berlaku
Paspor berlaku paling lama 10 tahun bagi pemohon berusia 17 tahun ke atas atau yang sudah
menikah. Paspor anak berlaku 5 tahun.

# Biaya (PP 45/2024, berlaku sejak 17 Desember 2024)
| Jenis paspor | 5 tahun | 10 tahun |
| Non-elektronik | Rp 350.000 | Rp 650.000 |
| Elektronik | Rp 650.000 | Rp 950.000 |

- Layanan percepatan (selesai di hari yang sama): tambahan Rp 1.000.000.

! Perlu dikonfirmasi ke kantor: kantor imigrasi sedang beralih ke paspor elektronik saja.
  Belum pasti apakah Kanim Jogja masih menerbitkan paspor non-elektronik.

# Paspor hilang atau rusak
- Biaya penggantian paspor hilang: Rp 1.000.000.
- Biaya penggantian paspor rusak: Rp 500.000.

! Biaya penggantian ini mungkin sudah tidak berlaku. Perlu dikonfirmasi ke kantor.

# Cara mendaftar dan cek status
Daftar antrian lewat aplikasi M-Paspor (lihat panduan "Antrian Paspor").

Untuk cek status permohonan, buka chat WhatsApp gateway Kanim Jogja lalu kirim pesan MENU.
Layanan ini hanya memberi informasi dan status; permohonan paspor tidak bisa diajukan lewat
WhatsApp.
""",
    ),
    Guide(
        filename="izin-tinggal.id.pdf",
        lang="id",
        title="Izin Tinggal / Stay Permit",
        subtitle="Jenis izin tinggal orang asing dan cara memperpanjangnya",
        sources=[
            "UU 6/2011",
            "PP 28/2019",
            "evisa.imigrasi.go.id",
            "Permenkumham 27/2014 dan 43/2015 (dasar hukum dalam SOP kantor 2021)",
        ],
        body="""
# Tiga jenis izin tinggal
| Jenis | Untuk | Lama berlaku |
| ITK (Izin Tinggal Kunjungan) | Wisata, kunjungan keluarga, bisnis tanpa dibayar
  | Umumnya 60 hari (visa C/D), total sampai 180 hari |
| ITAS (Izin Tinggal Terbatas) | Bekerja, investasi, belajar, penyatuan keluarga, rumah kedua
  | 6 bulan - 2 tahun; investor tertentu 5 atau 10 tahun |
| ITAP (Izin Tinggal Tetap) | Umumnya alih status dari ITAS
  | 5 tahun, dapat diperpanjang tanpa batas |

# ITK - Izin Tinggal Kunjungan
- Dengan visa C/D umumnya berlaku 60 hari dan dapat diperpanjang sampai total 180 hari.
- Visa on arrival (VoA) memberi 30 hari, dapat diperpanjang satu kali 30 hari.
- Biaya (PP 28/2019): sekitar Rp 500.000 untuk 30 hari.

! Biaya ini mungkin sudah tidak berlaku. Perlu dikonfirmasi ke kantor.

# ITAS dan ITAP
- Pemegang ITAS wajib melapor ke kantor imigrasi setempat dalam 30 hari setelah tiba.
- ITAP umumnya diperoleh melalui alih status dari ITAS.

# Perpanjangan online
1. Periksa jenis izin tinggal Anda dan tanggal berakhirnya.
2. Ajukan perpanjangan sebelum izin tinggal berakhir. Sejak 31 Desember 2023 banyak
   perpanjangan bisa diajukan online di evisa.imigrasi.go.id.
3. Jika perpanjangan Anda tidak tersedia online, tanyakan ke kantor imigrasi.

# Denda overstay
Orang asing yang tinggal melewati masa izin tinggalnya dikenai denda Rp 1.000.000 per hari.

! Tingkat keyakinan sedang. Perlu dikonfirmasi ke kantor.
""",
    ),
    Guide(
        filename="izin-tinggal.en.pdf",
        lang="en",
        title="Stay Permit / Izin Tinggal",
        subtitle="Types of stay permit for foreigners and how to extend them",
        sources=[
            "UU 6/2011 (Immigration Law)",
            "PP 28/2019",
            "evisa.imigrasi.go.id",
            "Permenkumham 27/2014 and 43/2015 (legal basis in the office SOP of 2021)",
        ],
        body="""
# Three kinds of stay permit
| Permit | For | Validity |
| ITK (visit stay permit) | Tourism, family visits, unpaid business
  | Typically 60 days (C/D visa), up to 180 days in total |
| ITAS (limited stay permit) | Work, investment, study, family reunion, second home
  | 6 months to 2 years; some investors 5 or 10 years |
| ITAP (permanent stay permit) | Usually a change of status from ITAS
  | 5 years, extendable without limit |

# ITK - visit stay permit
- On a C/D visa it is typically valid for 60 days and can be extended up to 180 days in
  total.
- A visa on arrival (VoA) gives 30 days, plus one 30-day extension.
- Fee (PP 28/2019): about Rp 500.000 for 30 days.

! This fee may be outdated. To be confirmed with the office.

# ITAS and ITAP
- ITAS holders must report to the local immigration office within 30 days of arrival.
- An ITAP is usually obtained by a change of status from an ITAS.

# Extending online
1. Check which stay permit you hold and when it ends.
2. Apply for the extension before your permit ends. Since 31 December 2023 many extensions
   can be done online at evisa.imigrasi.go.id.
3. If your extension is not available online, ask the immigration office.

# Overstay fine
A foreigner who stays beyond the permitted period is fined Rp 1.000.000 per day.

! Medium confidence. To be confirmed with the office.
""",
    ),
    Guide(
        filename="pelaporan-status-sipil.id.pdf",
        lang="id",
        title="Pelaporan Status Sipil WNA",
        subtitle="Pelaporan Perubahan Status Sipil Warga Negara Asing (WNA)",
        sources=[
            "UU 6/2011",
            "Juklak Dirjen Imigrasi IMI-GR.01.13-3849 Tahun 2016",
            "SOP Website Info Layanan Keimigrasian, Kanim Jogja (2021)",
        ],
        body="""
# Siapa yang wajib melapor?
Orang asing pemegang izin tinggal wajib melapor ke kantor imigrasi setempat paling lambat
60 hari setelah terjadi salah satu peristiwa di bawah ini.

# Peristiwa yang wajib dilaporkan
- Kelahiran.
- Kematian.
- Perkawinan.
- Perceraian.
- Pengakuan, pengesahan, atau pengangkatan anak.
- Perubahan nama.
- Perubahan kewarganegaraan.

# Langkah-langkah
1. Siapkan dokumen: paspor, izin tinggal, surat dari penjamin, dan akta yang membuktikan
   perubahan (misalnya akta kelahiran atau akta perkawinan).
2. Datang ke kantor imigrasi setempat dalam 60 hari sejak peristiwa terjadi.
3. Laporkan perubahan kepada petugas dan serahkan dokumen.

# Dasar hukum
UU 6/2011 tentang Keimigrasian (pasal tentang pelaporan perubahan) dan Petunjuk Pelaksanaan
Dirjen Imigrasi Nomor IMI-GR.01.13-3849 Tahun 2016.

! Nomor pasal yang tepat belum pasti. Perlu dikonfirmasi ke kantor.
""",
    ),
    Guide(
        filename="pelaporan-status-sipil.en.pdf",
        lang="en",
        title="Civil Status Report (Foreigners)",
        subtitle="Reporting changes of civil status (foreigners)",
        sources=[
            "UU 6/2011 (Immigration Law)",
            "Juklak Dirjen Imigrasi IMI-GR.01.13-3849 of 2016",
            "SOP Website Info Layanan Keimigrasian, Kanim Jogja (2021)",
        ],
        body="""
# Who must report?
A foreigner who holds a stay permit must report to the local immigration office within
60 days after any of the events below.

# Events to report
- A birth.
- A death.
- A marriage.
- A divorce.
- The acknowledgement, legitimation or adoption of a child.
- A change of name.
- A change of citizenship.

# Steps
1. Prepare your documents: passport, stay permit, the guarantor's letter, and the deed that
   proves the change (for example a birth or marriage certificate).
2. Go to the local immigration office within 60 days of the event.
3. Report the change to the officer and hand in the documents.

# Legal basis
UU 6/2011 on Immigration (the article on reporting changes) and the Director General of
Immigration's implementing guideline IMI-GR.01.13-3849 of 2016.

! The exact article is uncertain. To be confirmed with the office.
""",
    ),
]

_STEP = re.compile(r"\d+\. ")
_BULLET = re.compile(r"- ")


def parse_body(body: str) -> list[Section]:
    """Turns a guide body written in the markup described at the top into sections."""
    sections: list[Section] = []
    for chunk in body.strip().split("\n\n"):
        lines = chunk.splitlines()
        if lines[0].startswith("# "):
            sections.append(Section(lines[0][2:].strip(), []))
            lines = lines[1:]
        assert sections, f"a guide body must start with a '# ' heading: {chunk[:40]!r}"
        if lines:
            sections[-1].blocks.append(_parse_block(lines))
    return sections


def _parse_block(lines: list[str]) -> Block:
    first = lines[0]
    if first.startswith("|"):
        rows = _items(lines, re.compile(r"\|"))
        return Table(*_split_rows(rows))
    if first.startswith("! "):
        return Note(" ".join(line.strip() for line in lines)[2:])
    if _BULLET.match(first):
        return Bullets(_items(lines, _BULLET))
    if _STEP.match(first):
        return Steps(_items(lines, _STEP))
    return Para(" ".join(line.strip() for line in lines))


def _items(lines: list[str], marker: re.Pattern[str]) -> list[str]:
    """Collects list items; an indented line continues the item above it."""
    items: list[str] = []
    for line in lines:
        match = marker.match(line)
        if match:
            items.append(line[match.end() :].strip())
        else:
            assert items and line.startswith(" "), f"unexpected line in a list: {line!r}"
            items[-1] += " " + line.strip()
    return items


def _split_rows(rows: list[str]) -> tuple[list[str], list[list[str]]]:
    cells = [[cell.strip() for cell in row.strip(" |").split("|")] for row in rows]
    assert all(len(row) == len(cells[0]) for row in cells), f"ragged table: {cells}"
    return cells[0], cells[1:]


class GuidePDF(FPDF):
    """An A4 page with the red title bar on page one and a slim red bar on later pages."""

    def __init__(self, guide: Guide) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.guide = guide
        self.labels = LABELS[guide.lang]
        self.set_margins(18, 16, 18)
        self.set_auto_page_break(auto=True, margin=20)
        self.set_creation_date(CHECKED)
        self.set_title(guide.title)
        self.set_subject(guide.subtitle)
        self.set_author(OFFICE)
        self.set_creator("Bilang Karyo, scripts/make_sample_guides.py")
        self.set_lang(guide.lang)
        self.alias_nb_pages()

    def header(self) -> None:
        self.set_fill_color(*RED)
        self.set_text_color(255, 255, 255)
        if self.page_no() == 1:
            self.rect(0, 0, self.w, 44, style="F")
            self.set_xy(self.l_margin, 9)
            self.set_font("Helvetica", "B", 10)
            self.cell(0, 5, OFFICE, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            self.set_font("Helvetica", "", 10)
            self.cell(0, 5, f"{MINISTRY} - {self.labels['kind']}", new_x=XPos.LMARGIN)
            self.set_xy(self.l_margin, 22)
            self.set_font("Helvetica", "B", 21)
            self.multi_cell(0, 10, self.guide.title, align="L")
            self.set_y(50)
        else:
            self.rect(0, 0, self.w, 12, style="F")
            self.set_xy(self.l_margin, 3.5)
            self.set_font("Helvetica", "B", 10)
            self.cell(0, 5, f"{self.guide.title} - {OFFICE}")
            self.set_y(18)
        self.set_text_color(0, 0, 0)

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font("Helvetica", "", 9)
        self.set_text_color(90, 90, 90)
        self.cell(0, 6, self.labels["footer"])
        self.set_x(self.l_margin)
        self.cell(0, 6, f"{self.labels['page']} {self.page_no()}/{{nb}}", align="R")

    def text_block(self, text: str, style: str = "", fill: bool = False) -> None:
        self.set_font("Helvetica", style, BODY_PT)
        self.multi_cell(
            0, LINE_MM, text, align="L", fill=fill, padding=(2, 2) if fill else 0,
            new_x=XPos.LMARGIN, new_y=YPos.NEXT,
        )  # fmt: skip

    def marked(self, marker: str, text: str) -> None:
        """Prints text with a hanging indent after a marker such as "1." or "-"."""
        left = self.l_margin
        self.set_font("Helvetica", "B", BODY_PT)
        self.cell(8, LINE_MM, marker)
        self.set_left_margin(left + 8)
        self.text_block(text)
        self.set_left_margin(left)
        self.set_x(left)
        self.ln(1)

    def heading(self, text: str) -> None:
        # Keep a heading together with at least the first lines of its section.
        if self.will_page_break(24):
            self.add_page()
        self.ln(3)
        self.set_font("Helvetica", "B", 14.5)
        self.set_text_color(*RED)
        self.multi_cell(0, 7.5, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(0, 0, 0)
        self.ln(1)

    def block(self, block: Block) -> None:
        if isinstance(block, Para):
            self.text_block(block.text)
            self.ln(2)
        elif isinstance(block, Steps):
            for number, item in enumerate(block.items, start=1):
                self.marked(f"{number}.", item)
            self.ln(1.5)
        elif isinstance(block, Bullets):
            for item in block.items:
                self.marked("-", item)
            self.ln(1.5)
        elif isinstance(block, Note):
            self.set_fill_color(*NOTE_FILL)
            self.text_block(block.text, style="B", fill=True)
            self.ln(2)
        else:
            self.fee_table(block)

    def fee_table(self, table: Table) -> None:
        self.set_font("Helvetica", "", BODY_PT - 0.5)
        self.set_draw_color(200, 200, 200)
        heading_style = FontFace(emphasis="BOLD", color=(255, 255, 255), fill_color=RED)
        with self.table(
            headings_style=heading_style,
            cell_fill_color=PALE_RED,
            cell_fill_mode="ROWS",
            text_align="LEFT",
            line_height=LINE_MM,
            padding=1.5,
        ) as grid:
            for cells in [table.header, *table.rows]:
                row = grid.row()
                for text in cells:
                    row.cell(text)
        self.ln(3)

    def closing(self) -> None:
        self.heading(self.labels["sources"])
        for source in self.guide.sources:
            self.marked("-", source)
        self.heading(self.labels["about"])
        self.set_fill_color(*BOX_FILL)
        self.text_block(self.labels["sample"], fill=True)
        self.ln(2)
        self.text_block(self.labels["ministry"])


def render(guide: Guide) -> bytes:
    pdf = GuidePDF(guide)
    pdf.add_page()
    pdf.text_block(guide.subtitle, style="I")
    pdf.text_block(pdf.labels["checked"], style="B")
    for section in parse_body(guide.body):
        pdf.heading(section.heading)
        for block in section.blocks:
            pdf.block(block)
    pdf.closing()
    return bytes(pdf.output())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Build the sample guide PDFs.")
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help=f"output folder (default: {DEFAULT_OUT})"
    )
    out: Path = parser.parse_args(argv).out
    out.mkdir(parents=True, exist_ok=True)
    for guide in GUIDES:
        target = out / guide.filename
        # Write a hidden file, then rename it, so the running site never sees half a PDF.
        partial = target.with_name(f".{target.name}.partial")
        partial.write_bytes(render(guide))
        partial.replace(target)
        print(f"wrote {target}")


if __name__ == "__main__":
    main()
