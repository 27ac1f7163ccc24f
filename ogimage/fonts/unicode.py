"""Text facts the fonts layer needs: emoji, ignorables, bidi levels. Graphemes, CJK ranges,
language tags and the base direction are the typesetting core's (:mod:`ogimage.typeset.script`),
re-exported here under the names the fonts layer uses."""

from __future__ import annotations

import re
import unicodedata

import regex

from ..typeset.script import GRAPHEME
from ..typeset.script import HANGUL_SCRIPT as HANGUL
from ..typeset.script import KANA_SCRIPT as KANA
from ..typeset.script import base_level as auto_base
from ..typeset.script import canonical_tag as normalise_tag

__all__ = ["GRAPHEME", "HANGUL", "KANA", "auto_base", "bidi_levels", "normalise_tag", "shapeable"]

_EMOJI_MARK = regex.compile(r"[\p{Emoji_Presentation}\uFE0F\u20E3]")
RTL_CLASSES = frozenset({"R", "AL", "AN", "RLE", "RLO", "RLI"})
# Every code point whose bidi class is in RTL_CLASSES lies in these blocks (a test checks it
# against unicodedata): text with none of them needs no per-character look-up.
MAYBE_RTL = re.compile("[\u0590-\u08ff\u200f\u202b\u202e\u2067\ufb1d-\ufdff\ufe70-\ufeff"
                       "\U00010800-\U00010fff\U0001e800-\U0001efff]")


def is_ignorable(cp: int) -> bool:
    """Code points a face need not have: controls, format characters, variation selectors."""
    if 0xFE00 <= cp <= 0xFE0F or 0xE0100 <= cp <= 0xE01EF:
        return True
    if 0xD800 <= cp <= 0xDFFF:  # lone surrogates are never ignorable: they are missing
        return False
    return unicodedata.category(chr(cp)) in ("Cc", "Cf")


def is_neutral(cluster: str) -> bool:
    """Spaces and punctuation: they stay in the current run when its face has them."""
    return all(unicodedata.category(c)[0] in "ZP" or is_ignorable(ord(c)) for c in cluster)


def is_emoji(cluster: str) -> bool:
    """An emoji presentation sequence (emoji-default base, VS16, keycap, skin tone, flag)."""
    return "\ufe0e" not in cluster and _EMOJI_MARK.search(cluster) is not None


def sanitise(text: str) -> str:
    """Lone surrogates -> U+FFFD (FreeType/raqm cannot take them)."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


# Paragraph separators (bidi class B) make raqm_layout() fail: shape them as spaces.
_SHAPE_TABLE = {cp: " " for cp in (0x0A, 0x0D, 0x1C, 0x1D, 0x1E, 0x85, 0x2028, 0x2029)}


def shapeable(text: str) -> str:
    """``text`` as handed to raqm: line and paragraph separators become spaces."""
    return text.translate(_SHAPE_TABLE)


_LEVELS = re.compile(r"Level\(\s*(\d+)")


def bidi_levels(text: str, base: int | None = None) -> tuple[list[int], int]:
    """Resolved bidi embedding levels of ``text`` (one per character) and the base level.

    ``base`` is 0 (LTR) or 1 (RTL); ``None`` takes the first strong character's direction
    (rules P2/P3), LTR if there is none. Uses python-bidi's Rust implementation
    (unicode-bidi, UBA with bracket pairs and isolates), whose levels are read from its
    debug output; if that format ever changes, falls back to python-bidi's pure-Python
    algorithm.
    """
    import bidi

    if base is None:
        base = auto_base(text)
    if base == 0 and (text.isascii() or not MAYBE_RTL.search(text)
                      or not any(unicodedata.bidirectional(c) in RTL_CLASSES for c in text)):
        return [0] * len(text), 0
    try:
        dump = bidi.get_display(text, base_dir="R" if base else "L", debug=True)
        start = dump.index("levels:")
        per_byte = [int(m) for m in _LEVELS.findall(dump, start, dump.index("]", start))]
        levels, offset = [], 0
        for ch in text:
            levels.append(per_byte[offset])
            offset += len(ch.encode("utf-8"))
        if offset != len(per_byte):
            raise ValueError("level count mismatch")
        return levels, base
    except (ValueError, IndexError, AttributeError, TypeError):
        return _python_bidi_levels(text, base), base


def _python_bidi_levels(text: str, base: int) -> list[int]:
    from bidi import algorithm as uba

    storage = uba.get_empty_storage()
    storage["base_level"] = base
    storage["base_dir"] = "LR"[base]
    uba.get_embedding_levels(text, storage)
    chars = list(storage["chars"])
    uba.explicit_embed_and_overrides(storage)
    uba.resolve_weak_types(storage)
    uba.resolve_neutral_types(storage, False)
    uba.resolve_implicit_levels(storage, False)
    levels = [c["level"] for c in chars]
    return levels if len(levels) == len(text) else [base] * len(text)
