"""The line plan: runs -> pieces -> advances, made once, measured by layout, drawn by draw/.

A line is itemised into fallback :class:`Run`\\ s (``FontBook.runs_for``); each run is
planned here as the pieces it is measured *and* drawn as:

- ``emoji``: its grapheme clusters, each with its advance (the colour strike scaled);
- ``pieces``: left-to-right text cut where shaping cannot reach across
  (:func:`.pieces.split_pieces`), each piece shaped alone, advances summed;
- ``whole``: anything else (complex scripts, right to left) shaped as one string.

The layout's ``measure(text, size)`` is the sum of the planned runs' widths, and
:func:`ogimage.draw.text.line_pieces` rasterises the same plan at the same advances, so a
measured width equals the drawn width by construction: drawing never cuts text itself.
Plans, advances and measures are cached by bytes (:mod:`ogimage.caches`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from PIL import ImageFont

from .. import budget
from ..caches import SizedCache, text_cost
from .chws import ContextualSpacing, harfbuzz_features, raqm_features
from .faces import Face, Run
from .pieces import split_pieces
from .shaping import Shaper
from .unicode import GRAPHEME, shapeable

if TYPE_CHECKING:
    from .book import FontBook

__all__ = ["EMOJI", "PIECES", "WHOLE", "LinePlanner", "PiecePlan", "RunPlan", "visual_order"]

log = logging.getLogger("ogimage.fonts")

EMOJI, PIECES, WHOLE = "emoji", "pieces", "whole"
# Bytes each cache may hold (estimated: caches.text_cost, checked against tracemalloc).
# A card the process has never seen reuses little of these (its own fields' runs and lines,
# across the sizes tried; common words' advances): at a tenth of these sizes first-seen
# cards cost the same (bench, 2,500 cards), so they are kept small.
PLANS_BYTES = 1 << 20  # run plans per (run, size): ~2,000 runs
ADVANCES_BYTES = 1 << 20  # advances of pieces and emoji clusters: ~5,000 words at their sizes
MEASURES_BYTES = 1 << 20  # widths of candidate lines per (family, weight, language, text, size)


@dataclass(frozen=True, slots=True)
class PiecePlan:
    """One piece of a run: its text (or emoji cluster), its advance in px, and, for the
    ``pieces`` kind, ``pens``: (character, pen in 1/64 px) per glyph when the piece shapes
    into its characters' own glyphs (so drawing may paste cached glyphs), else None, found
    by the same shaping as the advance;
    ``halt``: indices of marks set half-width in context (fonts/chws.py), which drawing
    shapes with the same feature ranges."""

    text: str
    advance: float
    pens: tuple[tuple[str, int], ...] | None = field(default=None, compare=False)
    halt: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class RunPlan:
    """A run as planned: its kind (``emoji``, ``pieces``, ``whole``), its pieces, and its width
    (the sum of the pieces' advances; for ``whole``, the run shaped as one string)."""

    run: Run
    kind: str
    pieces: tuple[PiecePlan, ...]
    width: float


def _plan_cost(key: tuple, plan: RunPlan) -> int:
    # the plan, its key and pieces tuple, and per piece its text, object and pens (a tuple
    # per glyph, its ints shared) (measured with tracemalloc: ~1.2 KB for a typical run of a few pieces)
    return text_cost(plan.run.text) + 300 + sum(text_cost(p.text) + 150 + 64 * len(p.pens or ()) for p in plan.pieces)


def _advance_cost(key: tuple, value: tuple | float) -> int:
    pens = value[1] if type(value) is tuple else None
    return text_cost(*key) + (64 * len(pens) if pens else 0)


def _measure_cost(key: tuple, width: float) -> int:
    return text_cost(key[1], *key[0])


def _plain_length(font: ImageFont.FreeTypeFont, char: str) -> float:
    try:
        return font.getlength(char)
    except (RuntimeError, ValueError):
        return 0.0


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


class LinePlanner:
    """Plans runs and lines for one :class:`FontBook`, and measures with those plans."""

    def __init__(self, book: FontBook, shaper: Shaper | None) -> None:
        self._book = book
        self._shaper = shaper  # HarfBuzz directly when Pillow shapes with it too (raqm)
        self._spacing = ContextualSpacing(shaper)  # 」「 and 。」 half-width (fonts/chws.py)
        self._plans: SizedCache[tuple, RunPlan] = SizedCache("plans", PLANS_BYTES, _plan_cost)
        # (advance, pens) of pieces; advances of emoji clusters
        self._advances: SizedCache[tuple, tuple | float] = SizedCache("advances", ADVANCES_BYTES, _advance_cost)
        self._measures: SizedCache[tuple, float] = SizedCache("measures", MEASURES_BYTES, _measure_cost)
        self._measurers: dict[tuple[str, str, str], Callable[[str, float], float]] = {}

    def run(self, run: Run, size: float) -> RunPlan:
        """The plan of ``run`` at ``size`` px (cached; do not mutate)."""
        budget.check()  # the render's time budget (ogimage/budget.py): measuring and drawing pass here
        key = (run, size)
        plan = self._plans.get(key)
        if plan is None:
            plan = self._plan(run, size)
            self._plans.put(key, plan)
        return plan

    def _plan(self, run: Run, size: float) -> RunPlan:
        face = run.face
        if face.is_emoji:
            scale = size / (self._book.family(face.family).bitmap_size or size)
            clusters = tuple(PiecePlan(c, self._emoji_advance(face, c) * scale) for c in GRAPHEME.findall(run.text))
            return RunPlan(run, EMOJI, clusters, sum(p.advance for p in clusters))
        text = shapeable(run.text)
        cut = split_pieces(text, run.direction)
        if cut is None:
            width = self._shaped_length(face, size, text, run.direction, run.lang)
            halt = self._spacing.ranges(face, text, run.lang)
            return RunPlan(run, WHOLE, (PiecePlan(text, width, None, halt),), width)
        pieces = tuple(
            PiecePlan(p, *self._piece(face, size, p, run.lang), self._spacing.ranges(face, p, run.lang))
            for p in cut
        )
        return RunPlan(run, PIECES, pieces, sum(p.advance for p in pieces))

    def line(self, text: str, family: str, weight: str, size: float, lang: str,
             base: int | None = None) -> tuple[RunPlan, ...]:
        """The plans of ``text``'s runs in visual order (``base``: 0 LTR, 1 RTL, None automatic)."""
        runs = self._book.runs_for(text, family, weight, lang or "", base)
        return tuple(self.run(r, size) for r in visual_order(runs))

    def measurer(self, family: str, weight: str, lang: str) -> Callable[[str, float], float]:
        """``measure(text, size) -> px``: the sum of the planned runs' widths (cached)."""
        key = (family, weight, lang)
        m = self._measurers.get(key)
        if m is None:
            measures = self._measures
            runs_for = self._book.runs_for

            def measure(text: str, size: float) -> float:
                if not size > 0:
                    return 0.0
                cache_key = (key, text, size)
                width = measures.get(cache_key)
                if width is None:
                    width = sum(self.run(r, size).width for r in runs_for(text, family, weight, lang))
                    measures.put(cache_key, width)
                return width

            m = self._measurers[key] = measure
        return m

    def _piece(self, face: Face, size: float, piece: str,
               lang: str) -> tuple[float, tuple[tuple[str, int], ...] | None]:
        """(advance, pens) of one left-to-right piece from one shaping (cached per face, size,
        piece and language, with the advances): pens as :meth:`Shaper.advance_and_pens` gives
        them, None when measured by Pillow (no HarfBuzz, or it failed: drawn whole then)."""
        key = (face, size, piece, lang)
        found = self._advances.get(key)
        if found is None:
            if self._shaper is not None:
                try:
                    features = harfbuzz_features(self._spacing.ranges(face, piece, lang))
                    found = self._shaper.advance_and_pens(face, size, piece, lang, features)
                except Exception as exc:  # noqa: BLE001 - never let measuring fail: fall back to Pillow
                    log.debug("HarfBuzz could not shape %r (%s); measuring with Pillow", piece, exc)
            if found is None:
                found = (self._pillow_length(face, size, piece, "ltr", lang), None)
            self._advances.put(key, found)
        return found

    def _emoji_advance(self, face: Face, cluster: str) -> float:
        key = ("emoji", face, cluster)
        advance = self._advances.get(key)
        if advance is None:
            font = self._book.font(face, 0)
            try:
                advance = font.getlength(cluster)  # at the strike size
            except (RuntimeError, ValueError):  # raqm refuses an emoji beside a control (🤌\n): measure plainly
                advance = sum(_plain_length(font, c) for c in cluster)
            self._advances.put(key, advance)
        return advance

    def _shaped_length(self, face: Face, size: float, text: str, direction: str, lang: str) -> float:
        if self._shaper is not None:
            try:
                features = harfbuzz_features(self._spacing.ranges(face, text, lang))
                return self._shaper.advance(face, size, text, direction, lang, features)
            except Exception as exc:  # noqa: BLE001 - never let measuring fail: fall back to Pillow
                log.debug("HarfBuzz could not shape %r (%s); measuring with Pillow", text, exc)
        return self._pillow_length(face, size, text, direction, lang)

    def _pillow_length(self, face: Face, size: float, text: str, direction: str, lang: str) -> float:
        font = self._book.font(face, size)
        if font.layout_engine == ImageFont.Layout.RAQM:
            try:
                halt = self._spacing.ranges(face, text, lang)
                return font.getlength(text, direction=direction, language=lang or None, features=raqm_features(halt))
            except (RuntimeError, ValueError):  # raqm refuses some odd strings: measure plainly
                log.debug("raqm could not lay out %r; measuring without shaping", text)
        return sum(_plain_length(font, c) for c in text)
