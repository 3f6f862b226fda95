"""Parsing the HTTP `Range` header (RFC 9110, section 14) for single byte ranges."""

from __future__ import annotations

from dataclasses import dataclass

# Some clients send dozens of ranges to probe servers; we answer one range only.
_MAX_HEADER = 200


@dataclass(frozen=True)
class ByteRange:
    start: int
    end: int  # inclusive

    @property
    def length(self) -> int:
        return self.end - self.start + 1


class Unsatisfiable(Exception):
    """The range lies wholly outside the file: answer 416."""


def parse_range(header: str, size: int) -> ByteRange | None:
    """The range to send, or None to send the whole file.

    A malformed header, or one asking for several ranges, is ignored (the
    server may always answer 200 with the whole representation); a
    well-formed range that misses the file raises `Unsatisfiable`.
    """
    if len(header) > _MAX_HEADER:
        return None
    unit, _, spec = header.strip().partition("=")
    if unit.strip().lower() != "bytes" or "," in spec:
        return None
    first, dash, last = spec.strip().partition("-")
    if not dash or not _is_digits(first or "0") or not _is_digits(last or "0"):
        return None
    if not first:
        if not last:
            return None
        suffix = int(last)
        if suffix == 0 or size == 0:
            raise Unsatisfiable
        return ByteRange(max(size - suffix, 0), size - 1)
    start = int(first)
    if last and int(last) < start:
        return None
    if start >= size:
        raise Unsatisfiable
    end = int(last) if last else size - 1
    return ByteRange(start, min(end, size - 1))


def _is_digits(text: str) -> bool:
    return text.isascii() and text.isdigit()
