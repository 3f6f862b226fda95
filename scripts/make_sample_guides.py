"""Builds the sample guide PDFs in guides/ so that Bilang Karyo runs out of the box.

The office replaces these samples with its official PDFs. The text follows the checked facts
collected on 2026-11-27 and rechecked on 2026-11-30 (../shared/guide-facts.md); every guide
states that date and its sources, each with its publisher, URL (where given) and date. What the
facts mark uncertain is marked so in a highlighted note, or left out. The output is
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
CHECKED = datetime(2026, 11, 30, tzinfo=UTC)
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
        "checked": "Terakhir diperiksa / Last checked: 30 November 2026",
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
        "checked": "Terakhir diperiksa / Last checked: 30 November 2026",
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

MANUAL_2021 = (
    "Kantor Imigrasi Kelas I TPI Yogyakarta: Manual Book dan SOP Website Info Layanan "
    "Keimigrasian (Bilang Karyo), 5 April 2021"
)
# The sources, each with its publisher, its URL where the checked facts give one, and its date
# (of the document, or of our check where it has none). Shared by the guides that use them.
SRC_PERMEN_18 = "Kementerian Hukum dan HAM: Permenkumham Nomor 18 Tahun 2022 (2022)"
SRC_PP_45 = "Pemerintah RI: PP Nomor 45 Tahun 2024 tentang PNBP, berlaku 17 Desember 2024"
SRC_SE_263 = (
    "Direktorat Jenderal Imigrasi: SE Dirjen Imigrasi IMI-263.GR.01.02 Tahun 2024 "
    "(paspor elektronik), 2024"
)
SRC_KARAWANG = (
    "Kantor Imigrasi Karawang, https://karawang.imigrasi.go.id, dan IDX Channel "
    "(paspor hilang atau rusak); diperiksa 30 November 2026"
)
SRC_UU_6 = "Pemerintah RI: UU Nomor 6 Tahun 2011 tentang Keimigrasian (2011)"
SRC_JUKLAK = (
    "Direktorat Jenderal Imigrasi: Juklak IMI-GR.01.13-3849 Tahun 2016 (pelaporan perubahan)"
)
SRC_KOTABUMI_PERDAT = (
    "Kantor Imigrasi Kotabumi, https://kotabumi.imigrasi.go.id/layanan/wna/perdat; "
    "diperiksa 30 November 2026"
)

GUIDES: list[Guide] = [
    Guide(
        filename="antrian-paspor.id.pdf",
        lang="id",
        title="Antrian Paspor (M-Paspor)",
        subtitle="Cara mendaftar antrian permohonan paspor lewat aplikasi M-Paspor",
        sources=[
            "Direktorat Jenderal Imigrasi: aplikasi M-Paspor; diperiksa 30 November 2026",
            "Direktorat Jenderal Imigrasi, https://www.imigrasi.go.id, 10 Januari 2023 "
            "(paling banyak 5 pemohon per akun)",
            "Kompas, 5 dan 10 Januari 2023 (kuota penuh)",
            "Kantor Imigrasi Yogyakarta: pengumuman kuota prioritas 2020, diberitakan "
            "starjogja.com",
            "Blog tidak resmi (tanggal mulai di Kanim Jogja, aturan ubah jadwal): belum pasti",
            SRC_PERMEN_18,
            MANUAL_2021,
        ],
        body="""
# Apa itu M-Paspor?
M-Paspor adalah aplikasi ponsel dari Direktorat Jenderal Imigrasi untuk mendaftar antrian
permohonan paspor. Aplikasi ini menggantikan aplikasi antrian lama, APAPO.

! Belum pasti: Kanim Jogja disebut memakai M-Paspor sejak 27 Januari 2022, tetapi tanggal
  ini hanya bersumber dari blog.

# Kuota prioritas
Lansia (60 tahun ke atas), penyandang disabilitas, anak di bawah 5 tahun, serta ibu hamil
dan ibu menyusui boleh datang tanpa janji temu. Mereka dilayani melalui kuota prioritas.

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
- Satu akun dapat mendaftarkan paling banyak 5 orang.
- Setiap kantor membuka kuotanya sendiri, biasanya pada awal bulan.

! Belum pasti: jadwal kedatangan disebut dapat diubah paling lambat 1 hari sebelumnya, tetapi
  ini hanya bersumber dari blog. Tanyakan ke kantor.

# Jika kuota penuh
"Kuota penuh" sering berarti jenis paspor atau kantor yang dipilih tidak punya kuota pada
hari itu. Coba tanggal lain, atau unit layanan yang lain.

