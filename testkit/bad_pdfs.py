"""PDFs that carry what the publishing path must refuse: scripts, launch actions, attachments."""

from __future__ import annotations

import io

from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    StreamObject,
    TextStringObject,
)

from testkit.pdfs import make_pdf


def _name(value: str) -> NameObject:
    return NameObject(value)


def _rewrite(change: object) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf("Aktif"))))
    change(writer)  # type: ignore[operator]
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _action(kind: str, **extra: str) -> DictionaryObject:
    action = DictionaryObject({_name("/S"): _name(kind)})
    for key, value in extra.items():
        action[_name(f"/{key}")] = TextStringObject(value)
    return action


def javascript_open_action() -> bytes:
    return _rewrite(
        lambda w: w._root_object.__setitem__(
            _name("/OpenAction"), _action("/JavaScript", JS="app.alert('hi')")
        )
    )


def javascript_name_tree() -> bytes:
    def change(writer: PdfWriter) -> None:
        action = writer._add_object(_action("/JavaScript", JS="this.print()"))
        tree = DictionaryObject({_name("/Names"): ArrayObject([TextStringObject("init"), action])})
        names = DictionaryObject({_name("/JavaScript"): writer._add_object(tree)})
        writer._root_object[_name("/Names")] = writer._add_object(names)

    return _rewrite(change)


def javascript_in_page_annotation() -> bytes:
    """A link whose action is a script, one level down in an indirect object."""

    def change(writer: PdfWriter) -> None:
        action = writer._add_object(_action("/JavaScript", JS="app.launchURL('x')"))
        annotation = DictionaryObject(
            {
                _name("/Type"): _name("/Annot"),
                _name("/Subtype"): _name("/Link"),
                _name("/Rect"): ArrayObject([NumberObject(0)] * 4),
                _name("/A"): action,
            }
        )
        writer.pages[0][_name("/Annots")] = ArrayObject([writer._add_object(annotation)])

    return _rewrite(change)


def launch_action() -> bytes:
    return _rewrite(
        lambda w: w._root_object.__setitem__(_name("/OpenAction"), _action("/Launch", F="calc.exe"))
    )


def embedded_file() -> bytes:
    return _rewrite(lambda w: w.add_attachment("data.txt", b"lampiran"))


def file_attachment_annotation() -> bytes:
    def change(writer: PdfWriter) -> None:
        annotation = DictionaryObject(
            {
                _name("/Type"): _name("/Annot"),
                _name("/Subtype"): _name("/FileAttachment"),
                _name("/Rect"): ArrayObject([NumberObject(0)] * 4),
            }
        )
        writer.pages[0][_name("/Annots")] = ArrayObject([writer._add_object(annotation)])

    return _rewrite(change)


def no_pages() -> bytes:
    buffer = io.BytesIO()
    PdfWriter().write(buffer)
    return buffer.getvalue()


def padded_pdf(size: int, text: str = "Besar") -> bytes:
    """A valid PDF of at least `size` bytes (a little over): a page and a stream of filler."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf(text))))
    base = io.BytesIO()
    writer.write(base)
    missing = max(0, size - len(base.getvalue()))
    filler = StreamObject()
    filler.set_data(bytes(range(256)) * (missing // 256) + b"\0" * (missing % 256))
    writer._root_object[_name("/PieceInfo")] = writer._add_object(filler)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


# The hostile classes of issue 11: files built byte by byte, so that they hold exactly the
# ambiguity or damage under test (a PDF library would tidy it away).


def raw_pdf(objects: list[bytes], trailer: bytes = b"", xref: bool = True) -> bytes:
    """A PDF whose object N (from 1) is `objects[N-1]`, object 1 the catalog."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    start = len(out)
    if xref:
        out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
        out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    else:  # offsets that point nowhere: readers must rebuild the table by scanning
        out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
        out += b"".join(b"%010d 00000 n \n" % (offset + 3) for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R %s>>\n" % (len(objects) + 1, trailer)
    out += b"startxref\n%d\n%%%%EOF\n" % start
    return bytes(out)


_PAGES = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
_CONTENT = b"<< /Length 44 >>\nstream\nBT /F1 12 Tf 72 720 Td (Panduan) Tj ET\nendstream"
_FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"


def _page(extra: bytes = b"") -> bytes:
    return (
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> " + extra + b">>"
    )


def plain_raw_pdf() -> bytes:
    """A harmless one-page PDF built by hand: the control for the classes below."""
    return raw_pdf([b"<< /Type /Catalog /Pages 2 0 R >>", _PAGES, _page(), _CONTENT, _FONT])


_SAFE_URI = b"<< /S /URI /URI (https://imigrasi.go.id/) >>"
_SCRIPT = b"<< /S /J#61vaScript /J#53 (app.alert(1)) >>"  # escaped names, as attackers write


def duplicate_link_action() -> bytes:
    """A link with two /A entries: the first a web link, the last (pdfium's) a script."""
    link = (
        b"<< /Type /Annot /Subtype /Link /Rect [0 0 612 792] /A " + _SAFE_URI + b" /A "
        + _SCRIPT + b" >>"
    )  # fmt: skip
    return raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            _PAGES,
            _page(b"/Annots [6 0 R] "),
            _CONTENT,
            _FONT,
            link,
        ]
    )


