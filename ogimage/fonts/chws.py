"""JLREQ spacing inside a line: adjacent full-width punctuation set half-width (``chws``).

Two full-width punctuation marks side by side (``」「``, ``）、``, ``。」``, ``（「``) would
leave a full em of blank between their inks; JLREQ (3.1.4) and CLREQ set one of them
half-width so the gap is half an em:

- a closing mark (``」』）、。，．`` …) followed by a closing or opening mark loses its
  blank *right* half (``。」``: the stop; ``」「``: the closing bracket);
- an opening mark followed by an opening mark loses the second one's blank *left* half.

Fonts that implement this carry it as the OpenType feature ``chws``; the bundled Noto Sans
CJK (Debian's 2.004 build) has none (its GPOS holds ``halt kern mark palt vert vhal vkrn
vpal``), but it does carry ``halt``, the same half-width forms the font's designers made
for these glyphs. :class:`ContextualSpacing` therefore applies the font's own ``halt``
to exactly the marks the rule names, as a per-character feature range, through HarfBuzz
when measuring and through raqm when drawing (Pillow's ``features=["halt[3]"]``), so both
shape the same glyph positions. A mark qualifies only where ``halt`` takes off no more
than the blank beside its ink (a centred traditional-Chinese ``。`` keeps its full width),
so ink never overlaps.

Cost: one regular-expression search per newly planned piece; for a piece with a pair, a
cached look-up per mark (two HarfBuzz shapings the first time a mark is seen in a face).
"""

from __future__ import annotations

import re
from typing import Any

from ..caches import SizedCache, text_cost
from .faces import Face

__all__ = ["CLOSING", "OPENING", "ContextualSpacing", "halved_marks"]

OPENING = frozenset("「『（〔［｛〈《【〘〖〝")
CLOSING = frozenset("」』）〕］｝〉》】〙〗〟、。，．")
_MARKS = "".join(sorted(OPENING | CLOSING))
_PAIR = re.compile(f"[{re.escape(_MARKS)}]{{2}}")

CHWS_MARKS_BYTES = 1 << 20  # per (face, mark, language): whether halt halves it cleanly (~300 B each)
_PROBE_SIZE = 100.0  # px: the size a mark's halt and blank are compared at (ratios scale)


def halved_marks(text: str) -> tuple[int, ...]:
    """Indices (code points) of the marks of ``text`` that JLREQ sets half-width in context.

    Pure text rule (see the module docstring); empty when no two marks are adjacent.
    """
    if _PAIR.search(text) is None:
        return ()
    out = []
    for i in range(len(text) - 1):
        a, b = text[i], text[i + 1]
        if a in CLOSING and (b in CLOSING or b in OPENING):
            out.append(i)
        elif a in OPENING and b in OPENING:
            out.append(i + 1)
    return tuple(sorted(set(out)))


class ContextualSpacing:
    """The ``halt`` feature ranges that set a piece's adjacent punctuation half-width.

    ``shaper`` is the HarfBuzz :class:`~.shaping.Shaper`; without one (no raqm) nothing is
    applied, in measuring and drawing alike.
    """

    def __init__(self, shaper: Any) -> None:
        self._shaper = shaper
        self._marks: SizedCache[tuple[Face, str, str], bool] = SizedCache(
            "chws_marks", CHWS_MARKS_BYTES, lambda key, ok: text_cost(key[1], key[2]) + 100
        )

    def ranges(self, face: Face, text: str, lang: str) -> tuple[int, ...]:
        """Indices of ``text`` to shape with ``halt`` on, in ``face`` (empty for most text)."""
        if self._shaper is None or face.is_emoji or _PAIR.search(text) is None:
            return ()  # most pieces: one regular-expression search
        return tuple(i for i in halved_marks(text) if self._halves_cleanly(face, text[i], lang))

    def _halves_cleanly(self, face: Face, mark: str, lang: str) -> bool:
        key = (face, mark, lang)
        ok = self._marks.get(key)
        if ok is None:
            sh = self._shaper
            full = sh.advance(face, _PROBE_SIZE, mark, "ltr", lang)
            half = sh.advance(face, _PROBE_SIZE, mark, "ltr", lang, {"halt": True})
            left, right = sh.blank_sides(face, _PROBE_SIZE, mark, lang)
            blank = left if mark in OPENING else right
            ok = 0 < full - half <= blank + 0.5
            self._marks.put(key, ok)
        return ok


def harfbuzz_features(indices: tuple[int, ...]) -> dict[str, Any] | None:
    """uharfbuzz's feature argument for ``halt`` on these code point indices (None: none)."""
    return {"halt": [(i, i + 1, True) for i in indices]} if indices else None


def raqm_features(indices: tuple[int, ...]) -> list[str] | None:
    """Pillow's ``features=`` for ``halt`` on these code point indices (None: none)."""
    return [f"halt[{i}]" for i in indices] if indices else None