# Bayar hanya biaya resmi, tanpa calo
Biaya dibayar dengan kode billing dari aplikasi, di bank, kantor pos, atau aplikasi
pembayaran. Jangan memakai calo dan jangan membayar apa pun di luar kode billing.
""",
    ),
    Guide(
        filename="pembuatan-paspor.id.pdf",
        lang="id",
        title="Pembuatan Paspor",
        subtitle="Dokumen, biaya, cara membayar, dan paspor hilang atau rusak",
        sources=[
            SRC_PERMEN_18,
            SRC_PP_45,
            SRC_SE_263,
            SRC_KARAWANG,
            "Direktorat Jenderal Imigrasi: aplikasi M-Paspor; diperiksa 30 November 2026",
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

# Paspor untuk anak
Selain dokumen anak, bawa juga:

- e-KTP kedua orang tua.
- Buku nikah atau akta perkawinan orang tua.
- Paspor salah satu orang tua.
- Surat pernyataan yang ditandatangani kedua orang tua.

# Masa berlaku
Paspor berlaku paling lama 10 tahun bagi pemohon berusia 17 tahun ke atas atau yang sudah
menikah. Paspor anak berlaku 5 tahun.

# Biaya (PP 45/2024, berlaku sejak 17 Desember 2024)
Kantor imigrasi kini menerbitkan paspor elektronik (SE Dirjen Imigrasi IMI-263.GR.01.02
Tahun 2024: 13 kantor sejak 1 Desember 2024, lalu bertahap ke seluruh kantor selama 2025).

| Paspor elektronik | Biaya |
| Masa berlaku 5 tahun | Rp 650.000 |
| Masa berlaku 10 tahun | Rp 950.000 |

- Layanan percepatan (selesai di hari yang sama): tambahan Rp 1.000.000.
- PP 45/2024 juga mencantumkan paspor non-elektronik (Rp 350.000 untuk 5 tahun,
  Rp 650.000 untuk 10 tahun).
- PP 45/2024 menyebut keadaan tertentu yang tidak dikenai biaya.

! Keadaan bebas biaya belum kami periksa satu per satu. Tanyakan ke kantor.

# Cara membayar
Bayar dengan kode billing (SIMPONI) yang Anda terima, di bank, kantor pos, atau aplikasi
pembayaran, sebelum batas waktu yang tertera pada kode itu. Jangan memakai calo dan jangan
membayar apa pun di luar kode billing.

# Lama proses
Sekitar 4 hari kerja untuk layanan reguler, dan hari yang sama untuk layanan percepatan.

! Tingkat keyakinan sedang: tanyakan lama proses ke kantor.

# Paspor hilang atau rusak
Biaya ini ditambahkan pada biaya paspor baru, bukan biaya seluruhnya:

- Paspor hilang: tambahan Rp 1.000.000.
- Paspor rusak: tambahan Rp 500.000.
- Tidak dikenakan bila hilang atau rusak karena bencana (keadaan kahar).

Untuk paspor hilang, bawa surat keterangan hilang dari kepolisian. Pemohon akan
diwawancarai dan dibuatkan Berita Acara Pemeriksaan (BAP).

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
            SRC_UU_6,
            "Direktorat Jenderal Imigrasi, https://evisa.imigrasi.go.id (perpanjangan online "
            "sejak 31 Desember 2023); diperiksa 30 November 2026",
            "Direktorat Jenderal Imigrasi: SE IMI-417.GR.01.01 Tahun 2025, 29 Mei 2025, "
            "diberitakan linimasa.co dan konteks.co.id",
            "Kementerian Keuangan: PMK 9/PMK.02/2022; Direktorat Jenderal Imigrasi: SE "
            "IMI-0093.KU.01.03/2022, dimuat https://kotabumi.imigrasi.go.id",
            SRC_PP_45,
            "Antara dan Kantor Imigrasi Blitar, https://blitar.imigrasi.go.id (waktu "
            "pengajuan; denda overstay)",
        ],
        body="""
# Tiga jenis izin tinggal
| Jenis | Untuk | Lama berlaku |
| ITK (Izin Tinggal Kunjungan) | Wisata, kunjungan keluarga, bisnis tanpa dibayar
  | Umumnya 60 hari; dapat diperpanjang (lihat di bawah) |
| ITAS (Izin Tinggal Terbatas) | Bekerja, investasi, belajar, penyatuan keluarga, rumah kedua
  | 6 bulan - 2 tahun; investor tertentu 5 atau 10 tahun |
| ITAP (Izin Tinggal Tetap) | Umumnya alih status dari ITAS
  | 5 tahun, dapat diperpanjang tanpa batas |

# ITK - Izin Tinggal Kunjungan
- Visa kunjungan sekali perjalanan: umumnya 60 hari, dapat diperpanjang sampai total
  180 hari, 60 hari setiap kali.
- Visa on arrival (VoA) memberi 30 hari, dapat diperpanjang satu kali 30 hari.

! Belum pasti: "total 180 hari" bersumber untuk visa kunjungan sekali perjalanan saja, tidak
  untuk semua visa C/D.

# Biaya perpanjangan ITK
- Visa kunjungan sekali perjalanan: Rp 2.000.000 untuk setiap perpanjangan 60 hari
  (PMK 9/PMK.02/2022).

! Biaya lain (termasuk perpanjangan VoA) belum kami periksa menurut PP 45/2024, yang
  menggantikan PP 28/2019. Tanyakan ke kantor.

