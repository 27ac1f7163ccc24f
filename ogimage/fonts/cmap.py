"""Which code points a face maps: read once from its cmap, shared between equal cmaps."""

from __future__ import annotations

import hashlib
import struct
import sys
from array import array
from collections.abc import Iterable, Iterator, Sequence
from itertools import repeat
from pathlib import Path


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
        return cls.from_groups([first for first, _ in ranges], [last for _, last in ranges], repeat(1))

    @classmethod
    def from_groups(cls, starts: Sequence[int], ends: Sequence[int], glyphs: Iterable[int]) -> Coverage:
        """The code points of cmap format 12 groups (a group starting at glyph 0 maps its
        first code point to .notdef, which is not coverage). Adjacent groups (a CJK cmap has
        ~15,000, mostly one code point each) are merged before they are written; this is the
        one loop that writes coverage (:meth:`from_ranges` calls it), kept tight for that cmap."""
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


_COVERAGE_BY_CMAP: dict[bytes, Coverage] = {}


def read_coverage(path: Path, index: int) -> Coverage:
    """Code points mapped by the face's cmap, read straight from its format 12 (full
    Unicode: the big CJK and emoji cmaps) or format 4 (BMP) subtable: ~50x faster than
    fontTools building a name per glyph, and without importing fontTools (~30-80 ms at
    start-up). Any other cmap goes through fontTools."""
    raw = _cmap_table(path, index)
    digest = hashlib.sha256(raw).digest() if raw is not None else None
    cached = _COVERAGE_BY_CMAP.get(digest) if digest is not None else None
    if cached is not None:
        return cached
    cov = _unicode_coverage(raw) if raw is not None else None
    if cov is None:
        cov = _fonttools_coverage(path, index)
    if digest is not None:
        _COVERAGE_BY_CMAP[digest] = cov
    return cov


def _cmap_table(path: Path, index: int) -> bytes | None:
    """The raw ``cmap`` table of face ``index`` of a font file or collection, or None."""
    with open(path, "rb") as f:
        head = f.read(12)
        if head[:4] == b"ttcf":
            (count,) = struct.unpack(">I", head[8:12])
            if not 0 <= index < count:
                return None
            f.seek(12 + 4 * index)
            (start,) = struct.unpack(">I", f.read(4))
            f.seek(start)
            head = f.read(12)
        (tables,) = struct.unpack(">H", head[4:6])
        directory = f.read(16 * tables)
        for i in range(tables):
            tag, _checksum, offset, length = struct.unpack_from(">4sIII", directory, 16 * i)
            if tag == b"cmap":
                f.seek(offset)
                return f.read(length)
    return None


def _fonttools_coverage(path: Path, index: int) -> Coverage:
    from fontTools.ttLib import TTFont  # only for cmaps our readers do not handle

    font = TTFont(str(path), fontNumber=index, lazy=True)
    try:
        return Coverage.from_codepoints(cp for cp, name in (font.getBestCmap() or {}).items() if name != ".notdef")
    finally:
        font.close()


def _subtables(raw: bytes) -> list[tuple[int, int, int, int]]:
    """(platform, encoding, format, offset) of every cmap subtable."""
    (count,) = struct.unpack_from(">H", raw, 2)
    out = []
    for i in range(count):
        platform, encoding, offset = struct.unpack_from(">HHI", raw, 4 + 8 * i)
        if offset + 2 <= len(raw):
            out.append((platform, encoding, struct.unpack_from(">H", raw, offset)[0], offset))
    return out


def _unicode_coverage(raw: bytes) -> Coverage | None:
    subtables = _subtables(raw)
    for platform, encoding, fmt, offset in subtables:
        if fmt == 12 and (platform, encoding) in ((3, 10), (0, 4), (0, 6)):
            return _format12_coverage(raw, offset)
    for platform, encoding, fmt, offset in subtables:
        if fmt == 4 and (platform == 0 or (platform, encoding) == (3, 1)):
            return _format4_coverage(raw, offset)
    return None


def _format12_coverage(raw: bytes, offset: int) -> Coverage:
    (groups,) = struct.unpack_from(">I", raw, offset + 12)
    words = array("I", raw[offset + 16: offset + 16 + 12 * groups])  # start, end, glyph per group
    if sys.byteorder == "little":
        words.byteswap()
    return Coverage.from_groups(words[0::3], words[1::3], words[2::3])


def _format4_coverage(raw: bytes, offset: int) -> Coverage:
    """Segments of a BMP cmap: a code point is covered when it maps to a glyph other than 0."""
    (seg_x2,) = struct.unpack_from(">H", raw, offset + 6)
    segs = seg_x2 // 2
    ends_at = offset + 14
    starts_at = ends_at + seg_x2 + 2
    deltas_at = starts_at + seg_x2
    ranges_at = deltas_at + seg_x2

    def words(at: int) -> array:
        values = array("H", raw[at : at + seg_x2])
        if sys.byteorder == "little":
            values.byteswap()
        return values

    ends, starts, deltas, range_offsets = words(ends_at), words(starts_at), words(deltas_at), words(ranges_at)
    spans: list[tuple[int, int]] = []
    for i in range(segs):
        start, end, delta, range_offset = starts[i], ends[i], deltas[i], range_offsets[i]
        if start > end or start == 0xFFFF:
            continue
        if range_offset == 0:  # glyph = (c + delta) mod 65536: 0 for at most one code point
            hole = (-delta) & 0xFFFF
            if start <= hole <= end:
                spans += [(start, hole - 1), (hole + 1, end)]
            else:
                spans.append((start, end))
            continue
        base = ranges_at + 2 * i + range_offset
        for cp in range(start, end + 1):
            at = base + 2 * (cp - start)
            glyph = struct.unpack_from(">H", raw, at)[0] if at + 2 <= len(raw) else 0
            if glyph and (glyph + delta) & 0xFFFF:
                spans.append((cp, cp))
    return Coverage.from_ranges([(a, b) for a, b in spans if a <= b])
