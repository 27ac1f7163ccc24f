"""Characters no bundled font covers: found cheaply, reported once."""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Callable

from .cmap import Coverage
from .faces import Face
from .unicode import is_ignorable

log = logging.getLogger("ogimage.fonts")

__all__ = ["MissingGlyphs"]


class MissingGlyphs:
    """Answers which characters of a text no face covers, reading as few cmaps as it can:
    the ones itemising already read come first, so a card whose characters all found a
    font reads no other font's cmap (the union of all of them costs ~0.2 s to build)."""

    def __init__(self, loaded: dict, all_faces: Callable[[], list[Face]],
                 coverage: Callable[[Face], Coverage]) -> None:
        self._loaded = loaded  # the book's coverage by (path, index), filled as faces are used
        self._all_faces = all_faces
        self._coverage = coverage
        self._union: Coverage | None = None
        self._memo: dict[int, bool] = {}
        self._reported: set[str] = set()

    def missing(self, text: str) -> list[str]:
        """Characters of ``text`` no face covers, in order, each once; each logged once at WARNING."""
        out: list[str] = []
        for ch in dict.fromkeys(text):
            cp = ord(ch)
            if is_ignorable(cp) or self.covered(cp):
                continue
            out.append(ch)
            if ch not in self._reported:
                self._reported.add(ch)
                log.warning("no bundled font covers U+%04X %s", cp,
                            unicodedata.name(ch, "(unassigned or private use)"))
        return out

    def covered(self, cp: int) -> bool:
        """Whether any face covers ``cp`` (memoised)."""
        known = self._memo.get(cp)
        if known is None:
            if self._union is None and any(cp in cov for cov in list(self._loaded.values())):
                known = True
            else:
                known = cp in self.union()
            if len(self._memo) > 65536:
                self._memo.clear()
            self._memo[cp] = known
        return known

    def union(self) -> Coverage:
        """Every code point any face covers (reads every face's cmap, once)."""
        if self._union is None:
            cover = Coverage()
            for face in self._all_faces():
                cover = cover | self._coverage(face)
            self._union = cover
        return self._union
