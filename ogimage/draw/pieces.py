"""Rendered pieces: the coverage of a shaped piece of text, kept for the next card.

FreeType rasterising is the largest cost of inking a line (each glyph is loaded twice:
once for the bounding box, once to render). Cards repeat words and characters, so the
coverage of each piece (see :mod:`ogimage.fonts.pieces`) is cached per face, size,
language and direction, bounded by pixels, and a line is inked by pasting its pieces at
the pen positions the measurer gave them.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from PIL import Image, ImageFont

from ..fonts import Face

__all__ = ["Piece", "rendered_piece"]

# Pixels of cached coverage (1 byte each). 8 MiB holds ~2,000 Han characters at 64 px
# or ~400 words; a worker's memory stays flat after that.
CACHE_PIXELS = 8 << 20


@dataclass(frozen=True)
class Piece:
    """A piece's coverage (mode ``L``) and where its top-left goes relative to the pen."""

    mask: Image.Image | None  # None: nothing to ink (spaces)
    offset: tuple[int, int]

    @property
    def pixels(self) -> int:
        """How many pixels the mask holds (its weight in the cache)."""
        return 1 if self.mask is None else max(1, self.mask.width * self.mask.height)


# First in, first out, bounded by pixels: a plain dict reads without a lock (one atomic
# get under the GIL), which matters at ~20 lookups a card; a hot piece evicted by age is
# simply rendered again.
_cache: dict[tuple, Piece] = {}
_cached_pixels = 0
_lock = threading.Lock()


def rendered_piece(font: ImageFont.FreeTypeFont, face: Face, size: int, text: str,
                   direction: str, lang: str, raqm: bool) -> Piece:
    """The coverage of ``text`` shaped as one piece (cached). Never raises for odd text:
    a string raqm refuses inks nothing."""
    global _cached_pixels
    key = (face, size, text, direction, lang)
    piece = _cache.get(key)
    if piece is not None:
        return piece
    kw = {"direction": direction, "language": lang or None} if raqm else {}
    try:
        core, offset = font.getmask2(text, "L", anchor="ls", **kw)
    except (RuntimeError, ValueError):  # raqm refused the string
        core, offset = None, (0, 0)
    mask = None
    if core is not None and core.size[0] > 0 and core.size[1] > 0:
        mask = Image.Image()._new(core)  # the core image getmask2 returns, as an Image
        if mask.getbbox() is None:
            mask = None
    piece = Piece(mask, (int(offset[0]), int(offset[1])))
    with _lock:
        if key not in _cache:
            _cache[key] = piece
            _cached_pixels += piece.pixels
            while _cached_pixels > CACHE_PIXELS and _cache:
                _cached_pixels -= _cache.pop(next(iter(_cache))).pixels
    return piece


def clear() -> None:
    """Forget every cached piece (tests; a font book replaced at run time)."""
    global _cached_pixels
    with _lock:
        _cache.clear()
        _cached_pixels = 0
