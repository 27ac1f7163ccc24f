"""Rasterise a line plan: fallback runs on one shared baseline, in visual (bidi) order.

:func:`line_pieces` turns the fonts' line plan (:meth:`FontBook.plan_line`: runs, pieces
and advances) into rendered pieces (``L`` coverage masks, cached) and RGBA layers for
colour emoji, placed at the planned advances; it never cuts or measures text itself, so
``LinePieces.advance`` equals the measured width of the same text at the same size.
:func:`coverage` merges pieces into one mask. The renderer composes a mask with a colour
(or builds a palette image straight from it), so one inking serves RGB and palette cards.

Coordinates are relative to the *pen*: the line's left edge on its baseline.
"""

from __future__ import annotations

from dataclasses import dataclass

from PIL import Image, ImageDraw

from .. import budget
from ..caches import ENTRY_OVERHEAD, SizedCache
from ..fonts import Face, FontBook
from ..fonts.plan import EMOJI, WHOLE
from .pieces import Piece, rendered_piece

__all__ = ["LinePieces", "coverage", "line_pieces"]

# Colour emoji images (RGBA, 4 bytes a pixel): ~50-200 KB each at title sizes.
EMOJI_CACHE_BYTES = 2 << 20


def _emoji_cost(key: tuple[Face, str, int], value: tuple[Image.Image, float, float] | None) -> int:
    return ENTRY_OVERHEAD + (0 if value is None else 4 * value[0].width * value[0].height)


_emoji_cache: SizedCache[tuple[Face, str, int], tuple[Image.Image, float, float] | None] = SizedCache(
    "emoji", EMOJI_CACHE_BYTES, _emoji_cost
)


def _emoji_glyph(book: FontBook, face: Face, cluster: str, size: int) -> tuple[Image.Image, float, float] | None:
    """``cluster`` drawn in colour at the strike size, scaled to ``size``; the image and
    its top-left relative to the pen. Cached (LRU, bounded by bytes) by (face, cluster, size)."""
    key = (face, cluster, size)
    if key in _emoji_cache:
        return _emoji_cache.get(key)
    font = book.font(face, size)  # always the strike size (109 px)
    left, top, right, bottom = font.getbbox(cluster, anchor="ls")
    result = None
    if right > left and bottom > top:
        big = Image.new("RGBA", (right - left, bottom - top), (0, 0, 0, 0))
        ImageDraw.Draw(big).text((-left, -top), cluster, font=font, anchor="ls", embedded_color=True)
        scale = size / font.size
        w, h = max(1, round(big.width * scale)), max(1, round(big.height * scale))
        result = (big.resize((w, h), Image.Resampling.LANCZOS), left * scale, top * scale)
    _emoji_cache.put(key, result)
    return result


@dataclass
class LinePieces:
    """A line as rendered pieces: each with its top-left relative to the pen."""

    pieces: list[tuple[Piece, int, int]]  # (piece with a mask, left, top)
    colour_layers: list[tuple[Image.Image, tuple[int, int]]]
    advance: float


def line_pieces(book: FontBook, text: str, family: str, weight: str, size: int, lang: str,
                direction: str | None = None) -> LinePieces:
    """The rendered pieces of ``text`` as one line at ``size`` px: the fonts' line plan
    (:meth:`FontBook.plan_line`), rasterised at the advances the measurer summed."""
    base = None if direction is None else (1 if direction == "rtl" else 0)
    placed: list[tuple[Piece, int, int]] = []
    colour_layers: list[tuple[Image.Image, tuple[int, int]]] = []
    if not size > 0:
        return LinePieces(placed, colour_layers, 0.0)
    raqm = book.layout_engine() == "raqm"
    x = 0.0
    for plan in book.plan_line(text, family, weight, size, lang or "", base):
        run = plan.run
        budget.check()  # the render's time budget (ogimage/budget.py)
        if plan.kind == EMOJI:
            pen = x
            for cluster in plan.pieces:
                glyph = _emoji_glyph(book, run.face, cluster.text, size)
                if glyph is not None:
                    image, dx, dy = glyph
                    colour_layers.append((image, (round(pen + dx), round(dy))))
                pen += cluster.advance
            x += plan.width
            continue
        fonts = book.font_pair(run.face, size)
        if plan.kind == WHOLE:  # shaped whole (complex script, right to left)
            whole = plan.pieces[0]
            piece = rendered_piece(fonts, run.face, size, whole.text, run.direction, run.lang, raqm, None, whole.halt)
            if piece.mask is not None:
                placed.append((piece, round(x) + piece.offset[0], piece.offset[1]))
            x += plan.width
            continue
        for part in plan.pieces:
            piece = rendered_piece(fonts, run.face, size, part.text, "ltr", run.lang, raqm, part.pens, part.halt)
            if piece.mask is not None:
                placed.append((piece, round(x) + piece.offset[0], piece.offset[1]))
            x += part.advance
    return LinePieces(placed, colour_layers, x)


def coverage(placed: list[tuple[Piece, int, int]]) -> tuple[Image.Image, tuple[int, int]] | None:
    """One ``L`` mask holding every placed piece, and its top-left; None if nothing is inked."""
    if not placed:
        return None
    ox = min(left for _, left, _ in placed)
    oy = min(top for _, _, top in placed)
    right = max(left + p.mask.width for p, left, _ in placed)  # type: ignore[union-attr]
    bottom = max(top + p.mask.height for p, _, top in placed)  # type: ignore[union-attr]
    mask = Image.new("L", (right - ox, bottom - oy), 0)
    core = mask.im  # Pillow's core paste: what Image.paste does after its checks
    for piece, left, top in placed:
        m = piece.mask
        assert m is not None
        # Pieces may overlap (overhangs, descenders into the next line): paste white
        # through each one's coverage, which merges instead of overwriting.
        core.paste(255, (left - ox, top - oy, left - ox + m.width, top - oy + m.height), m.im)
    return mask, (ox, oy)
