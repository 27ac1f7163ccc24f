"""Characters no bundled font covers: found cheaply, reported once, in bounded log lines."""

from __future__ import annotations

import logging
import threading
import time
import unicodedata
from collections.abc import Callable

from .cmap import Coverage
from .faces import Face
from .unicode import is_ignorable

log = logging.getLogger("ogimage.fonts")

__all__ = ["MissingGlyphs"]

LOG_CHARS = 12  # characters named in one line; the rest are counted
LOG_INTERVAL = 1.0  # seconds between two lines
REMEMBER = 4096  # characters remembered as reported (then forgotten, all at once)


def _describe(ch: str) -> str:
    """``U+0E01 THAI CHARACTER KO KAI`` (or ``U+F0001`` when it has no name)."""
    name = unicodedata.name(ch, "")
    return f"U+{ord(ch):04X}" + (f" {name}" if name else "")


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
        self._last_log = -LOG_INTERVAL
        self._held = 0  # characters first seen while a line was held back
        self._lock = threading.Lock()

    def missing(self, text: str) -> list[str]:
        """Characters of ``text`` no face covers, in order, each once.

        Logging is bounded whatever the text: one WARNING line per call at most, naming
        the characters not reported before (the first :data:`LOG_CHARS` of them, then a
        count), at most one line per :data:`LOG_INTERVAL` seconds (the characters of the
        calls in between are counted into the next line). "Reported before" is remembered
        for up to :data:`REMEMBER` characters.
        """
        out: list[str] = []
        memo = self._memo
        for ch in dict.fromkeys(text):
            cp = ord(ch)
            if memo.get(cp) or is_ignorable(cp) or self.covered(cp):  # (a known-covered one first: one look-up)
                continue
            out.append(ch)
        if out:
            with self._lock:
                self._report(out)
        return out

    def _report(self, chars: list[str]) -> None:
        new = [ch for ch in chars if ch not in self._reported]
        if not new:
            return
        if len(self._reported) + len(new) > REMEMBER:
            self._reported.clear()
        self._reported.update(new)
        now = time.monotonic()
        if now - self._last_log < LOG_INTERVAL:
            self._held += len(new)
            return
        self._last_log = now
        shown = " ".join(_describe(ch) for ch in new[:LOG_CHARS])
        more = f" and {len(new) - LOG_CHARS} more" if len(new) > LOG_CHARS else ""
        held = f" (and {self._held} more since the last line)" if self._held else ""
        self._held = 0
        log.warning("no bundled font covers %d character%s: %s%s%s", len(new), "" if len(new) == 1 else "s",
                    shown, more, held)

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
