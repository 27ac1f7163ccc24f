"""Rendered pieces: the coverage of a shaped piece of text, kept for the next card.

FreeType rasterising is the largest cost of inking a line (each glyph is loaded twice:
once for the bounding box, once to render). Cards repeat words and characters, so the
coverage of each piece (see :mod:`ogimage.fonts.pieces`) is cached per face, size,
language and direction, bounded by pixels, and a line is inked by pasting its pieces at
the pen positions the measurer gave them.

A new piece is itself pasted from cached glyphs when it can be: Pillow draws a shaped
string glyph by glyph, each glyph's bitmap at its pen position rounded to a whole pixel, so
when HarfBuzz shapes the piece into its characters' own glyphs (no ligature, no contextual
form, no mark) the piece is exactly its characters' bitmaps at those pens. A test checks
the result is pixel-identical to Pillow rendering the piece. A new word then costs a
shaping call and a few pastes; only glyphs never seen at that size are rasterised. The
glyph masks are the fonts layer's (fonts/glyphs.py), which ink edges read too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PIL import Image, ImageChops, ImageFont

from ..caches import SizedCache
from ..fonts import Face
from ..fonts.glyphs import Coverage, mask_of
from ..fonts.glyphs import clear as clear_glyphs
from ..fonts.glyphs import glyph as _glyph_mask
from ..fonts.objects import FontPair

__all__ = ["Piece", "rendered_piece"]

# Pixels of cached coverage (1 byte each: the caches' cost is bytes); a worker's memory stays
# flat after they fill. A piece of one glyph (a Han character) refers to the glyph cache's
# mask (fonts/glyphs.py) and costs only its entry, so the pieces' pixels are words.
CACHE_PIXELS = 1 << 20  # ~50 words at 64 px: a word evicted is pasted again from its glyphs (~15 µs)

Piece = Coverage  # a piece's coverage: its mask and where its top-left goes relative to the pen


@dataclass(frozen=True)
class _GlyphAt:
    """A cached piece that is one inked glyph of the glyph cache at ``dx`` px from the pen
    (a Han character): its pixels are the glyph cache's, counted there, not twice."""

    char: str
    dx: int


_GLYPH_AT_COST = 200  # the entry itself (caches.ENTRY_OVERHEAD): no pixels of its own


def _pixels(key: tuple, piece: Piece | _GlyphAt) -> int:
    return _GLYPH_AT_COST if type(piece) is _GlyphAt else piece.pixels  # type: ignore[union-attr]


# First in, first out: a read is one dict lookup (~20 a card); a hot entry evicted by age
# is simply rendered again.
_pieces: SizedCache[tuple, Piece | _GlyphAt] = SizedCache("pieces", CACHE_PIXELS, _pixels, lru=False)


def _render(font: ImageFont.FreeTypeFont, text: str, direction: str, lang: str, raqm: bool,
            halt: tuple[int, ...] = ()) -> Piece:
    """Pillow renders ``text`` as one shaped string (raqm refusing it inks nothing), with
    ``halt`` on at the code point indices ``halt`` names (fonts/chws.py)."""
    kw: dict = {"direction": direction, "language": lang or None} if raqm else {}
    if raqm and halt:
        kw["features"] = [f"halt[{i}]" for i in halt]
    return mask_of(font, text, **kw)


def _placed_glyphs(fonts: FontPair, face: Face, size: int,
                   pens: Sequence[tuple[str, int]]) -> list[tuple[Image.Image, int, int, str, int]]:
    """The inked glyphs of a piece: (mask, left, top, character, pen in whole px)."""
    placed = []
    for char, pen in pens:
        glyph = _glyph_mask(fonts, face, size, char)
        if glyph.mask is not None:
            px = (pen + 32) >> 6  # rounded the way Pillow rounds a glyph's pen
            placed.append((glyph.mask, px + glyph.offset[0], glyph.offset[1], char, px))
    return placed


def _pasted(placed: list[tuple[Image.Image, int, int, str, int]]) -> Piece:
    """One mask holding the placed glyphs; overlapping edges keep the darker coverage, as Pillow's do."""
    if not placed:
        return Piece(None, (0, 0))
    if len(placed) == 1:  # one inked glyph: the piece is its mask, nothing to copy
        m, x, y, _, _ = placed[0]
        return Piece(m, (x, y))
    x0 = min(p[1] for p in placed)
    y0 = min(p[2] for p in placed)
    x1 = max(p[1] + p[0].width for p in placed)
    y1 = max(p[2] + p[0].height for p in placed)
    mask = Image.new("L", (x1 - x0, y1 - y0), 0)
    core = mask.im  # Pillow's core paste: same pixels, without Image.paste's checks (a few µs a glyph)
    previous = None
    for m, x, y, _, _ in placed:
        box = (x - x0, y - y0, x - x0 + m.width, y - y0 + m.height)
        if previous is not None and box[0] < previous:  # touches the glyph before: keep the maximum
            core.paste(ImageChops.lighter(mask.crop(box), m).im, box)
        else:
            core.paste(m.im, box)
        previous = max(previous or 0, box[2])
    return Piece(mask, (x0, y0))


def _from_glyphs(fonts: FontPair, face: Face, size: int,
                 pens: Sequence[tuple[str, int]]) -> Piece:
    """A piece pasted from its characters' glyphs at their pens (1/64 px, rounded the way
    Pillow rounds them); overlapping edges keep the darker coverage, as Pillow's do."""
    return _pasted(_placed_glyphs(fonts, face, size, pens))


def rendered_piece(fonts: FontPair, face: Face, size: int, text: str,
                   direction: str, lang: str, raqm: bool,
                   pens: Sequence[tuple[str, int]] | None = None,
                   halt: tuple[int, ...] = ()) -> Piece:
    """The coverage of ``text`` shaped as one piece (cached), drawn with ``fonts`` (the face's
    font pair at ``size``: only the basic object opens when the glyph path serves). ``pens``:
    the piece shaped into (character, pen) pairs (the plan's), or None, for the glyph path
    (see the module docstring); ``halt``: indices shaped with the ``halt`` feature (the plan's, so pens
    and raqm agree). Never raises for odd text: a string raqm refuses inks nothing.

    A piece of one inked glyph is kept as a reference to the glyph cache's mask (no pixels
    twice); should that glyph have been evicted, it is rasterised again."""
    key = (face, size, text, direction, lang, halt)
    found = _pieces.get(key)
    if found is not None:
        if type(found) is _GlyphAt:
            glyph = _glyph_mask(fonts, face, size, found.char)
            return glyph if glyph.mask is None else Piece(glyph.mask, (found.dx + glyph.offset[0], glyph.offset[1]))
        return found
    placed = pens if raqm and direction == "ltr" else None
    if placed:
        glyphs = _placed_glyphs(fonts, face, size, placed)
        piece = _pasted(glyphs)
        _pieces.put(key, _GlyphAt(glyphs[0][3], glyphs[0][4]) if len(glyphs) == 1 else piece)
        return piece
    piece = _render(fonts.shaped(), text, direction, lang, raqm, halt)
    _pieces.put(key, piece)
    return piece


def clear() -> None:
    """Forget every cached piece and glyph (tests; a font book replaced at run time)."""
    _pieces.clear()
    clear_glyphs()
