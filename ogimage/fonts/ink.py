"""Ink edges: the blank between a line's advance box and the ink of its first and last glyph.

A line placed by its advance box starts a few px right of the box edge (``H`` has a 4 px
side bearing at 64 px, ``字`` 4, ``「`` after its ``halt`` trim 9) and ends a few px short
of it, so left-aligned lines of a title do not line up with each other, nor with the
description below. Typesetters align the ink. :class:`InkEdges` measures, per grapheme,
face and size, the blank beside the ink of the visual first and last glyph of a line, with
HarfBuzz (the glyph shaped alone, as it is drawn at a line's edge).

Bounds, so a shift is never a surprise: only left-to-right runs of simple scripts (those
:func:`.pieces.split_pieces` cuts: Latin, Greek, Cyrillic, CJK, kana, hangul), where a
glyph at a line's edge is the glyph shaped alone; never emoji, spaces or a cluster that
shapes into several glyphs; and the caller caps the shift at a fraction of the em.
"""

from __future__ import annotations

from typing import Any, Callable

from ..caches import SizedCache, text_cost
from .faces import Face, Run
from .pieces import split_pieces
from .unicode import GRAPHEME

__all__ = ["InkEdges"]

INK_EDGES_BYTES = 1 << 20  # cached blanks (floats): graphemes x faces x sizes seen at line edges


class InkEdges:
    """Blank beside the ink of a line's edge glyphs; none without HarfBuzz (``shaper`` None)."""

    def __init__(self, shaper: Any, visual_runs: Callable[..., list[Run]]) -> None:
        self._shaper, self._visual_runs = shaper, visual_runs
        self._cache: SizedCache[tuple[str, Face, str, float], tuple[float, float]] = SizedCache(
            "ink_edges", INK_EDGES_BYTES, lambda key, sides: text_cost(key[0], key[2]) + 100
        )

    def sides(self, text: str, family: str, weight: str, lang: str, size: float,
              base: int | None = None) -> tuple[float, float]:
        """(left, right) px between the advance box and the ink of the visual first and last
        glyph of ``text`` set as one line at ``size``, 0 where not measured (see the module
        docstring). Cost: the line's (cached) runs and two cached look-ups; two HarfBuzz
        shapings of one grapheme the first time a (grapheme, face, size) is seen."""
        if self._shaper is None or not text or not size > 0:
            return 0.0, 0.0
        runs = self._visual_runs(text, family, weight, lang, base)
        if not runs:
            return 0.0, 0.0
        first, last = runs[0], runs[-1]
        left = self._side(first, GRAPHEME.match(first.text), size, 0)
        right = self._side(last, GRAPHEME.findall(last.text)[-1:], size, 1)
        return left, right

    def _side(self, run: Run, cluster: Any, size: float, which: int) -> float:
        if not cluster or run.face.is_emoji or run.direction != "ltr" or split_pieces(run.text) is None:
            return 0.0
        cluster = cluster[0] if isinstance(cluster, list) else cluster.group(0)
        if cluster.isspace():
            return 0.0
        key = (cluster, run.face, run.lang, size)
        sides = self._cache.get(key)
        if sides is None:
            sides = self._shaper.blank_sides(run.face, size, cluster, run.lang)
            self._cache.put(key, sides)
        return sides[which]
