"""Which code points a face maps: read once from its cmap, shared between equal cmaps."""

from __future__ import annotations

import hashlib
import struct
import sys
from array import array
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from fontTools.ttLib import TTFont

__all__ = ["Coverage", "read_coverage"]


class Coverage:
    """A set of code points kept as one byte per code point up to the highest: ~200 KB
    for a CJK face's cmap, where a ``frozenset`` of its ~45,000 ints held ~3.5 MB (six
    such faces and their union were a sixth of a worker's memory). Membership is an index."""

    __slots__ = ("_flags",)

    def __init__(self, flags: bytes = b"") -> None:
        self._flags = bytes(flags)

    @classmethod
    def from_ranges(cls, ranges: list[tuple[int, int]]) -> Coverage:
        """The code points of inclusive ``(first, last)`` ranges."""
        top = max((last for _, last in ranges), default=-1)
        flags = bytearray(top + 1)
        ones = b"\x01" * (top + 1)
        for first, last in ranges:
            if last >= first:
                flags[first : last + 1] = ones[: last + 1 - first]
        return cls(flags)

    @classmethod
    def from_groups(cls, starts: Sequence[int], ends: Sequence[int], glyphs: Sequence[int]) -> Coverage:
        """The code points of cmap format 12 groups (a group starting at glyph 0 maps its
        first code point to .notdef, which is not coverage). Adjacent groups (a CJK cmap has
        ~15,000, mostly one code point each) are merged before they are written."""
        top = max(ends, default=-1)
        flags = bytearray(top + 1)
        ones = b"\x01" * (top + 1)
        first = last = -2
        for start, end, glyph in zip(starts, ends, glyphs):
            if glyph == 0:
                start += 1
            if start > end:
                continue
            if start == last + 1:
                last = end
                continue
            if first >= 0:
                flags[first : last + 1] = ones[: last + 1 - first]
            first, last = start, end
        if first >= 0:
            flags[first : last + 1] = ones[: last + 1 - first]
        return cls(flags)

    @classmethod
    def from_codepoints(cls, cps: Iterable[int]) -> Coverage:
        """The given code points."""
        cps = list(cps)
        flags = bytearray(max(cps) + 1 if cps else 0)
        for cp in cps:
            flags[cp] = 1
        return cls(flags)

    def __contains__(self, cp: object) -> bool:
        if not isinstance(cp, int) or cp < 0:
            return False
        return cp < len(self._flags) and self._flags[cp] != 0

    def __or__(self, other: Coverage) -> Coverage:
        a, b = self._flags, other._flags
        if len(a) < len(b):
            a, b = b, a
        merged = (int.from_bytes(a, "little") | int.from_bytes(b, "little")).to_bytes(len(a), "little")
        return Coverage(merged)

    def __len__(self) -> int:
        return len(self._flags) - self._flags.count(0)

    def __iter__(self) -> Iterator[int]:
        flags = self._flags
        return (cp for cp in range(len(flags)) if flags[cp])

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Coverage) and self._flags.rstrip(b"\0") == other._flags.rstrip(b"\0")

    def __hash__(self) -> int:
        return hash(self._flags.rstrip(b"\0"))


_COVERAGE_BY_CMAP: dict[bytes, Coverage] = {}


def read_coverage(path: Path, index: int) -> Coverage:
    """Code points mapped by the face's cmap. A format 12 subtable (full Unicode; the
    big CJK and emoji cmaps) is read straight from its groups, which is ~50x faster
    than fontTools building a name per glyph; anything else goes through fontTools."""
    font = TTFont(str(path), fontNumber=index, lazy=True)
    try:
        raw = font.reader["cmap"]
        digest = hashlib.sha256(raw).digest()
        cached = _COVERAGE_BY_CMAP.get(digest)
        if cached is not None:
            return cached
        cov = _format12_coverage(raw)
        if cov is None:
            cov = Coverage.from_codepoints(font.getBestCmap() or {})
        _COVERAGE_BY_CMAP[digest] = cov
        return cov
    finally:
        font.close()


def _format12_coverage(raw: bytes) -> Coverage | None:
    (count,) = struct.unpack_from(">H", raw, 2)
    for i in range(count):
        platform, encoding, offset = struct.unpack_from(">HHI", raw, 4 + 8 * i)
        if (platform, encoding) not in ((3, 10), (0, 4), (0, 6)):
            continue
        if struct.unpack_from(">H", raw, offset)[0] != 12:
            continue
        (groups,) = struct.unpack_from(">I", raw, offset + 12)
        words = array("I", raw[offset + 16: offset + 16 + 12 * groups])  # start, end, glyph per group
        if sys.byteorder == "little":
            words.byteswap()
        return Coverage.from_groups(words[0::3], words[1::3], words[2::3])
    return None
