"""Ink edges: the blank between a line's advance box and the ink of its first and last glyph.

A line placed by its advance box starts a few px right of the box edge (``H`` has a 4 px
side bearing at 64 px, ``字`` 4, ``「`` after its ``halt`` trim 9) and ends a few px short
of it, so left-aligned lines of a title do not line up with each other, nor with the
description below. Typesetters align the ink. :class:`InkEdges` measures with HarfBuzz the
blank beside the ink at the visual left and right of a line, exactly as the line plan
draws its edge runs:

- a run cut into pieces (simple scripts: Latin, Greek, Cyrillic, CJK, kana, hangul;
  fonts/plan.py): its edge grapheme shaped alone, which is what it is at a line's edge
  (cached per grapheme, face and size);
- a run shaped whole (Indic, Thai, Arabic, Hebrew, Ethiopic …, and every right-to-left
  run): the run shaped as one string, with the same features as drawn, and the extents of
  all its glyphs, so a reordered vowel sign or a joined Arabic form counts where it is
  drawn.

Never emoji or spaces (a line's edge spaces are dropped before); the caller caps the shift
at a fraction of the em.
"""

from __future__ import annotations

from typing import Any, Callable

from ..caches import SizedCache, text_cost
from .chws import harfbuzz_features
from .faces import Face, Run
from .glyphs import glyph
from .objects import FontPair
from .plan import PIECES, WHOLE, RunPlan
from .unicode import GRAPHEME

__all__ = ["InkEdges"]

_TAIL = 16  # code points read for a line's last cluster
INK_EDGES_BYTES = 1 << 20  # cached blanks (floats): lines, runs and graphemes seen at line edges


class InkEdges:
    """Blank beside the ink of a line's edge glyphs; none without HarfBuzz (``shaper`` None)."""

    def __init__(self, shaper: Any, visual_runs: Callable[..., list[Run]],
                 plan: Callable[[Run, float], RunPlan], fonts: Callable[[Face, float], FontPair]) -> None:
        self._shaper, self._visual_runs, self._plan, self._fonts = shaper, visual_runs, plan, fonts
        # lines (text, family, weight, lang, size, base), whole runs and graphemes
        self._cache: SizedCache[tuple, tuple[float, float]] = SizedCache(
            "ink_edges", INK_EDGES_BYTES, lambda key, sides: text_cost(*key) + 100
        )

    def sides(self, text: str, family: str, weight: str, lang: str, size: float,
              base: int | None = None) -> tuple[float, float]:
        """(left, right) px between the advance box and the ink of the visual first and last
        glyph of ``text`` set as one line at ``size``, 0 where not measured (see the module
        docstring). Cost: one cached look-up for a line seen before; else the line's (cached)
        runs and plans and two cached look-ups, and a HarfBuzz shaping of an edge grapheme
        or whole run the first time it is seen."""
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
        """The blank on side ``which`` (0 left, 1 right) of ``run``'s visually outermost ink."""
        if run.face.is_emoji:
            return 0.0
        plan = self._plan(run, size)
        if plan.kind == WHOLE:
            return self._whole(run, plan, size)[which]
        if plan.kind != PIECES:
            return 0.0
        if which == 0:  # left to right: the logically first cluster is at the left
            found = GRAPHEME.match(run.text)
            cluster = found.group(0) if found else ""
        else:  # the last cluster: a simple script's clusters are a few code points
            clusters = GRAPHEME.findall(run.text[-_TAIL:])
            cluster = clusters[-1] if clusters else ""
        if not cluster or cluster.isspace():
            return 0.0
        key = (cluster, run.face, run.lang, size)
        sides = self._cache.get(key)
        if sides is None:
            sides = self._blank_sides(run.face, size, cluster, run.lang)
            self._cache.put(key, sides)
        return sides[which]

    def _blank_sides(self, face: Face, size: float, cluster: str, lang: str) -> tuple[float, float]:
        """(left, right) px between ``cluster``'s advance box and its ink, set alone, from the
        Pillow font object that draws it: FreeType reads the glyph from the same mapping of the
        file the drawing touches (HarfBuzz's extents read CFF outlines through a mapping of its
        own, which added ~20 MiB of resident font pages per worker over 3,000 CJK cards).

        A character shaped alone into its own glyph reads the glyph mask drawing pastes from
        (fonts/glyphs.py: rasterised once for both) and HarfBuzz's advance, the one the plan
        sets; anything else is rasterised with raqm and measured by it."""
        fonts = self._fonts(face, size)
        try:
            advance = self._own_advance(face, size, cluster, lang)
            if advance is not None:
                coverage = glyph(fonts, face, size, cluster)
                mask, x0 = coverage.mask, coverage.offset[0]
            else:
                font = fonts.shaped()
                core, (x0, _y0) = font.getmask2(cluster, mode="L", language=lang or None)
                mask = core if core.size[0] > 0 and core.size[1] > 0 else None
                advance = font.getlength(cluster, language=lang or None)
        except (OSError, ValueError):
            return 0.0, 0.0
        ink = mask.getbbox() if mask is not None else None  # the columns with any coverage, as drawn
        if not ink:
            return 0.0, 0.0
        left, right = x0 + ink[0], x0 + ink[2]
        return float(max(0, left)), float(max(0.0, advance - right))

    def _own_advance(self, face: Face, size: float, cluster: str, lang: str) -> float | None:
        """The advance of ``cluster`` when it is one character shaped alone into its own (cmap)
        glyph, unmoved (then basic layout draws it exactly as raqm does: fonts/objects.py);
        else None."""
        if len(cluster) != 1:
            return None
        try:
            return self._shaper.own_advance(face, size, cluster, lang)
        except Exception:  # noqa: BLE001 - measure with raqm, as before
            return None

    def _whole(self, run: Run, plan: RunPlan, size: float) -> tuple[float, float]:
        piece = plan.pieces[0]
        key = ("whole", piece.text, run.face, run.lang, run.direction, size)
        sides = self._cache.get(key)
        if sides is None:
            sides = self._shaper.ink_sides(run.face, size, piece.text, run.direction, run.lang,
                                           harfbuzz_features(piece.halt))
            self._cache.put(key, sides)
        return sides
