"""The one error base: every explained error is a `BilangKaryoError`, and every message
key it names is in pwa/messages.toml in both languages."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from collections.abc import Iterator

import pytest

import server
from server.admin.context import Refused as AdminRefused
from server.errors import BilangKaryoError, ConfigError, Refused
from server.feedback import FeedbackError
from server.i18n import load_messages
from server.notices import NoticeError
from server.office import OfficeError
from server.pdf import PdfError
from server.publish_checks import PublishError
from server.settings import PROJECT_ROOT, PWA_DIR, SettingsError
from server.storage.errors import DatabaseProblem

MESSAGES = load_messages(PWA_DIR / "messages.toml")
SERVER_DIR = PROJECT_ROOT / "server"

# Signals that stay inside their module and are never shown to anyone as such.
INTERNAL_SIGNALS = {
    "server.ranges.Unsatisfiable",  # answered 416 by the fast path
    "server.reader._Stopped",  # a render stopped as the server shuts down
    "server.pdf_actions.ActiveContent",  # becomes a PdfError
    "server.pdf_probe.Refusal",  # the probe child's answer, becomes a PdfError
    # A FileNotFoundError: handled as the missing file it is (a rollback's blob_missing).
    "server.storage.files.FileMissing",
}

# Where each refusal's message key is among a constructor's arguments, and its prefix.
KEY_ARGUMENT = {
    "Refused": (1, "refuse_"),
    "PublishError": (0, "refuse_"),
    "NoticeError": (0, "refuse_"),
    "DatabaseProblem": (0, "refuse_"),
    "ActiveContent": (0, "refuse_pdf_"),
    "PdfError": (1, "refuse_pdf_"),
    "FeedbackError": (1, "feedback_err_"),
}


def server_modules() -> Iterator[str]:
    for module in pkgutil.walk_packages(server.__path__, "server."):
        yield module.name


def error_classes() -> dict[str, type[BaseException]]:
    found: dict[str, type[BaseException]] = {}
    for name in server_modules():
        module = importlib.import_module(name)
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, BaseException)
                and value.__module__ == name
            ):
                found[f"{name}.{value.__qualname__}"] = value
    return found


def has_message(key: str) -> bool:
    return key in MESSAGES.table and all(
        MESSAGES.table[key].get(lang) for lang in MESSAGES.languages.codes
    )


def test_every_error_the_server_defines_has_the_one_base() -> None:
    classes = error_classes()
    assert len(classes) > 15  # the walk found the modules
    outside = {
        name
        for name, cls in classes.items()
        if not issubclass(cls, BilangKaryoError) and name not in INTERNAL_SIGNALS
    }
    assert outside == set(), "give these the base in server/errors.py, or list them as signals"


def test_every_error_class_names_a_message_in_both_languages() -> None:
    for name, cls in error_classes().items():
        if issubclass(cls, BilangKaryoError):
            key = cls.message_prefix + cls.key
            assert has_message(key), f"{name}: no message {key} in id and en"


def refusal_keys() -> Iterator[tuple[str, int, str]]:
    """Every message key written as a literal where a refusal is raised in server/."""
    for path in sorted(SERVER_DIR.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
                continue
            name = node.func.id
            if name == "Refusal" and path.name == "pdf_probe.py":
                index, prefix = 0, "refuse_pdf_"
            elif name in KEY_ARGUMENT:
                index, prefix = KEY_ARGUMENT[name]
            else:
                continue
            arg = node.args[index] if len(node.args) > index else None
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                yield str(path.relative_to(PROJECT_ROOT)), node.lineno, prefix + arg.value


def test_every_refusal_raised_names_a_message_in_both_languages() -> None:
    keys = list(refusal_keys())
    assert len(keys) > 40  # the scan found the refusals
    missing = [f"{where}:{line} {key}" for where, line, key in keys if not has_message(key)]
    assert missing == []


def test_publish_and_admin_refusals_are_one_family() -> None:
    assert AdminRefused is Refused
    error = PublishError("no_file", "choose a PDF file to upload")
    assert isinstance(error, Refused)
    assert (error.status, error.key) == (400, "no_file")
    assert str(error) == "choose a PDF file to upload"
    assert error.message_key == "refuse_no_file"
    assert PublishError("unfinished", "later", 507).status == 507


@pytest.mark.parametrize(
    ("error", "status", "message_key"),
    [
        (Refused(413, "too_large"), 413, "refuse_too_large"),
        (DatabaseProblem("db_busy", "the database is busy"), 503, "refuse_db_busy"),
        (NoticeError("notice_no_text", "write the notice"), 400, "refuse_notice_no_text"),
        (FeedbackError("too long", "long"), 400, "feedback_err_long"),
        (PdfError("it is encrypted", "encrypted"), 400, "refuse_pdf_encrypted"),
        (SettingsError("BILANG_KARYO_PORT: not a number"), 500, "refuse_config"),
    ],
)
def test_each_error_carries_its_status_and_message(
    error: BilangKaryoError, status: int, message_key: str
) -> None:
    assert (error.status, error.message_key) == (status, message_key)
    assert has_message(message_key)


def test_the_details_stay_the_message_people_read() -> None:
    office = OfficeError(PROJECT_ROOT / "office.toml", "timezone", "unknown zone 'Mars'")
    assert isinstance(office, ConfigError)
    assert str(office).endswith("office.toml: field 'timezone': unknown zone 'Mars'")
    busy = DatabaseProblem("db_busy", "the database is busy; try again")
    assert str(busy) == busy.detail == "the database is busy; try again"
    assert busy.headers == {"Retry-After": "60"}
    # Still the ValueError callers may catch.
    assert isinstance(NoticeError("notice_bad_time", "x"), ValueError)
    assert Refused(429, "throttled", "30").headers == {"Retry-After": "30"}
