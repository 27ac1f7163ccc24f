"""Text facts, declared once: graphemes, CJK ranges, language tags, base direction.

Pure (``regex`` and ``unicodedata`` only): the typesetting core, the card model and the
fonts layer all import these, so a range or a rule is changed in one place.
"""

from __future__ import annotations

import unicodedata

import regex

__all__ = [
    "GRAPHEME", "HAN", "HANGUL", "HANGUL_SCRIPT", "KANA", "KANA_SCRIPT", "KATAKANA", "WIDE",
    "base_direction", "base_level", "canonical_tag", "char_class", "graphemes", "in_ranges",
]

# Extended grapheme clusters (UAX #29): the unit nothing ever splits.
GRAPHEME = regex.compile(r"\X")

# Code point blocks (inclusive ranges). Detection and line breaking use these.
HAN = ((0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0xF900, 0xFAFF), (0x20000, 0x3FFFF))
KANA = ((0x3041, 0x309F), (0x30A0, 0x30FF), (0x31F0, 0x31FF), (0xFF66, 0xFF9F))
KATAKANA = ((0x30A1, 0x30FA), (0x30FC, 0x30FC), (0x31F0, 0x31FF), (0xFF66, 0xFF9D))
HANGUL = ((0xAC00, 0xD7AF), (0x1100, 0x11FF), (0x3130, 0x318F), (0xA960, 0xA97F), (0xD7B0, 0xD7FF))
# East Asian wide blocks (CJK symbols to ideographs, hangul syllables, compatibility and
# full-width forms): glyphs set on a fixed em grid, which shaping never joins.
WIDE = ((0x2E80, 0x303F), (0x3040, 0x9FFF), (0xAC00, 0xD7A3), (0xF900, 0xFAFF), (0xFE30, 0xFE4F),
        (0xFF00, 0xFFEF), (0x20000, 0x3FFFF))
# By Unicode script property (wider than the blocks: circled katakana, kana supplements):
# what picks a regional CJK face when no language is given.
KANA_SCRIPT = regex.compile(r"[\p{Hiragana}\p{Katakana}]")
HANGUL_SCRIPT = regex.compile(r"\p{Hangul}")


def graphemes(text: str) -> list[str]:
    """``text`` split into extended grapheme clusters."""
    if text.isascii() and "\r" not in text:  # each ASCII character is a cluster, but CR LF
        return list(text)
    return GRAPHEME.findall(text)


def in_ranges(cp: int, *ranges: tuple[int, int]) -> bool:
    """Whether code point ``cp`` lies in one of these inclusive ranges."""
    for lo, hi in ranges:  # a plain loop: called per character by detection and segmenting
        if lo <= cp <= hi:
            return True
    return False


def char_class(ranges: tuple[tuple[int, int], ...]) -> str:
    """The ranges as the inside of a regular-expression character class (``a-z…``)."""
    return "".join(chr(lo) if lo == hi else f"{chr(lo)}-{chr(hi)}" for lo, hi in ranges)


def canonical_tag(tag: str) -> str:
    """A BCP 47 tag in canonical case: ``zh_hans-cn`` -> ``zh-Hans-CN`` (``_`` is ``-``;
    empty subtags dropped; no validation: :func:`ogimage.card.normalise_lang` validates)."""
    parts = [p for p in tag.replace("_", "-").split("-") if p]
    if not parts:
        return ""
    out = [parts[0].lower()]
    for part in parts[1:]:
        if len(part) == 4 and part.isalpha():
            out.append(part.title())
        elif len(part) == 2 and part.isalpha() or len(part) == 3 and part.isdigit():
            out.append(part.upper())
        else:
            out.append(part.lower())
    return "-".join(out)


def base_level(text: str) -> int:
    """The paragraph's base level by UAX #9 rules P2/P3: 1 if the first strong character
    (skipping isolated spans, LRI/RLI/FSI to PDI) is R or AL, else 0 (also when none is).
    Agrees with python-bidi's ``get_base_level`` (a test checks it)."""
    depth = 0
    for ch in text:
        kind = unicodedata.bidirectional(ch)
        if kind in ("LRI", "RLI", "FSI"):
            depth += 1
        elif kind == "PDI":
            depth = max(0, depth - 1)
        elif depth:
            continue
        elif kind == "L":
            return 0
        elif kind in ("R", "AL"):
            return 1
    return 0


def base_direction(text: str) -> str:
    """``"rtl"`` or ``"ltr"``: :func:`base_level` as a direction."""
    return "rtl" if base_level(text) else "ltr"
