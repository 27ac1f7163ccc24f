"""Ink edges: the blank between a line's advance box and the ink of its first and last glyph.

A line placed by its advance box starts a few px right of the box edge (``H`` has a 4 px
side bearing at 64 px, ``字`` 4, ``「`` after its ``halt`` trim 9) and ends a few px short
of it, so left-aligned lines of a title do not line up with each other, nor with the
description below. Typesetters align the ink. :class:`InkEdges` measures, per grapheme,
face and size, the blank beside the ink of the visual first and last glyph of a line, with
HarfBuzz (the glyph shaped alone, as it is drawn at a line's edge).

Bounds, so a shift is never a surprise: only left-to-right runs the line plan cuts into
pieces (simple scripts: Latin, Greek, Cyrillic, CJK, kana, hangul; fonts/plan.py), where
a glyph at a line's edge is the glyph shaped alone, and right-to-left Hebrew letters
(no joining forms); never Arabic, emoji, spaces or a cluster that shapes into several
glyphs (a letter with points); and the caller caps the shift at a fraction of the em.
"""

from __future__ import annotations

import re
from typing import Any, Callable

from ..caches import SizedCache, text_cost
from .faces import Face, Run
from .plan import PIECES
from .unicode import GRAPHEME

__all__ = ["InkEdges"]

_TAIL = 16  # code points read for a line's last cluster
# Right to left, only Hebrew letters: shaped alone they are the glyphs drawn (Arabic joins).
_HEBREW = re.compile("[\u05d0-\u05ea\u05f0-\u05f2\ufb1d-\ufb4f]")
INK_EDGES_BYTES = 1 << 20  # cached blanks (floats): graphemes x faces x sizes seen at line edges


class InkEdges:
    """Blank beside the ink of a line's edge glyphs; none without HarfBuzz (``shaper`` None)."""

    def __init__(self, shaper: Any, visual_runs: Callable[..., list[Run]],
                 plan_kind: Callable[[Run, float], str]) -> None:
        self._shaper, self._visual_runs, self._plan_kind = shaper, visual_runs, plan_kind
        # lines (text, family, weight, lang, size, base) and graphemes (cluster, face, lang, size)
        self._cache: SizedCache[tuple, tuple[float, float]] = SizedCache(
            "ink_edges", INK_EDGES_BYTES, lambda key, sides: text_cost(*key) + 100
        )

    def sides(self, text: str, family: str, weight: str, lang: str, size: float,
              base: int | None = None) -> tuple[float, float]:
        """(left, right) px between the advance box and the ink of the visual first and last
        glyph of ``text`` set as one line at ``size``, 0 where not measured (see the module
        docstring). Cost: one cached look-up for a line seen before; else the line's (cached)
        runs and plans and two cached look-ups, and two HarfBuzz shapings of one grapheme
        the first time a (grapheme, face, size) is seen."""
        if self._shaper is None or not text or not size > 0:
            return 0.0, 0.0
        key = (text, family, weight, lang, size, base)
        sides = self._cache.get(key)
        if sides is None:
            runs = self._visual_runs(text, family, weight, lang, base)
            sides = (self._side(runs[0], size, 0), self._side(runs[-1], size, 1)) if runs else (0.0, 0.0)
            self._cache.put(key, sides)
        return sides

    def _side(self, run: Run, size: float, which: int) -> float:
        """The blank on side ``which`` (0 left, 1 right) of ``run``'s visually outermost glyph."""
        if run.face.is_emoji:
            return 0.0
        rtl = run.direction == "rtl"
        if not rtl and self._plan_kind(run, size) != PIECES:
            return 0.0
        if which == (1 if rtl else 0):  # the logically first cluster (visually left in LTR)
            found = GRAPHEME.match(run.text)
            cluster = found.group(0) if found else ""
        else:  # the last cluster: a simple script's clusters are a few code points
            clusters = GRAPHEME.findall(run.text[-_TAIL:])
            cluster = clusters[-1] if clusters else ""
        if not cluster or cluster.isspace() or (rtl and not _HEBREW.fullmatch(cluster)):
            return 0.0
        key = (cluster, run.face, run.lang, size)
        sides = self._cache.get(key)
        if sides is None:
            sides = self._shaper.blank_sides(run.face, size, cluster, run.lang)
            self._cache.put(key, sides)
        return sides[which]
