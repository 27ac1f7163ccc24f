"""Pieces: the parts of a run that can be shaped apart, measured once and reused.

Shaping a whole run with raqm costs ~0.3 ms; a card measures dozens of candidate lines
while it fits its title and then draws the winners. Most of that text repeats: the same
words at the same size, the same Han characters. So a run in a *simple* script (Latin,
Greek, Cyrillic, CJK ideographs, kana, hangul syllables, full-width forms) is cut into
pieces whose shaping does not depend on their neighbours:

* each space run is one piece;
* each wide character (ideograph, kana, hangul syllable, full-width form) is one piece:
  CJK fonts set them on a fixed em grid, with no kerning between default glyphs;
* every other stretch (a word, with its punctuation) is one piece, shaped whole, so its
  kerning and ligatures are kept.

The run's width is the sum of its pieces' advances, and the renderer draws each piece at
exactly that pen position, so measured and drawn widths agree by construction. What is
given up is kerning across a space, a fraction of a pixel at card sizes.

Runs in complex scripts (Arabic, Hebrew, Indic, Thai …), runs with combining marks,
joiners or variation selectors, and right-to-left runs are never cut: they are shaped
whole, as before.
"""

from __future__ import annotations

import re

from ..typeset.script import HAN, WIDE, char_class

__all__ = ["split_pieces"]

_WIDE = char_class(WIDE)
# Characters whose shaping never reaches across a space or a wide character.
_SIMPLE = ("\x00-\u02ff\u0370-\u0482\u048a-\u052f\u1e00-\u1fff\u2000-\u200b\u2010-\u2027"
           "\u2030-\u205f\u2070-\u2bff" + _WIDE)
_NOT_SIMPLE = re.compile(f"[^{_SIMPLE}]")
_HAN = char_class(HAN)
_PIECE = re.compile(f"[{_HAN}]|[^{_HAN} ]+ *| +")


def split_pieces(text: str, direction: str = "ltr") -> list[str] | None:
    """``text`` cut into independently shapeable pieces, or ``None`` when the run must be
    shaped whole (a complex script, a combining mark, a joiner, right to left)."""
    if direction != "ltr" or not text or _NOT_SIMPLE.search(text):
        return None
    pieces: list[str] = []
    for piece in _PIECE.findall(text):
        if pieces and not (piece[0].isalnum() or any(c.isalnum() for c in piece)):
            # Spaces and punctuation alone take their script from their neighbours when
            # shaped in the run (a Korean space is wider than a Latin one): keep them
            # with the piece before.
            pieces[-1] += piece
        else:
            pieces.append(piece)
    return pieces
