"""Character tables for line breaking: JLREQ kinsoku plus the UAX #14 classes that matter.

Kinsoku is expressed as two predicates on the first code point of a grapheme:
a break is never allowed *before* a no-start character or *after* a no-end character.
The lists are those of DESIGN.md ("Typesetting rules"), extended with their ASCII and
half-width equivalents, which UAX #14 treats the same way (CL, CP, EX, IS, OP).
"""

from __future__ import annotations

NO_START = frozenset(
    # closing brackets and quotes
    ")]｝〕〉》」』】〙〗〟’”｠»" ")]}）］｣›"
    # punctuation
    "、。，．・：；？！‼⁇⁈⁉" ",.:;!?､｡%％‰"
    # prolonged sound mark, iteration marks, hyphens JLREQ keeps off a line start
    "ーヽヾゝゞ々〻‐゠〜"
    # small kana
    "ぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶ"
    + "".join(chr(c) for c in range(0x31F0, 0x3200))
    + "ｧｨｩｪｫｬｭｮｯｰ"
)

import unicodedata as _ud

# Every opening (Ps) and closing (Pe) bracket of the blocks titles use, beyond the lists
# above (UAX #14 OP and CL: ⁅ ⁽ ₍ 〈 ❨ ⟦ ⦃ ⸢ ﹙ …).
_BRACKET_BLOCKS = ((0x0F3A, 0x0F3D), (0x169B, 0x169C), (0x2000, 0x2E7F), (0x3000, 0x303F),
                   (0xFE10, 0xFE6F), (0xFF00, 0xFF65))
_PS = frozenset(chr(c) for lo, hi in _BRACKET_BLOCKS for c in range(lo, hi + 1) if _ud.category(chr(c)) == "Ps")
_PE = frozenset(chr(c) for lo, hi in _BRACKET_BLOCKS for c in range(lo, hi + 1) if _ud.category(chr(c)) == "Pe")
NO_START = NO_START | _PE

NO_END = frozenset("([｛〔〈《「『【〘〖〝‘“｟«" "([{（［｢‹") | _PS

# Inseparable (UAX #14 IN): no break before them, so they never start a line.
INSEPARABLE = frozenset("…‥")
# Dashes that come in pairs (――, ——) and must not be split between lines.
PAIRED_DASHES = frozenset("―—")
# Break after these in Latin text (UAX #14 HY/BA/SY/B2, as DESIGN.md asks).
BREAK_AFTER = frozenset("-‐/–—")

# Characters that hang at a line end and are dropped there.
MANDATORY = frozenset("\n\r\x0b\x0c\x85\u2028\u2029")
SPACES = frozenset(
    " \t\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2008\u2009\u200a\u205f\u3000"
)
HANGING = "".join(sorted(MANDATORY | SPACES))
# Glue (UAX #14 GL/WJ): no break on either side.
GLUE = frozenset("\u00a0\u202f\u2007\u2060\ufeff\u2011\u034f\u180e")
ZWSP = "\u200b"

# Trailing punctuation dropped before an ellipsis at truncation.
DROP_BEFORE_ELLIPSIS = frozenset("、。，．,.:;：；・!?！？-‐–—―/")


def can_start(grapheme: str) -> bool:
    """May a line start with this grapheme?"""
    return grapheme[:1] not in NO_START and grapheme[:1] not in INSEPARABLE


def can_end(grapheme: str) -> bool:
    """May a line end with this grapheme?"""
    return grapheme[:1] not in NO_END
