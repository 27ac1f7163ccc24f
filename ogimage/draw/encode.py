"""Encode a card image as PNG, JPEG or WebP.

PNG encoding is the largest single cost of a card: a 1200x630 RGB PNG takes
Pillow 10-25 ms at any compression level, a palette (mode P) PNG 1-3 ms at
level 6 and ~40 % of the bytes. :mod:`ogimage.draw.compose` therefore builds
palette images whenever it can; this module only encodes what it is given.
"""

from __future__ import annotations

import io

from PIL import Image

from .png import DEFLATE, encode_palette

__all__ = ["DEFLATE", "RGB_PNG_LEVEL", "encode"]

# RGB cards (colour emoji, photographic backgrounds) gain little past zlib level 1
# for a lot of time; palette cards go through our own writer (png.py).
RGB_PNG_LEVEL = 1


def encode(image: Image.Image, fmt: str = "png", base: Image.Image | None = None,
           changed_rows: list[tuple[int, int]] | None = None) -> bytes:
    """The image's bytes in ``fmt``, a name in :data:`ogimage.formats.FORMATS` (a new format
    needs its row there and its branch here). ``base`` and
    ``changed_rows``: the template base a palette card was composed on and the rows where it
    may differ, so the PNG reuses the base's compressed rows (see :mod:`ogimage.draw.png`)."""
    buf = io.BytesIO()
    if fmt == "png":
        if image.mode == "P":
            return encode_palette(image, base=base, dirty=changed_rows)
        image.save(buf, "PNG", compress_level=RGB_PNG_LEVEL)
    elif fmt == "jpeg":
        image.convert("RGB").save(buf, "JPEG", quality=90, progressive=True)
    elif fmt == "webp":
        image.convert("RGB").save(buf, "WEBP", quality=90, method=4)
    else:
        raise ValueError(f"unknown format {fmt!r}")
    return buf.getvalue()
