"""Which code points a face maps: read once from its cmap, shared between equal cmaps."""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Iterable, Iterator
from pathlib import Path

from fontTools.ttLib import TTFont

__all__ = ["Coverage", "read_coverage"]


class Coverage:
    """A set of code points kept as a bitmap: ~24 KB for a CJK face's cmap, where a
    ``frozenset`` of its ~45,000 ints held ~3.5 MB (six such faces and their union were
    a sixth of a worker's memory)."""

    __slots__ = ("_bits",)

    def __init__(self, bits: bytes = b"") -> None:
        self._bits = bytes(bits)

    @classmethod
    def from_ranges(cls, ranges: "list[tuple[int, int]]") -> "Coverage":
        """The code points of inclusive ``(first, last)`` ranges."""
        top = max((last for _, last in ranges), default=-1)
        bits = bytearray((top >> 3) + 1 if top >= 0 else 0)
        for first, last in ranges:
            for cp in range(first, min(last, ((first >> 3) << 3) + 7) + 1):  # up to a byte boundary
                bits[cp >> 3] |= 1 << (cp & 7)
            lo = (first >> 3) + 1
            hi = last >> 3  # whole bytes strictly between the edge bytes
            if hi > lo:
                bits[lo:hi] = b"\xff" * (hi - lo)
            if hi >= lo:
                for cp in range(max(first, hi << 3), last + 1):
                    bits[cp >> 3] |= 1 << (cp & 7)
        return cls(bytes(bits))

    @classmethod
    def from_codepoints(cls, cps: "Iterable[int]") -> "Coverage":
        """The given code points."""
        cps = list(cps)
        bits = bytearray((max(cps) >> 3) + 1 if cps else 0)
        for cp in cps:
            bits[cp >> 3] |= 1 << (cp & 7)
        return cls(bytes(bits))

    def __contains__(self, cp: object) -> bool:
        if not isinstance(cp, int) or cp < 0:
            return False
        i = cp >> 3
        return i < len(self._bits) and bool(self._bits[i] & (1 << (cp & 7)))

    def __or__(self, other: "Coverage") -> "Coverage":
        a, b = self._bits, other._bits
        if len(a) < len(b):
            a, b = b, a
        merged = (int.from_bytes(a, "little") | int.from_bytes(b, "little")).to_bytes(len(a), "little")
        return Coverage(merged)

    def __len__(self) -> int:
        return int.from_bytes(self._bits, "little").bit_count()

    def __iter__(self) -> "Iterator[int]":
        for i, byte in enumerate(self._bits):
            if byte:
                for k in range(8):
                    if byte >> k & 1:
                        yield (i << 3) | k

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Coverage) and self._bits.rstrip(b"\0") == other._bits.rstrip(b"\0")

    def __hash__(self) -> int:
        return hash(self._bits.rstrip(b"\0"))


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
        ranges = [(start + (glyph == 0), end)
                  for start, end, glyph in struct.iter_unpack(">III", raw[offset + 16: offset + 16 + 12 * groups])
                  if start + (glyph == 0) <= end]
        return Coverage.from_ranges(ranges)
    return None
