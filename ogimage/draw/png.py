"""A small PNG writer for palette images, tuned for cards.

Pillow's PNG encoder filters palette scanlines, which costs time and bytes on
cards (flat areas and antialiased text compress best unfiltered). Cards are
mostly one background index with a few ramps of text indices, so this writer
stores rows with filter 0 (None), packs 16-colour images at 4 bits a pixel, and
compresses with zlib at level 6. On the benchmark card that is ~20 % fewer bytes
and ~20 % less time than ``Image.save(..., "PNG")`` (measured in bench/).
"""

from __future__ import annotations

import struct
import zlib

from PIL import Image

SIGNATURE = b"\x89PNG\r\n\x1a\n"
LEVEL = 6


def _chunk(tag: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(data, zlib.crc32(tag)))


def encode_palette(image: Image.Image, level: int = LEVEL) -> bytes:
    """PNG bytes of a mode ``P`` image (its palette trimmed to the entries used)."""
    if image.mode != "P":
        raise ValueError(f"expected a palette (P) image, got mode {image.mode}")
    width, height = image.size
    used = image.getextrema()[1] + 1  # type: ignore[index, operator]
    palette = (image.getpalette() or [])[: used * 3]
    palette += [0] * (used * 3 - len(palette))
    if used <= 16:
        bits = 4
        raw = image.tobytes("raw", "P;4")
        stride = (width + 1) // 2
    else:
        bits = 8
        raw = image.tobytes()
        stride = width
    scanlines = b"".join(b"\0" + raw[i : i + stride] for i in range(0, stride * height, stride))
    header = struct.pack(">IIBBBBB", width, height, bits, 3, 0, 0, 0)
    return b"".join((
        SIGNATURE,
        _chunk(b"IHDR", header),
        _chunk(b"PLTE", bytes(palette)),
        _chunk(b"IDAT", zlib.compress(scanlines, level)),
        _chunk(b"IEND", b""),
    ))