def duplicate_additional_actions() -> bytes:
    """A page whose /AA appears twice: an empty one, then one with an open script."""
    return raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            _PAGES,
            _page(b"/AA << >> /AA << /O " + _SCRIPT + b" >> "),
            _CONTENT,
            _FONT,
        ]
    )


def duplicate_open_action() -> bytes:
    """/OpenAction twice: a jump to page 1, then a script."""
    return raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R /OpenAction [3 0 R /Fit] /OpenAction "
            + _SCRIPT
            + b" >>",
            _PAGES,
            _page(),
            _CONTENT,
            _FONT,
        ]
    )


def duplicate_names_javascript() -> bytes:
    """The catalog's /Names twice: an empty tree, then one holding document JavaScript."""
    return raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R /Names << >> /Names 6 0 R >>",
            _PAGES,
            _page(),
            _CONTENT,
            _FONT,
            b"<< /J#61vaScript << /Names [(init) 7 0 R] >> >>",
            _SCRIPT,
        ]
    )


def hidden_script_behind_broken_xref() -> bytes:
    """Every cross-reference offset is wrong; the script is found only by rebuilding."""
    return raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R /OpenAction " + _SCRIPT + b" >>",
            _PAGES,
            _page(),
            _CONTENT,
            _FONT,
        ],
        xref=False,
    )


def broken_xref() -> bytes:
    """A harmless file whose cross-reference offsets are all wrong."""
    return raw_pdf(
        [b"<< /Type /Catalog /Pages 2 0 R >>", _PAGES, _page(), _CONTENT, _FONT], xref=False
    )


def action_of_kind(kind: bytes) -> bytes:
    """A link whose action is `kind` (e.g. b"<< /S /SubmitForm /F (x) >>")."""
    link = b"<< /Type /Annot /Subtype /Link /Rect [0 0 612 792] /A " + kind + b" >>"
    return raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            _PAGES,
            _page(b"/Annots [6 0 R] "),
            _CONTENT,
            _FONT,
            link,
        ]
    )


def xfa_form() -> bytes:
    return raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [] /XFA 6 0 R >> >>",
            _PAGES,
            _page(),
            _CONTENT,
            _FONT,
            b"<< /Length 7 >>\nstream\n<xdp/>\nendstream",
        ]
    )


def deep_nesting(depth: int = 100_000) -> bytes:
    """An array nested `depth` levels deep, hung on the page: parsers that recurse overflow."""
    nested = b"[" * depth + b"]" * depth
    return raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            _PAGES,
            _page(b"/Deep 6 0 R "),
            _CONTENT,
            _FONT,
            nested,
        ]
    )


def huge_object_count(count: int = 520_000) -> bytes:
    """More objects than any guide has, to exhaust a checker that visits each one."""
    many = b"[" + b"0 " * count + b"]"
    return raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            _PAGES,
            _page(b"/Many 6 0 R "),
            _CONTENT,
            _FONT,
            many,
        ]
    )


def encrypted(algorithm: str, user_password: str) -> bytes:
    """The sample PDF encrypted with `algorithm` (RC4-40, RC4-128, AES-128, AES-256)."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf("Rahasia"))))
    writer.encrypt(user_password=user_password, owner_password="pemilik", algorithm=algorithm)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def mutations(seed_pdf: bytes, count: int) -> list[bytes]:
    """`count` damaged copies of `seed_pdf`: bytes overwritten, cut out or repeated at places
    spread over the file, keeping the header and the end marker (so they reach the parsers)."""
    body = seed_pdf
    out = []
    for n in range(count):
        at = 9 + (n * 7919) % max(1, len(body) - 40)
        width = 1 + (n * 31) % 24
        kind = n % 4
        if kind == 0:
            damaged = body[:at] + bytes((b * 37 + n) % 256 for b in body[at : at + width])
            damaged += body[at + width :]
        elif kind == 1:
            damaged = body[:at] + body[at + width :]
        elif kind == 2:
            damaged = body[:at] + body[at : at + width] * 50 + body[at:]
        else:
            damaged = body[:at] + b"<<" * width + body[at:]
        if b"%%EOF" not in damaged[-1024:]:
            damaged += b"\n%%EOF\n"
        out.append(damaged)
    return out
