"""The renderer's view of a PDF (pdfium), taken in a child process: `python -m server.pdf_probe`.

pypdf and pdfium do not read damaged or ambiguous files the same way (pypdf
keeps the first copy of a repeated key, pdfium the last; pdfium rebuilds a
broken cross-reference table its own way). What applicants' phones run is
pdfium (Chrome's viewer) and our reader renders with it too, so the publish
check also asks pdfium what it sees: encryption, document JavaScript, XFA, and
the action of every link, page and bookmark. pdfium runs in a child so that a
crash or a runaway parse on a hostile file refuses the file instead of taking
the site down.

The child reads the PDF on stdin and prints one JSON object:
`{"pages": N}` or `{"reason": "...", "detail": "..."}`.
"""

from __future__ import annotations

import ctypes
import hashlib
import json
import resource
import subprocess
import sys
from typing import Any

from server.work_log import note

# Link and page actions pdfium follows that are allowed: a jump inside the file,
# and a web, mail or phone link. GoToR (another file), GoToE (an embedded file),
# Launch, JavaScript, SubmitForm, ImportData and everything else are refused.
ALLOWED_URI_SCHEMES = ("http:", "https:", "mailto:", "tel:")
PROBE_TIMEOUT_SECONDS = 60
PROBE_MEMORY_BYTES = 2 * 1024 * 1024 * 1024
_MAX_BOOKMARKS = 10_000
_ACTION_NAMES = {0: "unsupported", 2: "GoToR", 4: "Launch", 5: "GoToE"}


class Refusal(Exception):
    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


def probe(data: bytes) -> dict[str, Any]:
    """What pdfium makes of `data`; runs in the child."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if getattr(exc, "err_code", None) == raw.FPDF_ERR_PASSWORD:
            return {"reason": "encrypted", "detail": "pdfium asks for a password"}
        return {"reason": "unreadable", "detail": f"pdfium cannot open it ({exc})"}
    try:
        handle = document.raw
        if raw.FPDF_GetSecurityHandlerRevision(handle) != -1:
            return {"reason": "encrypted", "detail": "pdfium sees a security handler"}
        if raw.FPDFDoc_GetJavaScriptActionCount(handle) > 0:
            return {"reason": "javascript", "detail": "document-level JavaScript"}
        if raw.FPDF_GetFormType(handle) in (raw.FORMTYPE_XFA_FULL, raw.FORMTYPE_XFA_FOREGROUND):
            return {"reason": "xfa", "detail": "an XFA form"}
        pages = len(document)
        for index in range(pages):
            _check_page(raw, handle, index)
        _check_bookmarks(raw, handle)
    except Refusal as refusal:
        return {"reason": refusal.reason, "detail": refusal.detail}
    finally:
        document.close()
    return {"pages": pages}


def _check_page(raw: Any, document: Any, index: int) -> None:
    page = raw.FPDF_LoadPage(document, index)
    if not page:
        raise Refusal("unreadable", f"pdfium cannot load page {index + 1}")
    try:
        for kind in (raw.FPDFPAGE_AACTION_OPEN, raw.FPDFPAGE_AACTION_CLOSE):
            action = raw.FPDF_GetPageAAction(page, kind)
            if action:
                _check_action(raw, document, action, f"page {index + 1} open/close action")
        position = ctypes.c_int(0)
        link = raw.FPDF_LINK()
        while raw.FPDFLink_Enumerate(page, ctypes.byref(position), ctypes.byref(link)):
            action = raw.FPDFLink_GetAction(link)
            if action:
                _check_action(raw, document, action, f"a link on page {index + 1}")
    finally:
        raw.FPDF_ClosePage(page)


def _check_bookmarks(raw: Any, document: Any) -> None:
    stack = [raw.FPDFBookmark_GetFirstChild(document, None)]
    seen = 0
    while stack:
        bookmark = stack.pop()
        if not bookmark:
            continue
        seen += 1
        if seen > _MAX_BOOKMARKS:
            raise Refusal("unreadable", "the PDF has too many bookmarks to check")
        action = raw.FPDFBookmark_GetAction(bookmark)
        if action:
            _check_action(raw, document, action, "a bookmark")
        stack.append(raw.FPDFBookmark_GetNextSibling(document, bookmark))
        stack.append(raw.FPDFBookmark_GetFirstChild(document, bookmark))


def _check_action(raw: Any, document: Any, action: Any, where: str) -> None:
    kind = raw.FPDFAction_GetType(action)
    if kind == raw.PDFACTION_GOTO:
        return
    if kind == raw.PDFACTION_URI:
        size = raw.FPDFAction_GetURIPath(document, action, None, 0)
        buffer = ctypes.create_string_buffer(max(size, 1))
        raw.FPDFAction_GetURIPath(document, action, buffer, size)
        uri = buffer.value.decode("latin-1").strip().lower()
        if not uri.startswith(ALLOWED_URI_SCHEMES):
            raise Refusal("action", f"{where} opens {uri.split(':')[0] or 'an empty'}: address")
        return
    if kind == raw.PDFACTION_LAUNCH:
        raise Refusal("launch", f"{where} launches a program")
    name = _ACTION_NAMES.get(kind, str(kind))
    if name == "unsupported":
        # pdfium names JavaScript, SubmitForm, ImportData, Named and the rest "unsupported".
        raise Refusal("action", f"{where} runs a script, sends a form or another active action")
    raise Refusal("action", f"{where} is a {name} action (opens another file)")


def run_probe(data: bytes) -> dict[str, Any]:
    """The child's answer; a crash, a timeout or garbage becomes an "unreadable" refusal."""
    note("probe", hashlib.sha256(data).hexdigest())
    try:
        result = subprocess.run(
            [sys.executable, "-m", "server.pdf_probe"],
            input=data,
            capture_output=True,
            timeout=PROBE_TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return {"reason": "unreadable", "detail": "pdfium took too long to read it"}
    if result.returncode != 0:
        how = f"signal {-result.returncode}" if result.returncode < 0 else result.returncode
        return {"reason": "unreadable", "detail": f"pdfium failed on it ({how})"}
    try:
        answer: dict[str, Any] = json.loads(result.stdout)
    except ValueError:
        return {"reason": "unreadable", "detail": "pdfium gave no answer"}
    return answer


def main() -> int:
    # A hostile file must not eat the machine's memory: the child stops at 2 GB.
    resource.setrlimit(resource.RLIMIT_AS, (PROBE_MEMORY_BYTES, PROBE_MEMORY_BYTES))
    data = sys.stdin.buffer.read()
    try:
        answer = probe(data)
    except Exception as exc:  # any pdfium or binding error is a refusal, not a crash
        answer = {"reason": "unreadable", "detail": f"pdfium failed on it ({exc})"}
    print(json.dumps(answer))
    return 0


if __name__ == "__main__":
    sys.exit(main())
