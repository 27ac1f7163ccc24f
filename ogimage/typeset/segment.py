"""Graphemes, scripts and break opportunities: the text cut into unbreakable units.

Break opportunities follow a compact, table-driven subset of UAX #14 (spaces, hyphens and
slashes, ideographs, glue, mandatory breaks), tightened by JLREQ kinsoku (see kinsoku.py).
Japanese and Chinese break only between BudouX phrases, Thai between BudouX words; a
Latin word or a katakana run inside CJK text is never cut even if BudouX would.
Korean breaks at spaces only (keep-all); Khmer, Lao and Myanmar between dictionary
words (dictbreak.py). Each unit carries the cost of a line break
after it (costs.py: a clause end is good, a phrase boundary fine, a break inside a
compound, between a name and its number or before a Chinese particle bad), which the
balancer weighs against evenness.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import Collection

import regex

from ..caches import SizedCache, text_cost
from . import kinsoku as K
from .costs import NORMAL, adjust_scores, break_cost, phrase_scores
from .dictbreak import word_bounds
from .lang import detect_lang
from .script import HAN, HANGUL, KANA, KATAKANA, base_direction, graphemes, in_ranges

__all__ = ["Segment", "base_direction", "detect_lang", "graphemes", "segments"]

_PICTO = regex.compile(r"\p{Extended_Pictographic}")


@dataclass(frozen=True, slots=True)
class Segment:
    """An unbreakable unit. ``text`` includes trailing spaces (they hang at a line end)."""

    text: str
    hard_break: bool = False  # a mandatory break follows
    cost: float = field(default=NORMAL, compare=False)  # of a line break after it (costs.py)


# ---------------------------------------------------------------- scripts and language



def _mode(lang: str) -> str:
    """The breaking mode for a language tag: 'ja', 'zh-Hans', 'zh-Hant', 'th' or 'latin'."""
    low = lang.lower()
    if low.startswith("ja"):
        return "ja"
    if low.startswith("zh"):
        trad = any(t in low for t in ("hant", "-tw", "-hk", "-mo"))
        return "zh-Hant" if trad else "zh-Hans"
    if low.startswith("th"):
        return "th"
    return "latin"  # Korean too: keep-all is exactly the Latin rule with hangul as letters


# ---------------------------------------------------------------- per-grapheme classes

# Classes (UAX #14 names, reduced): break behaviour between two graphemes. SA: Khmer, Lao,
# Myanmar (dictionary words, dictbreak.py).
BK, SP, ZW, GL, BA, ID, AL, TH, SA = range(9)
# Flags
NS, NE, KATA, NUM, INN, DASH = 1, 2, 4, 8, 16, 32

# Grapheme -> (class, flags), bounded by bytes like every cache (the distinct graphemes of a
# wide CJK vocabulary are ~10,000: ~2 MB, but a miss costs a table look-up: 1 MB is as fast);
# first in, first out, a read is one dict lookup.
_cache: SizedCache[str, tuple[int, int]] = SizedCache(
    "grapheme_classes", 1 << 20, lambda g, v: text_cost(g) + 64, lru=False)


def _classify(g: str) -> tuple[int, int]:
    hit = _cache.get(g)
    if hit is not None:
        return hit
    c = g[0]
    cp = ord(c)
    flags = (NS if c in K.NO_START else 0) | (NE if c in K.NO_END else 0)
    flags |= (INN if c in K.INSEPARABLE else 0) | (DASH if c in K.PAIRED_DASHES else 0)
    if c in K.MANDATORY:
        cls = BK
    elif len(g) == 1 and c in K.SPACES:
        cls = SP
    elif c == K.ZWSP:
        cls = ZW
    elif c in K.GLUE:
        cls = GL
    elif c in K.BREAK_AFTER:
        cls = BA
    elif 0x0E00 <= cp <= 0x0E7F:
        cls = TH
    elif 0x0E80 <= cp <= 0x0EFF or 0x1780 <= cp <= 0x17FF or 0x1000 <= cp <= 0x109F or 0x19E0 <= cp <= 0x19FF \
            or 0xA9E0 <= cp <= 0xA9FF or 0xAA60 <= cp <= 0xAA7F:
        cls = SA
    elif in_ranges(cp, *HANGUL):
        cls = AL
    elif (unicodedata.east_asian_width(c) in "WF" or _PICTO.match(c)
          or "\u20e3" in g or 0x1F1E6 <= cp <= 0x1F1FF):
        cls = ID
    else:
        cls = AL
    if in_ranges(cp, *KATAKANA):
        flags |= KATA
    if c.isdigit():
        flags |= NUM
    _cache.put(g, (cls, flags))
    return cls, flags


# ---------------------------------------------------------------- BudouX

# Viramas, Khmer coeng, Myanmar stacker and ZWJ: the cluster after them joins the one before.
_JOINERS = frozenset("\u094d\u09cd\u0a4d\u0acd\u0b4d\u0bcd\u0c4d\u0ccd\u0d4d\u0dca\u17d2\u1039\u200d")
_CLAUSE_END = frozenset("。！？：；、，―—‼⁇⁈⁉")
_ZH_NUMERALS = frozenset("一二两兩三四五六七八九十百千万萬几幾这這那哪每某各半")
_ZH_CLASSIFIERS = frozenset("个個位种種件条條项項篇本次场場款家只隻张張台臺部份些点點步层層句段")

# ---------------------------------------------------------------- break opportunities

def _breaks(gs: list[str], classes: list[tuple[int, int]], mode: str,
            bounds: Collection[int] | None, words: Collection[int] = ()) -> list[int]:
    """For each gap after grapheme i: 0 no break, 1 break allowed, 2 mandatory break.
    ``words``: offsets between two dictionary words of a Khmer, Lao or Myanmar run."""
    n = len(gs)
    out = [0] * n
    dict_cls = TH if mode == "th" else (ID if mode != "latin" else -1)
    zh = mode.startswith("zh")
    pos = 0
    line_start = True  # only spaces since the start of the text or the last mandatory break
    last_ne = False  # the last non-space grapheme is a no-end character
    for i in range(n - 1):
        a_cls, a_fl = classes[i]
        b_cls, b_fl = classes[i + 1]
        pos += len(gs[i])
        if a_cls == BK:
            out[i] = 2
            line_start, last_ne = True, False
            continue
        if a_cls != SP:
            line_start = False
            last_ne = bool(a_fl & NE)
        if b_cls in (BK, SP) or b_cls == ZW:
            continue
        if a_cls == ZW:
            out[i] = 1
            continue
        if a_cls == GL or b_cls == GL or b_fl & (NS | INN) or (a_fl & b_fl & DASH) or gs[i + 1] == "/":
            continue
        if a_cls == SP:
            out[i] = 0 if line_start or last_ne else 1
            continue
        if a_fl & NE:
            continue
        if a_cls == SA and b_cls == SA:
            out[i] = 1 if pos in words else 0
            continue
        if dict_cls >= 0 and (a_cls == dict_cls or b_cls == dict_cls):
            if a_fl & b_fl & KATA:
                continue
            if zh and gs[i] in _ZH_NUMERALS and gs[i + 1] in _ZH_CLASSIFIERS:
                continue  # numeral + classifier (一个, 這個) is one word; BudouX may cut it
            # after a sentence or clause end (。！？：、，——) a break is always there, even
            # where BudouX joined the two phrases (it cuts less than a typesetter would)
            out[i] = 1 if bounds is None or pos in bounds or gs[i] in _CLAUSE_END else 0
        elif a_cls == ID or b_cls == ID:
            out[i] = 1
        elif a_cls == BA and not (b_fl & NUM) and mode in ("latin", "th"):
            out[i] = 1
    return out


def _segments(text: str, lang: str | None) -> tuple[Segment, ...]:
    if not text:
        return ()
    mode = _mode(lang or detect_lang(text))
    gs = graphemes(text)
    classes = [_classify(g) for g in gs]
    scores = None
    if mode != "latin" and any(c[0] == (TH if mode == "th" else ID) for c in classes):
        scores = adjust_scores(text, mode, phrase_scores(text, mode))
    words = word_bounds(text) if any(c[0] == SA for c in classes) else {}
    brk = _breaks(gs, classes, mode, None if scores is None else scores.keys(), words)
    segs, start, pos = [], 0, 0
    for i, g in enumerate(gs):
        pos += len(g)
        if brk[i] or i == len(gs) - 1:
            hard = brk[i] == 2 or classes[i][0] == BK
            cost = (words[pos] if pos in words else break_cost(text, pos, mode, scores)) \
                if pos < len(text) and not hard else 0.0
            segs.append(Segment(text[start:pos], hard, cost))
            start = pos
    return tuple(segs)


def _segments_cost(key: tuple[str, str | None], segs: tuple[Segment, ...]) -> int:
    """The text twice (key and segments) and ~120 bytes a segment object."""
    return text_cost(key[0]) + 2 * len(key[0]) + 120 * len(segs)


# The units of a text, kept for the next measure of the same text (a card's fields are cut
# once per size tried, and repeats are common); bounded by bytes.
_segment_memo: SizedCache[tuple[str, str | None], tuple[Segment, ...]] = SizedCache(
    "segments", 1 << 20, _segments_cost)


def _segments_cached(text: str, lang: str | None) -> tuple[Segment, ...]:
    return _segment_memo.get_or_make((text, lang), lambda: _segments(text, lang))


def segments(text: str, lang: str | None = None) -> list[Segment]:
    """The text cut into unbreakable units; a line may break only between two units.

    ``"".join(s.text for s in segments(t)) == t`` always. ``lang`` defaults to
    ``detect_lang(text)``.
    """
    return list(_segments_cached(text, lang))


def split_points(text: str) -> list[tuple[int, int]]:
    """Emergency break points inside one unit that is wider than the box.

    Returns ``(offset, tier)`` for every grapheme boundary inside ``text``: tier 1 after
    ``/ - _ . ? & = ・`` or at a script change (katakana/kanji, Latin/CJK), tier 2 any
    other boundary kinsoku allows, tier 3 the rest (used only when nothing else exists).
    Never before a space (spaces hang) nor inside a grapheme cluster (emoji stay whole).
    """
    gs = graphemes(text)
    out, pos, last = [], 0, ""
    for i in range(len(gs) - 1):
        a, b = gs[i], gs[i + 1]
        pos += len(a)
        (a_cls, a_fl), (b_cls, b_fl) = _classify(a), _classify(b)
        if a_cls not in (SP, BK):
            last = a  # the grapheme that would end the line
        if b_cls in (SP, BK) or a_cls == BK:
            continue  # spaces hang at the end of the line; never start one with them
        if not K.can_end(last) or not K.can_start(b) or GL in (a_cls, b_cls) or a[-1] in _JOINERS:
            tier = 3  # (after a virama, coeng or ZWJ the next consonant belongs to this one)
        elif (a[0] in "/-_.?&=・‐–—" or (a_cls == ID) != (b_cls == ID) or (a_fl ^ b_fl) & KATA
              or "\u0ec0" <= b[0] <= "\u0ec4"):  # a Lao preposed vowel starts a syllable
            tier = 1
        else:
            tier = 2
        out.append((pos, tier))
    return out
