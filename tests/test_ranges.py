from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.ranges import ByteRange, Unsatisfiable, parse_range


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("bytes=0-99", ByteRange(0, 99)),
        ("bytes=100-", ByteRange(100, 999)),
        ("bytes=-100", ByteRange(900, 999)),
        ("bytes=990-5000", ByteRange(990, 999)),
        ("bytes=-5000", ByteRange(0, 999)),
        ("bytes=0-0", ByteRange(0, 0)),
    ],
)
def test_single_ranges(header: str, expected: ByteRange) -> None:
    assert parse_range(header, 1000) == expected


@pytest.mark.parametrize(
    "header",
    [
        "bytes=5-1",
        "items=0-5",
        "bytes=0-5,10-20",
        "bytes=abc",
        "bytes=-",
        "bytes=1-2-3",
        "bytes=٣-٤",
        "",
        "bytes= " + "9" * 300,
    ],
)
def test_malformed_or_multiple_ranges_mean_the_whole_file(header: str) -> None:
    assert parse_range(header, 1000) is None


@pytest.mark.parametrize("header", ["bytes=1000-", "bytes=5000-6000", "bytes=-0"])
def test_ranges_outside_the_file_are_unsatisfiable(header: str) -> None:
    with pytest.raises(Unsatisfiable):
        parse_range(header, 1000)


@given(st.text(max_size=60), st.integers(min_value=0, max_value=10**9))
def test_any_header_gives_a_range_inside_the_file_or_a_clear_answer(header: str, size: int) -> None:
    try:
        result = parse_range(header, size)
    except Unsatisfiable:
        return
    if result is not None:
        assert 0 <= result.start <= result.end < size
