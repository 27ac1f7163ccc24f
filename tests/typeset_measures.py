"""Deterministic, font-independent measures for typesetting tests.

``em_measure``: each grapheme advances 1.0 em if the East Asian Width of its first code
point is W or F, a space 0.28 em, anything else 0.55 em; ``size`` px per em.
``kerned_measure``: the same plus a pair adjustment, so widths of parts do not add up to
the width of the whole (like real fonts), which exercises the layout's verification.
"""

from __future__ import annotations

import unicodedata

from ogimage.typeset.segment import graphemes


def advance(g: str) -> float:
    if g == " ":
        return 0.28
    return 1.0 if unicodedata.east_asian_width(g[0]) in "WF" else 0.55


def em_measure(text: str, size: float) -> float:
    return size * sum(advance(g) for g in graphemes(text))


def kerned_measure(text: str, size: float) -> float:
    gs = graphemes(text)
    w = sum(advance(g) for g in gs)
    # a positive "kern" between some pairs: the whole is wider than the sum of its parts
    w += 0.07 * sum(1 for a, b in zip(gs, gs[1:]) if (ord(a[0]) + ord(b[0])) % 3 == 0)
    return size * w
