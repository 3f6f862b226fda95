from __future__ import annotations

from collections.abc import Callable

import pytest

from server.pdf import PdfError, inspect_pdf
from server.settings import PROJECT_ROOT
from testkit import bad_pdfs
from testkit.pdfs import make_encrypted_pdf, make_pdf


def test_counts_pages_of_a_good_pdf() -> None:
    assert inspect_pdf(make_pdf(pages=3)).pages == 3


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"<html>not a pdf</html>", "not a PDF"),
        (make_pdf()[:400], "incomplete"),
        (make_encrypted_pdf(), "encrypted"),
    ],
    ids=["empty", "html", "truncated", "encrypted"],
)
def test_refuses_what_applicants_could_not_open(data: bytes, reason: str) -> None:
    with pytest.raises(PdfError, match=reason):
        inspect_pdf(data)


def test_garbage_between_header_and_eof_marker_is_refused() -> None:
    with pytest.raises(PdfError):
        inspect_pdf(b"%PDF-1.7\n" + b"\x00garbage" * 50 + b"\n%%EOF\n")


# The hostile classes of issue 11. Each must end in `PdfError` with its reason: never
# another exception (that was a traceback in the CLI, a 500 in the admin, a dead watcher).

SHARED_HOSTILE = PROJECT_ROOT.parent / "shared" / "pdf-corpus" / "hostile"
ENCRYPTIONS = [
    (algorithm, password)
    for algorithm in ("RC4-40", "RC4-128", "AES-128", "AES-256")
    for password in ("", "sandi-pengguna")
]


@pytest.mark.parametrize(("algorithm", "password"), ENCRYPTIONS)
def test_every_kind_of_encryption_is_refused_with_or_without_a_user_password(
    algorithm: str, password: str
) -> None:
    with pytest.raises(PdfError) as refused:
        inspect_pdf(bad_pdfs.encrypted(algorithm, password))
    assert refused.value.reason == "encrypted"


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("aes-encrypted.pdf", "encrypted"),
        ("assertion-bad35.pdf", "unreadable"),
        ("duplicate-action-key.pdf", "action"),
    ],
)
def test_the_attack_runs_reproductions_are_refused(name: str, reason: str) -> None:
    with pytest.raises(PdfError) as refused:
        inspect_pdf((SHARED_HOSTILE / name).read_bytes())
    assert refused.value.reason == reason


DUPLICATE_KEYS = {
    "link /A": bad_pdfs.duplicate_link_action,
    "page /AA": bad_pdfs.duplicate_additional_actions,
    "/OpenAction": bad_pdfs.duplicate_open_action,
    "/Names JavaScript": bad_pdfs.duplicate_names_javascript,
}


@pytest.mark.parametrize("make", DUPLICATE_KEYS.values(), ids=DUPLICATE_KEYS.keys())
def test_a_script_in_the_last_copy_of_a_repeated_action_key_is_refused(
    make: Callable[[], bytes],
) -> None:
    with pytest.raises(PdfError) as refused:
        inspect_pdf(make())
    assert refused.value.reason in ("javascript", "action", "ambiguous")


def test_any_repeated_key_is_refused_as_ambiguous() -> None:
    """Even a harmless key: pypdf and pdfium would each read a different file."""
    twice = bad_pdfs.plain_raw_pdf().replace(
        b"/MediaBox [0 0 612 792]", b"/MediaBox [0 0 612 792] /MediaBox [0 0 300 300]"
    )
    with pytest.raises(PdfError) as refused:
        inspect_pdf(twice)
    assert refused.value.reason == "ambiguous"
    assert "/MediaBox" in str(refused.value)


@pytest.mark.parametrize(
    ("action", "accepted"),
    [
        (b"<< /S /URI /URI (https://www.imigrasi.go.id/) >>", True),
        (b"<< /S /URI /URI (mailto:kanim@imigrasi.go.id) >>", True),
        (b"<< /S /GoTo /D [3 0 R /Fit] >>", True),
        (b"<< /S /URI /URI (javascript:alert(1)) >>", False),
        (b"<< /S /URI /URI (file:///etc/passwd) >>", False),
        (b"<< /S /SubmitForm /F (https://example.com/) >>", False),
        (b"<< /S /ImportData /F (data.fdf) >>", False),
        (b"<< /S /GoToR /F (other.pdf) /D [0 /Fit] >>", False),
        (b"<< /S /GoToE /T << /R /C /N (a) >> /D [0 /Fit] >>", False),
        (b"<< /S /ResetForm >>", False),
        (b"<< /S /Named /N /Print >>", False),
    ],
    ids=lambda v: v.decode().split("/")[2].strip() if isinstance(v, bytes) else str(v),
)
def test_the_action_policy_allows_jumps_and_web_mail_phone_links_only(
    action: bytes, accepted: bool
) -> None:
    data = bad_pdfs.action_of_kind(action)
    if accepted:
        assert inspect_pdf(data).pages == 1
    else:
        with pytest.raises(PdfError) as refused:
            inspect_pdf(data)
        assert refused.value.reason == "action"


def test_an_xfa_form_is_refused() -> None:
    with pytest.raises(PdfError) as refused:
        inspect_pdf(bad_pdfs.xfa_form())
    assert refused.value.reason == "xfa"


def test_a_script_reachable_only_by_rebuilding_a_broken_xref_is_refused() -> None:
    assert inspect_pdf(bad_pdfs.broken_xref()).pages == 1  # the damage alone is repaired
    with pytest.raises(PdfError) as refused:
        inspect_pdf(bad_pdfs.hidden_script_behind_broken_xref())
    assert refused.value.reason in ("javascript", "action")


@pytest.mark.parametrize("make", [bad_pdfs.deep_nesting, bad_pdfs.huge_object_count])
def test_deep_nesting_and_huge_object_counts_are_refused(make: Callable[[], bytes]) -> None:
    with pytest.raises(PdfError) as refused:
        inspect_pdf(make())
    assert refused.value.reason == "unreadable"


@pytest.mark.parametrize("seed", ["raw", "fpdf"])
def test_damaged_copies_end_in_an_answer_or_a_refusal_never_a_crash(seed: str) -> None:
    base = bad_pdfs.plain_raw_pdf() if seed == "raw" else make_pdf("Rusak", pages=2)
    outcomes = {"accepted": 0, "refused": 0}
    for damaged in bad_pdfs.mutations(base, 40):
        try:
            inspect_pdf(damaged)
            outcomes["accepted"] += 1
        except PdfError:
            outcomes["refused"] += 1
    assert sum(outcomes.values()) == 40
    assert outcomes["refused"] > 0, outcomes  # the mutations did damage something
