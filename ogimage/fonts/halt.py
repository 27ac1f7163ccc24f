"""JLREQ line-edge spacing: the blank half of full-width punctuation at a line's start or end.

Full-width brackets and stops are drawn on a full em with half of it blank: 「 on its
right half, 、。」 on their left. Inside a line that blank is the punctuation's spacing;
at a line's edge it is an invisible indent (ink at x≈121 instead of 80) or an invisible
half-em that makes the line look narrower than it was measured, which skews balance.
JLREQ sets such a character half-width at a line edge; Noto Sans CJK says how with its
own ``halt`` feature, which HarfBuzz applies. :class:`HaltTrims` measures, per character,
face and size, how much ``halt`` takes off (advance without minus advance with), never
more than the blank between the advance box and the ink on that side, so a line's ink
stays inside the width it was measured at.
"""

from __future__ import annotations

from typing import Any, Callable

from ..caches import SizedCache, text_cost

# Full-width punctuation whose blank half a line edge drops.
HALT_START = frozenset("「『（〔［｛〈《【〘〖〝")
HALT_END = frozenset("」』）〕］｝〉》】〙〗〟、。，．：；")

HALT_TRIMS_BYTES = 1 << 20  # cached trims (floats): characters x faces x sizes seen


class HaltTrims:
    """Trims from the fonts' ``halt`` feature; none without HarfBuzz (``shaper`` None)."""

    def __init__(self, shaper: Any, runs: Callable[..., Any]) -> None:
        self._shaper, self._runs = shaper, runs
        self._cache: SizedCache[tuple[str, str, str, str, float], float] = SizedCache(
            "halt_trims", HALT_TRIMS_BYTES, lambda key, trim: text_cost(*key[:4])
        )

    def trims(self, text: str, family: str, weight: str, lang: str, size: float) -> tuple[float, float]:
        """(left, right) px that ``text`` set as one line loses at its start and end.

        Non-zero only for an opening bracket first (left) and closing punctuation last
        (right) in a face with ``halt``. Cost: two cached look-ups; two HarfBuzz shapings
        of one character the first time a (character, face, size) is seen.
        """
        if self._shaper is None or not text or not size > 0:
            return 0.0, 0.0
        left = self._trim(text[0], family, weight, lang, size) if text[0] in HALT_START else 0.0
        right = self._trim(text[-1], family, weight, lang, size) if text[-1] in HALT_END else 0.0
        return left, right

    def _trim(self, char: str, family: str, weight: str, lang: str, size: float) -> float:
        key = (char, family, weight, lang, size)
        trim = self._cache.get(key)
        if trim is None:
            run = self._runs(char, family, weight, lang or "")[0]
            trim = 0.0
            if not run.face.is_emoji:
                full = self._shaper.advance(run.face, size, char, "ltr", run.lang)
                half = self._shaper.advance(run.face, size, char, "ltr", run.lang, {"halt": True})
                # never more than the blank itself: a centred ：or a TC 。 keeps its ink inside
                blank = self._shaper.blank_sides(run.face, size, char, run.lang)[0 if char in HALT_START else 1]
                trim = max(0.0, min(full - half, blank))
            self._cache.put(key, trim)
        return trim
