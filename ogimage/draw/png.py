"""A small PNG writer for palette images, tuned for cards.

Pillow's PNG encoder filters palette scanlines, which costs time and bytes on cards
(flat areas and antialiased text compress best unfiltered). Cards are mostly one
background index with a few ramps of text indices, so this writer stores rows with
filter 0 (None) and packs 16-colour images at 4 bits a pixel.

Most rows of a card are the template's rows, untouched by the card's text. A
:class:`Reference` holds the template's base image; bands of rows that equal the base's
are not compressed again: their deflate output, made once with a full flush (so it
refers to nothing before it), is spliced between the freshly compressed bands of the
card, and the Adler-32 checksums are combined. The output is one ordinary zlib stream.

zlib-ng, when installed (a dependency), deflates 2-3x faster than zlib at the same
level and slightly smaller; zlib is the fallback. :data:`DEFLATE` says which is in use
(it is part of the renderer version, since the bytes differ).
"""

from __future__ import annotations

import struct
import threading
import weakref
import zlib

from PIL import Image

from ..caches import SizedCache

try:
    from zlib_ng import zlib_ng as _deflate

    DEFLATE = "zlib-ng"
except ImportError:  # pragma: no cover - zlib-ng is a dependency; plain zlib still works
    _deflate = zlib  # type: ignore[assignment]
    DEFLATE = "zlib"
# The same checksums as zlib's, ~15x faster on a card's bands (SIMD in zlib-ng).
_adler32 = _deflate.adler32
_crc32 = _deflate.crc32

__all__ = ["DEFLATE", "Reference", "encode_palette", "reference_for"]

# The writer's references, by id of their base image (PIL images are not hashable).
_references: dict[int, Reference] = {}
_references_lock = threading.Lock()

SIGNATURE = b"\x89PNG\r\n\x1a\n"
LEVEL = 5  # zlib-ng: as small as 6 on cards (measured), ~15 % faster
BAND_ROWS = 8  # rows compared and reused together
_ZLIB_HEADER = b"\x78\x9c"
_FINAL_EMPTY_BLOCK = b"\x03\x00"  # a last, empty, fixed-Huffman block
_ADLER_BASE = 65521
# A template's compressed base rows (a few dozen row ranges, ~0.1-20 KB each).
TEMPLATE_SEGMENT_BYTES = 1 << 20
# Compressed card bands by content: a site's brand line, a repeated title. Keyed by length,
# CRC-32 and Adler-32 of the scanlines (two independent 32-bit checksums, both computed at
# memory speed; Python's hash of a 200 KB band cost as much as a tenth of its deflate):
# a wrong hit among a few hundred cached bands is not a practical concern, and the key holds
# no copy of the data.
_CARD_SEGMENT_BYTES = 1 << 20
_card_segments: SizedCache[tuple, tuple] = SizedCache(
    "bands", _CARD_SEGMENT_BYTES, lambda key, v: len(v[0]) + 64
)