# Cara memperpanjang
1. Ajukan 7 sampai 14 hari sebelum izin tinggal berakhir.
2. Isi permohonan online di evisa.imigrasi.go.id (sejak 31 Desember 2023).
3. Sejak 29 Mei 2025, datang ke kantor imigrasi untuk foto dan wawancara setelah langkah
   online, juga untuk perpanjangan VoA.
4. Bawa paspor, izin tinggal yang berlaku, dan surat penjamin (sponsor) bila ada.

! Langkah 3 bersumber dari berita (tingkat keyakinan sedang). Tanyakan ke kantor.

# ITAS dan ITAP
- Pemegang ITAS wajib melapor ke kantor imigrasi setempat dalam 30 hari setelah tiba.
- ITAP umumnya diperoleh melalui alih status dari ITAS.

# Denda overstay
Orang asing yang tinggal melewati masa izin tinggalnya dikenai denda Rp 1.000.000 per hari.
Tinggal lebih dari 60 hari melewati izin tinggal berakibat deportasi dan penangkalan.

! Dasar hukumnya UU 6/2011; nomor pasalnya (disebut Pasal 78) belum pasti.
""",
    ),
    Guide(
        filename="izin-tinggal.en.pdf",
        lang="en",
        title="Stay Permit / Izin Tinggal",
        subtitle="Types of stay permit for foreigners and how to extend them",
        sources=[
            SRC_UU_6,
            "Directorate General of Immigration, https://evisa.imigrasi.go.id (online "
            "extension since 31 December 2023); checked 30 November 2026",
            "Directorate General of Immigration: circular IMI-417.GR.01.01 of 2025, 29 May 2025, "
            "as reported by linimasa.co and konteks.co.id",
            "Ministry of Finance: PMK 9/PMK.02/2022; Directorate General of Immigration: "
            "circular IMI-0093.KU.01.03/2022, published by https://kotabumi.imigrasi.go.id",
            "Government of Indonesia: PP 45 of 2024 on non-tax state revenue, in force "
            "17 December 2024",
            "Antara and the Blitar immigration office, https://blitar.imigrasi.go.id (when to "
            "apply; overstay fine)",
        ],
        body="""
# Three kinds of stay permit
| Permit | For | Validity |
| ITK (visit stay permit) | Tourism, family visits, unpaid business
  | Typically 60 days; can be extended (see below) |
| ITAS (limited stay permit) | Work, investment, study, family reunion, second home
  | 6 months to 2 years; some investors 5 or 10 years |
| ITAP (permanent stay permit) | Usually a change of status from ITAS
  | 5 years, extendable without limit |

# ITK - visit stay permit
- Single-entry visit visa: typically 60 days, extendable up to 180 days in total, 60 days
  at a time.
- A visa on arrival (VoA) gives 30 days, plus one 30-day extension.

! Uncertain: "180 days in total" is sourced for the single-entry visit visa only, not for
  every C/D visa.

# ITK extension fees
- Single-entry visit visa: Rp 2.000.000 for each 60-day extension (PMK 9/PMK.02/2022).

! Other fees (the VoA extension included) are not yet checked under PP 45/2024, which
  replaced PP 28/2019. Ask the office.

# How to extend
1. Apply 7 to 14 days before your stay permit ends.
2. Apply online at evisa.imigrasi.go.id (since 31 December 2023).
3. Since 29 May 2025, go to the immigration office for a photo and an interview after the
   online step, for a VoA extension too.
4. Bring your passport, your current stay permit, and your sponsor's letter if you have one.

! Step 3 comes from news reports (medium confidence). Ask the office.

# ITAS and ITAP
- ITAS holders must report to the local immigration office within 30 days of arrival.
- An ITAP is usually obtained by a change of status from an ITAS.

# Overstay fine
A foreigner who stays beyond the permitted period is fined Rp 1.000.000 per day. Staying
more than 60 days past the permit leads to deportation and an entry ban.

! The legal basis is UU 6/2011; the article number (said to be Article 78) is uncertain.
""",
    ),
    Guide(
        filename="pelaporan-status-sipil.id.pdf",
        lang="id",
        title="Pelaporan Status Sipil WNA",
        subtitle="Pelaporan Perubahan Status Sipil Warga Negara Asing (WNA)",
        sources=[SRC_UU_6, SRC_JUKLAK, SRC_KOTABUMI_PERDAT, MANUAL_2021],
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

Juklak yang sama juga mengatur pelaporan perubahan pekerjaan, penjamin (sponsor), atau
alamat.

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
            "Government of Indonesia: Law 6 of 2011 on Immigration (UU 6/2011)",
            "Directorate General of Immigration: implementing guideline IMI-GR.01.13-3849 of "
            "2016 (reporting changes)",
            "Kotabumi immigration office, https://kotabumi.imigrasi.go.id/layanan/wna/perdat; "
            "checked 30 November 2026",
            MANUAL_2021,
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

The same guideline also covers reporting a change of job, guarantor (sponsor) or address.

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
