from __future__ import annotations

import re
import shutil
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from server.app import create_app
from server.ranges import ByteRange, Unsatisfiable, parse_range
from server.settings import Settings
from testkit.server import SAMPLE_GUIDES, SAMPLE_OFFICE


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


# Through the server: whatever the header, a whole file, the exact bytes asked, or a 416 ----

# Any byte a header value may hold (no CR, LF or NUL), and well-formed ranges around the size.
_HEADERS = st.one_of(
    st.text(st.characters(max_codepoint=255, exclude_characters="\r\n\x00"), max_size=40),
    st.builds(
        lambda a, b, unit: f"{unit}={a}-{b}",
        st.one_of(st.just(""), st.integers(min_value=0, max_value=6000).map(str)),
        st.one_of(st.just(""), st.integers(min_value=0, max_value=6000).map(str)),
        st.sampled_from(["bytes", "Bytes", " bytes ", "items"]),
    ),
)


@pytest.fixture(scope="module")
def served_file(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[TestClient, str, bytes]]:
    root = tmp_path_factory.mktemp("ranges")
    shutil.copytree(SAMPLE_GUIDES, root / "guides", ignore=shutil.ignore_patterns("README.md"))
    settings = Settings(
        guides_dir=root / "guides",
        office_file=SAMPLE_OFFICE,
        data_dir=root / "data",
        watch=False,
        root_path="",
    )
    with TestClient(create_app(settings)) as client:
        url = client.get("/api/guides").json()["guides"][0]["files"]["id"]["url"]
        yield client, url, client.get(url).content


@settings(max_examples=60)
@given(header=_HEADERS)
def test_any_range_header_gets_the_whole_file_its_exact_bytes_or_416(
    served_file: tuple[TestClient, str, bytes], header: str
) -> None:
    client, url, data = served_file
    response = client.get(url, headers=[(b"range", header.encode("latin-1"))])
    assert response.status_code in (200, 206, 416)
    if response.status_code == 200:
        assert response.content == data
    elif response.status_code == 206:
        first, last, size = map(int, re.findall(r"\d+", response.headers["content-range"]))
        assert size == len(data) and response.content == data[first : last + 1]
        assert int(response.headers["content-length"]) == len(response.content) > 0
    else:
        assert response.headers["content-range"] == f"bytes */{len(data)}"
