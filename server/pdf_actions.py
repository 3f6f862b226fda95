"""The active-content policy of guide PDFs, as pypdf sees the file (pdf_probe.py asks pdfium).

Allowed: jumps inside the file (GoTo) and web, mail and phone links (URI with
http, https, mailto or tel). Refused: JavaScript anywhere, Launch, SubmitForm,
ImportData, ResetForm, GoToR (another file), GoToE (an embedded file), every
other action type, XFA forms and embedded files.
"""

from __future__ import annotations

import re

from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, PdfObject

from server.pdf_probe import ALLOWED_URI_SCHEMES

# Nobody's guide has this many objects; a file that does is built to exhaust us.
MAX_OBJECTS = 500_000
_ALLOWED_ACTIONS = {"/GoTo", "/URI"}
# Keys whose value is an action (or, for /AA, a dictionary of actions).
_ACTION_KEYS = ("/A", "/OpenAction", "/Next", "/PA")
# Names that mean active content wherever they appear in the file's own bytes, even in
# objects pypdf cannot reach (pdfium rebuilds a broken cross-reference table its own way).
_ACTIVE_NAMES = {
    "/JS": "javascript",
    "/JavaScript": "javascript",
    "/Launch": "launch",
    "/SubmitForm": "action",
    "/ImportData": "action",
    "/GoToR": "action",
    "/GoToE": "action",
    "/XFA": "xfa",
    "/EmbeddedFile": "embedded_file",
    "/EmbeddedFiles": "embedded_file",
}
_NAME_TOKEN = re.compile(rb"/[^\s/<>\[\]()%{}]+")
_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")


class ActiveContent(Exception):
    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


def refuse_active_content(reader: PdfReader, data: bytes) -> None:
    """Raise `PdfError` if anything reachable in the file is active content.

    Walks every object reachable from the trailer (compressed object streams and
    escaped names included, since pypdf decodes them) and looks at dictionary keys
    and action types only; stream contents are never decoded. The file's raw bytes
    are scanned for the same names, for objects no cross-reference entry points to.
    """
    from server.pdf import refusal

    try:
        _walk(reader)
        _scan_raw(data)
    except ActiveContent as found:
        raise refusal(found.reason, found.detail) from None


def _walk(reader: PdfReader) -> None:
    seen: set[tuple[int, int]] = set()
    stack: list[PdfObject] = [reader.trailer]
    visited = 0
    while stack:
        obj: PdfObject | None = stack.pop()
        if isinstance(obj, IndirectObject):
            key = (obj.idnum, obj.generation)
            if key in seen:
                continue
            seen.add(key)
            obj = obj.get_object()
        visited += 1
        if visited > MAX_OBJECTS:
            raise ActiveContent("unreadable", "it has too many objects to check")
        if isinstance(obj, DictionaryObject):
            _check_dictionary(obj)
            stack.extend(obj.values())
        elif isinstance(obj, ArrayObject):
            stack.extend(obj)


def _check_dictionary(obj: DictionaryObject) -> None:
    if "/JS" in obj or "/JavaScript" in obj or _name(obj, "/S") == "/JavaScript":
        raise ActiveContent("javascript", "a JavaScript action or name tree")
    if _name(obj, "/S") == "/Launch":
        raise ActiveContent("launch", "it would start a program")
    if "/XFA" in obj:
        raise ActiveContent("xfa", "/XFA in its form")
    if (
        "/EmbeddedFiles" in obj
        or "/EF" in obj
        or _name(obj, "/Type") == "/EmbeddedFile"
        or _name(obj, "/Subtype") == "/FileAttachment"
    ):
        raise ActiveContent("embedded_file", "attachments")
    if _name(obj, "/Type") == "/Action":
        _check_action(obj)
    for key in _ACTION_KEYS:
        action = _resolved(obj.get(key))
        if isinstance(action, DictionaryObject):
            _check_action(action)
    triggers = _resolved(obj.get("/AA"))
    if isinstance(triggers, DictionaryObject):
        for value in triggers.values():
            action = _resolved(value)
            if isinstance(action, DictionaryObject):
                _check_action(action)


def _check_action(action: DictionaryObject) -> None:
    kind = _name(action, "/S")
    if kind is None and "/D" in action:
        return  # a destination dictionary, not an action
    if kind not in _ALLOWED_ACTIONS:
        reason = {"/Launch": "launch", "/JavaScript": "javascript"}.get(str(kind), "action")
        raise ActiveContent(reason, f"{str(kind).lstrip('/')} action")
    if kind == "/URI":
        uri = _resolved(action.get("/URI"))
        text = str(uri).strip().lower() if uri is not None else ""
        if not text.startswith(ALLOWED_URI_SCHEMES):
            raise ActiveContent("action", f"a link to a {text.split(':')[0] or 'blank'}: address")


def _scan_raw(data: bytes) -> None:
    for token in _NAME_TOKEN.findall(data):
        if b"#" in token:
            token = _ESCAPE.sub(lambda m: bytes([int(m[1], 16)]), token)
        reason = _ACTIVE_NAMES.get(token.decode("latin-1"))
        if reason is not None:
            raise ActiveContent(reason, f"the name {token.decode('latin-1')} in the file")


def _resolved(value: PdfObject | None) -> PdfObject | None:
    return value.get_object() if isinstance(value, IndirectObject) else value


def _name(obj: DictionaryObject, key: str) -> str | None:
    value = _resolved(obj.get(key))
    return str(value) if value is not None else None
