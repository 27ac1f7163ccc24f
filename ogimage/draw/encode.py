"""Encode a card image as PNG, JPEG or WebP.

PNG encoding is the largest single cost of a card: a 1200x630 RGB PNG takes
Pillow 10-25 ms at any compression level, a palette (mode P) PNG 1-3 ms at
level 6 and ~40 % of the bytes. :mod:`ogimage.draw.compose` therefore builds
palette images whenever it can; this module only encodes what it is given.
"""

from __future__ import annotations

import io

from PIL import Image

from .png import Reference, encode_palette

# RGB cards (colour emoji, photographic backgrounds) gain little past zlib level 1
# for a lot of time; palette cards go through our own writer (png.py).
RGB_PNG_LEVEL = 1


def encode(image: Image.Image, fmt: str = "png", reference: Reference | None = None,
           dirty: list[tuple[int, int]] | None = None) -> bytes:
    """The image's bytes in ``fmt``, a name in :data:`ogimage.formats.FORMATS` (a new format
    needs its row there and its branch here). ``reference`` and
    ``dirty``: the template base a palette card was composed on and the rows where it
    differs, so the PNG reuses the base's compressed rows (see :mod:`ogimage.draw.png`)."""
    buf = io.BytesIO()
    if fmt == "png":
        if image.mode == "P":
            return encode_palette(image, reference=reference, dirty=dirty)
        image.save(buf, "PNG", compress_level=RGB_PNG_LEVEL)
    elif fmt == "jpeg":
        image.convert("RGB").save(buf, "JPEG", quality=90, progressive=True)
    elif fmt == "webp":
        image.convert("RGB").save(buf, "WEBP", quality=90, method=4)
    else:
        raise ValueError(f"unknown format {fmt!r}")
    return buf.getvalue()
