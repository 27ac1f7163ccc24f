"""Glyph masks: one character's own (cmap) glyph rasterised alone, kept for the next card.

Two users read the same masks: drawing pastes new pieces from them (draw/pieces.py) and
ink edges read the ink box of a line's edge glyph from them (fonts/ink.py), so a glyph at a
line's edge is rasterised once, not once to measure and again to draw.

A glyph is drawn with the face's basic-layout font object (fonts/objects.py: the same
bitmap at the same offset as raqm gives a character shaped alone into its own glyph,
without raqm's shaping). Masks are kept first in, first out, bounded by pixels (one byte
each); a glyph evicted is rasterised again (~50 µs at 64 px).
"""

from __future__ import annotations

from dataclasses import dataclass

from PIL import Image, ImageFont

from ..caches import SizedCache
from .faces import Face
from .objects import FontPair

__all__ = ["GLYPH_CACHE_PIXELS", "Coverage", "clear", "glyph"]

GLYPH_CACHE_PIXELS = 8 << 20  # ~2,000 Han characters at 64 px, from which new pieces are pasted


@dataclass(frozen=True)
class Coverage:
    """A coverage mask (mode ``L``) and where its top-left goes relative to the pen on the
    baseline; ``mask`` None when nothing is inked (a space)."""

    mask: Image.Image | None
    offset: tuple[int, int]

    @property
    def pixels(self) -> int:
        """How many pixels the mask holds (its weight in a cache)."""
        return 1 if self.mask is None else max(1, self.mask.width * self.mask.height)


_glyphs: SizedCache[tuple, Coverage] = SizedCache(
    "glyphs", GLYPH_CACHE_PIXELS, lambda key, g: g.pixels, lru=False
)


def mask_of(font: ImageFont.FreeTypeFont, text: str, **shaping: object) -> Coverage:
    """``text`` rasterised by Pillow as one string on the baseline (``anchor="ls"``), with
    raqm's ``shaping`` keywords (direction, language, features) when the font uses raqm;
    an empty mask, or a string raqm refuses, inks nothing. Never raises for odd text."""
    try:
        core, offset = font.getmask2(text, "L", anchor="ls", **shaping)
    except (RuntimeError, ValueError):  # raqm refused the string
        return Coverage(None, (0, 0))
    mask = None
    if core is not None and core.size[0] > 0 and core.size[1] > 0:
        mask = Image.Image()._new(core)  # the core image getmask2 returns, as an Image
        if mask.getbbox() is None:
            mask = None
    return Coverage(mask, (int(offset[0]), int(offset[1])))


def glyph(fonts: FontPair, face: Face, size: float, char: str) -> Coverage:
    """``char``'s own (cmap) glyph of ``face`` at ``size`` px (``fonts``, its font pair),
    rasterised alone with basic layout; cached by (face, size, char). A cmap glyph is the
    same in every language, so no language is part of the key. Cost: one dict look-up when seen; else one
    FreeType rasterisation."""
    key = (face, size, char)
    found = _glyphs.get(key)
    if found is None:
        found = mask_of(fonts.basic(), char)
        _glyphs.put(key, found)
    return found


def clear() -> None:
    """Forget every glyph mask (tests; a font book replaced at run time)."""
    _glyphs.clear()