def _chunk(tag: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", _crc32(data, _crc32(tag)))


def adler32_combine(adler1: int, adler2: int, len2: int) -> int:
    """The Adler-32 of ``a + b`` from the Adler-32s of ``a`` and ``b`` and ``len(b)``
    (zlib's ``adler32_combine``, which Python does not expose)."""
    rem = len2 % _ADLER_BASE
    sum1 = adler1 & 0xFFFF
    sum2 = (rem * sum1) % _ADLER_BASE
    sum1 += (adler2 & 0xFFFF) + _ADLER_BASE - 1
    sum2 += ((adler1 >> 16) & 0xFFFF) + ((adler2 >> 16) & 0xFFFF) + _ADLER_BASE - rem
    sum1 %= _ADLER_BASE
    sum2 %= _ADLER_BASE
    return sum1 | (sum2 << 16)


def _packed(image: Image.Image, bits: int) -> bytes:
    return image.tobytes("raw", "P;4") if bits == 4 else image.tobytes()


def _scanlines(raw: bytes, stride: int, row0: int, row1: int) -> bytes:
    return b"".join(b"\0" + raw[i : i + stride] for i in range(row0 * stride, row1 * stride, stride))


def _filtered_rows(image: Image.Image, row0: int, row1: int, bits: int) -> bytes:
    """Rows ``row0:row1`` of ``image`` as PNG scanlines with filter 0, made by Pillow: the
    rows cropped from one byte left of the image (at 4 bits, two pixels), which Pillow
    fills with index 0, so each packed row starts with the filter byte (half the time of
    joining rows)."""
    lead = 2 if bits == 4 else 1
    return _packed(image.crop((-lead, row0, image.width, row1)), bits)


def _deflate_segment(data: bytes, level: int) -> bytes:
    """Raw deflate of ``data`` ending in a full flush: byte-aligned, not final, and
    independent of whatever comes before it in the stream."""
    z = _deflate.compressobj(level, zlib.DEFLATED, -15, 9)
    return z.compress(data) + z.flush(zlib.Z_FULL_FLUSH)


def _card_segment(data: bytes, level: int) -> tuple[bytes, int, int]:
    """``data`` deflated as a segment, with its Adler-32 and length; memoised by content."""
    adler = _adler32(data)
    key = (level, len(data), _crc32(data), adler)
    found = _card_segments.get(key)
    if found is None:
        found = (_deflate_segment(data, level), adler, len(data))
        _card_segments.put(key, found)
    return found


class Reference:
    """A template's base image, whose untouched rows a card's PNG reuses compressed."""

    def __init__(self, image: Image.Image) -> None:
        if image.mode != "P":
            raise ValueError(f"expected a palette (P) image, got mode {image.mode}")
        self.image = image
        self._raw: dict[int, bytes] = {}
        self._segments: SizedCache[tuple, tuple[bytes, int, int]] = SizedCache(
            "template_bands", TEMPLATE_SEGMENT_BYTES, lambda key, v: len(v[0]) + 64
        )

    def raw(self, bits: int) -> bytes:
        """The base's packed rows at ``bits`` per pixel (no filter bytes)."""
        raw = self._raw.get(bits)
        if raw is None:
            raw = self._raw[bits] = _packed(self.image, bits)
        return raw

    def segment(self, bits: int, row0: int, row1: int, level: int) -> tuple[bytes, int, int]:
        """Rows ``row0:row1`` of the base as (deflate segment, Adler-32, raw length), made once."""
        key = (bits, row0, row1, level)
        found = self._segments.get(key)
        if found is None:
            stride = len(self.raw(bits)) // self.image.height
            data = _scanlines(self.raw(bits), stride, row0, row1)
            found = (_deflate_segment(data, level), _adler32(data), len(data))
            self._segments.put(key, found)
        return found


def _bands(height: int, dirty: list[tuple[int, int]] | None, raw: bytes | None, base: bytes | None,
           stride: int) -> list[list]:
    """Runs of bands as ``[clean, first row, end row]``; clean: equal to the base's rows."""
    count = (height + BAND_ROWS - 1) // BAND_ROWS
    if base is None:
        flags = [False] * count
    elif dirty is not None:
        flags = [True] * count
        for start, end in dirty:
            for band in range(max(0, start) // BAND_ROWS, min(count, (end + BAND_ROWS - 1) // BAND_ROWS)):
                flags[band] = False
    else:
        assert raw is not None
        step = BAND_ROWS * stride
        flags = [raw[i : i + step] == base[i : i + step] for i in range(0, height * stride, step)]
    runs: list[list] = []
    row0 = 0
    for clean in flags:
        row1 = row0 + BAND_ROWS
        if runs and runs[-1][0] == clean:
            runs[-1][2] = row1
        else:
            runs.append([clean, row0, row1])
        row0 = row1
    if runs:
        runs[-1][2] = min(runs[-1][2], height)  # the last band may be short
    return runs


def _idat(image: Image.Image, bits: int, stride: int, level: int, reference: Reference | None,
          dirty: list[tuple[int, int]] | None) -> bytes:
    width, height = image.size
    base = None
    if reference is not None and reference.image.size == image.size:
        base = reference.raw(bits)
    raw = None if base is not None and dirty is not None else _packed(image, bits)
    parts = [_ZLIB_HEADER]
    adler = 1
    for clean, row0, row1 in _bands(height, dirty, raw, base, stride):
        if clean:
            assert reference is not None
            segment, seg_adler, length = reference.segment(bits, row0, row1, level)
        else:
            if raw is None:
                data = _filtered_rows(image, row0, row1, bits)
            else:
                data = _scanlines(raw, stride, row0, row1)
            segment, seg_adler, length = _card_segment(data, level)
        parts.append(segment)
        adler = adler32_combine(adler, seg_adler, length)
    parts.append(_FINAL_EMPTY_BLOCK)
    parts.append(struct.pack(">I", adler))
    return b"".join(parts)


def reference_for(base: Image.Image) -> Reference:
    """The writer's :class:`Reference` for a base image (made once, forgotten with the image)."""
    key = id(base)
    ref = _references.get(key)
    if ref is None or ref.image is not base:
        with _references_lock:
            ref = _references.get(key)
            if ref is None or ref.image is not base:
                ref = _references[key] = Reference(base)
                weakref.finalize(base, _references.pop, key, None)
    return ref


def encode_palette(image: Image.Image, level: int = LEVEL, base: Image.Image | None = None,
                   dirty: list[tuple[int, int]] | None = None) -> bytes:
    """PNG bytes of a mode ``P`` image with every palette entry it holds.

    With a ``base`` (the template base the card was composed on: same size, same leading
    palette entries), bands of rows equal to the base's reuse its compressed rows, which
    this module keeps per base (:func:`reference_for`). ``dirty``, when given, lists the
    row ranges ``(start, end)`` that may differ from the base (the composer knows them);
    without it rows are compared.
    """
    reference = reference_for(base) if base is not None else None
    if image.mode != "P":
        raise ValueError(f"expected a palette (P) image, got mode {image.mode}")
    width, height = image.size
    palette = image.getpalette() or [0, 0, 0]
    used = len(palette) // 3
    bits = 4 if used <= 16 else 8
    stride = (width + 1) // 2 if bits == 4 else width
    header = struct.pack(">IIBBBBB", width, height, bits, 3, 0, 0, 0)
    return b"".join((
        SIGNATURE,
        _chunk(b"IHDR", header),
        _chunk(b"PLTE", bytes(palette)),
        _chunk(b"IDAT", _idat(image, bits, stride, level, reference, dirty)),
        _chunk(b"IEND", b""),
    ))
