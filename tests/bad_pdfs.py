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

from tests.pdfs import make_pdf


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
