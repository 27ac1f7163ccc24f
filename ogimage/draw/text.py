"""Ink one line of text: fallback runs on one shared baseline, in visual (bidi) order.

:func:`ink_line` returns coverage, not colour: an ``L`` mask of every outline glyph of the
line, plus RGBA layers for colour emoji. The renderer composes the mask with a colour (or
builds a palette image straight from it), so one inking serves RGB and palette cards.

Coordinates are relative to the *pen*: the line's left edge on its baseline. Runs are
shaped whole by raqm (language and direction per run) and placed one after another
with the same advances :meth:`FontBook.measurer` sums, so ``Ink.advance`` equals the
measured width of the same text at the same size.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import partial

from PIL import Image, ImageDraw

from .. import budget
from ..fonts import Face, FontBook, Run, shapeable
from ..fonts.pieces import split_pieces
from .pieces import Piece, rendered_piece

__all__ = ["Ink", "LinePieces", "coverage", "ink_line", "line_pieces", "visual_order"]

_EMOJI_CACHE_SIZE = 2048
_emoji_cache: OrderedDict[tuple[Face, str, int], tuple[Image.Image, float, float] | None] = OrderedDict()
_emoji_lock = threading.Lock()


@dataclass
class Ink:
    """One inked line. ``origin`` and the colour layers' offsets are relative to the pen."""

    mask: Image.Image  # mode "L": coverage of all non-colour glyphs
    origin: tuple[int, int]  # where mask's top-left goes, relative to the pen
    colour_layers: list[tuple[Image.Image, tuple[int, int]]] = field(default_factory=list)
    advance: float = 0.0  # total advance width == FontBook.measurer(...)(text, size)
    ascent: int = 0  # of the primary font at this size
    descent: int = 0


def visual_order(runs: list[Run] | tuple[Run, ...]) -> list[Run]:
    """Runs (logical order) reordered for display by rule L2 of the bidi algorithm:
    from the highest level down to the lowest odd one, reverse every maximal sequence of
    runs at that level or higher."""
    order = list(runs)
    if not order:
        return order
    levels = [r.level for r in order]
    highest = max(levels)
    lowest_odd = min((lv for lv in levels if lv % 2), default=highest + 1)
    for level in range(highest, lowest_odd - 1, -1):
        i = 0
        while i < len(order):
            if order[i].level >= level:
                j = i
                while j < len(order) and order[j].level >= level:
                    j += 1
                order[i:j] = order[i:j][::-1]
                i = j
            else:
                i += 1
    return order


def _emoji_glyph(book: FontBook, face: Face, cluster: str, size: int) -> tuple[Image.Image, float, float] | None:
    """``cluster`` drawn in colour at the strike size, scaled to ``size``; the image and
    its top-left relative to the pen. Cached (LRU) by (face, cluster, size)."""
    key = (face, cluster, size)
    with _emoji_lock:
        if key in _emoji_cache:
            _emoji_cache.move_to_end(key)
            return _emoji_cache[key]
    font = book.font(face, size)  # always the strike size (109 px)
    left, top, right, bottom = font.getbbox(cluster, anchor="ls")
    result = None
    if right > left and bottom > top:
        big = Image.new("RGBA", (right - left, bottom - top), (0, 0, 0, 0))
        ImageDraw.Draw(big).text((-left, -top), cluster, font=font, anchor="ls", embedded_color=True)
        scale = size / font.size
        w, h = max(1, round(big.width * scale)), max(1, round(big.height * scale))
        result = (big.resize((w, h), Image.Resampling.LANCZOS), left * scale, top * scale)
    with _emoji_lock:
        _emoji_cache[key] = result
        while len(_emoji_cache) > _EMOJI_CACHE_SIZE:
            _emoji_cache.popitem(last=False)
    return result


@dataclass
class LinePieces:
    """A line as rendered pieces: each with its top-left relative to the pen."""

    pieces: list[tuple[Piece, int, int]]  # (piece with a mask, left, top)
    colour_layers: list[tuple[Image.Image, tuple[int, int]]]
    advance: float


def line_pieces(book: FontBook, text: str, family: str, weight: str, size: int, lang: str,
                direction: str | None = None) -> LinePieces:
    """The rendered pieces of ``text`` as one line at ``size`` px, placed at the advances
    the measurer sums (see :func:`ink_line`)."""
    base = None if direction is None else (1 if direction == "rtl" else 0)
    lang = lang or ""
    placed: list[tuple[Piece, int, int]] = []
    colour_layers: list[tuple[Image.Image, tuple[int, int]]] = []
    if not size > 0:
        return LinePieces(placed, colour_layers, 0.0)
    raqm = book.layout_engine() == "raqm"
    x = 0.0
    for run in visual_order(book.runs_for(text, family, weight, lang, base)):
        budget.check()  # the render's time budget (ogimage/budget.py)
        if run.face.is_emoji:
            pen = x
            for cluster, adv in book.emoji_clusters(run, size):
                glyph = _emoji_glyph(book, run.face, cluster, size)
                if glyph is not None:
                    image, dx, dy = glyph
                    colour_layers.append((image, (round(pen + dx), round(dy))))
                pen += adv
            x += book.run_width(run, size)
            continue
        font = book.font(run.face, size)
        shaped = shapeable(run.text)
        pieces = split_pieces(shaped, run.direction)
        if pieces is None:  # shaped whole (complex script, right to left)
            piece = rendered_piece(font, run.face, size, shaped, run.direction, run.lang, raqm)
            if piece.mask is not None:
                placed.append((piece, round(x) + piece.offset[0], piece.offset[1]))
            x += book.run_width(run, size)
            continue
        advance = book.piece_advance
        for part in pieces:  # the same pieces and advances the measurer summed
            piece = rendered_piece(font, run.face, size, part, "ltr", run.lang, raqm,
                                   partial(book.nominal_pens, run.face, size, part, run.lang))
            if piece.mask is not None:
                placed.append((piece, round(x) + piece.offset[0], piece.offset[1]))
            x += advance(run.face, size, part, run.lang)
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
    for piece, left, top in placed:
        m = piece.mask
        assert m is not None
        # Pieces may overlap (overhangs, descenders into the next line): paste white
        # through each one's coverage, which merges instead of overwriting.
        mask.paste(255, (left - ox, top - oy, left - ox + m.width, top - oy + m.height), m)
    return mask, (ox, oy)


def ink_line(book: FontBook, text: str, family: str, weight: str, size: int, lang: str,
             direction: str | None = None) -> Ink:
    """Ink ``text`` as one line at ``size`` px.

    ``direction`` ("ltr"/"rtl") sets the paragraph's base direction; ``None`` takes the
    first strong character's. Never raises on odd input: an empty or blank line gives an
    empty 1×1 mask, characters no font has are drawn as the primary font's .notdef box.
    """
    lang = lang or ""
    if not size > 0:
        return Ink(Image.new("L", (1, 1), 0), (0, 0), [], 0.0, 0, 0)
    primary = book.font(book.primary_face(family, weight, lang, text), size)
    ascent, descent = primary.getmetrics()
    line = line_pieces(book, text, family, weight, size, lang, direction)
    inked = coverage(line.pieces)
    if inked is None:
        return Ink(Image.new("L", (1, 1), 0), (0, 0), line.colour_layers, line.advance, ascent, descent)
    return Ink(inked[0], inked[1], line.colour_layers, line.advance, ascent, descent)
