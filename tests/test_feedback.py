"""The feedback records: checking one answer, storing it once, counting, and the CSV."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from server.feedback import FeedbackError, FeedbackStore, feedback_csv, parse_answer
from server.storage.sqlite_db import Database

GUIDES = {"izin-tinggal", "pembuatan-paspor"}


def test_a_form_answer_is_read_like_a_json_one() -> None:
    answer = parse_answer(
        {"guide": "izin-tinggal", "lang": "en", "helpful": "yes", "comment": "  ok\r\nthanks "},
        GUIDES,
        "a" * 32,
    )
    assert (answer.id, answer.helpful, answer.comment, answer.section) == (
        "a" * 32,
        True,
        "ok\nthanks",
        "",
    )


@pytest.mark.parametrize(
    ("comment", "code"),
    [("<p>x</p>", "html"), ("< script>", "html"), ("<!-- x -->", "html"), ("x" * 501, "long"),
     ("\u202eevil", "invalid"), (5, "invalid")],
)  # fmt: skip
def test_comments_are_plain_short_text(comment: object, code: str) -> None:
    with pytest.raises(FeedbackError) as caught:
        parse_answer({"guide": "izin-tinggal", "lang": "id", "helpful": True,
                      "comment": comment}, GUIDES, "b" * 32)  # fmt: skip
    assert caught.value.code == code


def test_tallies_per_guide_and_a_formula_safe_csv(tmp_path: Path) -> None:
    store = FeedbackStore(Database(tmp_path))
    for index, (guide, helpful, comment) in enumerate(
        [("izin-tinggal", "yes", ""), ("izin-tinggal", "no", "@SUM(A1)"),
         ("pembuatan-paspor", "no", "Biaya?")]
    ):  # fmt: skip
        answer = parse_answer({"guide": guide, "lang": "id", "helpful": helpful,
                               "comment": comment}, GUIDES, f"{index:032x}")  # fmt: skip
        assert store.save(answer, date(2026, 11, 30))
    assert [(t.guide, t.yes, t.no, t.comments) for t in store.tallies()] == [
        ("izin-tinggal", 1, 1, 1),
        ("pembuatan-paspor", 0, 1, 1),
    ]
    text = feedback_csv(store.records("izin-tinggal"))
    assert text.splitlines() == [
        "day,guide,lang,section,helpful,comment",
        "2026-11-30,izin-tinggal,id,,no,'@SUM(A1)",
        "2026-11-30,izin-tinggal,id,,yes,",
    ]
