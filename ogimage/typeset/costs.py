"""What a line break costs where it is: strengths of break opportunities.

A break opportunity is not a yes/no: breaking after 。 or ： reads perfectly, between two
phrases well, inside a compound (two Han characters, a kana run, a Thai word that BudouX
cut weakly) badly, and between a name and its number (``Vue 3``, ``Python 3.13``) or a
number and its unit (``5 GB``, ``5000億``) almost never. :func:`break_cost` puts a number
on each, in the units of the balancer's line cost (squared relative slack, 0..1 per line),
so a cost above ~0.5 is never traded for a few pixels of evenness.

BudouX's own boundary score (the sum of its model's feature weights) is the strength of a
phrase boundary: :func:`phrase_scores` returns it per boundary; a weak boundary (score
below :data:`WEAK_SCORE`) costs more than a strong one. Pure; cost: one pass over the text.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from .script import HAN, KATAKANA, in_ranges

# Costs (the balancer's units).
GOOD = -0.15  # after sentence or clause punctuation (。！？：、，；—— …): a bonus, so evenness
#               alone never moves a break away from a clause end
CLAUSE = -0.05  # after a comma (、，,): a smaller bonus than a sentence or title end
CJK_SPACE = 0.02  # at a space (or U+3000) in CJK text: the author's own break
NORMAL = 0.1  # between words or strong phrases
HYPHEN = 0.15  # after a hyphen or slash inside a word
WEAK_PHRASE = 0.35  # a BudouX boundary it is unsure of
SCRIPT_RUN = 0.45  # inside a kana or Latin+kana run BudouX cut (ちょうど|いい)
COMPOUND = 0.9  # between two Han characters in Japanese (風景|写真), a weak one in Chinese
BOUND = 2.5  # a name and its number, a number and its unit, a Thai prefix and its word
PARTICLE = 3.0  # before 的 / 了 / 吗 …: a Chinese line never starts with a particle

WEAK_SCORE = 1000  # BudouX boundary scores below this are unsure (its scale: ~100..8000)
STRONG_SCORE = 4000  # and above this sure (Chinese: a phrase, not only a word, ends there)

PUNCT_END = frozenset("、。，．・：；？！‼⁇⁈⁉,.:;!?)]}）］｝〕〉》」』】〙〗〟’”｠»―—–")
# Chinese particles and suffixes that close the word before them (BudouX may cut before them).
_ZH_PARTICLES = frozenset("的之了吗嗎呢吧么麼着著们們")
# Particles: a one-character chunk that ends a phrase rather than starting a compound.
_ZH_FUNCTION = frozenset("的之地得是了着著过過吗嗎呢吧")
# Thai prefixes that make a noun of the word after them: การ ความ ผู้ นัก ชาว ที่.
_TH_PREFIXES = ("การ", "ความ", "ผู้", "นัก", "ชาว")
# Articles a line should not end with (they belong to the word after them).
_ARTICLES = frozenset("a an the le la les un une der die das ein eine el los las".split())
# Units a number keeps on its line (a space between them is not a break that reads).
_UNITS = frozenset(
    "% ‰ ms s min h km m cm mm kg g mg t l ml KB MB GB TB PB kB KiB MiB GiB TiB Hz kHz MHz GHz "
    "W kW MW V A mAh px pt em fps bit bits B °C °F K x × USD EUR JPY € $ ¥ 円 元 万 億 亿".split())


@lru_cache(maxsize=None)
def _model(mode: str) -> tuple[dict, int]:
    import budoux  # loaded once, lazily

    parser = {
        "ja": budoux.load_default_japanese_parser,
        "zh-Hans": budoux.load_default_simplified_chinese_parser,
        "zh-Hant": budoux.load_default_traditional_chinese_parser,
        "th": budoux.load_default_thai_parser,
    }[mode]()
    model = parser.model
    return model, -sum(sum(g.values()) for g in model.values()) // 2


def phrase_scores(text: str, mode: str) -> dict[int, int]:
    """BudouX's boundary score at every offset where it would cut ``text`` (score > 0).

    The same sums as ``budoux.Parser.parse`` (so the cut offsets are exactly its chunk
    boundaries), kept instead of thrown away. Cost: O(len(text)) dict look-ups.
    """
    model, base = _model(mode)
    g = [model.get(k, {}) for k in ("UW1", "UW2", "UW3", "UW4", "UW5", "UW6",
                                     "BW1", "BW2", "BW3", "TW1", "TW2", "TW3", "TW4")]
    uw1, uw2, uw3, uw4, uw5, uw6, bw1, bw2, bw3, tw1, tw2, tw3, tw4 = g
    n, out = len(text), {}
    for i in range(1, n):
        s = base + uw3.get(text[i - 1], 0) + uw4.get(text[i], 0) + bw2.get(text[i - 1:i + 1], 0)
        if i > 2:
            s += uw1.get(text[i - 3], 0) + tw1.get(text[i - 3:i], 0)
        if i > 1:
            s += uw2.get(text[i - 2], 0) + bw1.get(text[i - 2:i], 0) + tw2.get(text[i - 2:i + 1], 0)
        if i + 1 < n:
            s += uw5.get(text[i + 1], 0) + bw3.get(text[i:i + 2], 0) + tw3.get(text[i - 1:i + 2], 0)
        if i + 2 < n:
            s += uw6.get(text[i + 2], 0) + tw4.get(text[i:i + 3], 0)
        if s > 0:
            out[i] = s
    return out


# Words BudouX's Chinese models cut (為|何成為, 預計何|時): a second opinion, as a short
# lexicon of interrogatives and function words that are never split and start a phrase.
_ZH_WORDS = ("為什麼", "为什么", "為何", "为何", "何時", "何时", "如何", "什麼", "什么", "怎麼", "怎么",
             "哪裡", "哪里", "多少", "是否", "能否")


def adjust_scores(text: str, mode: str, scores: dict[int, int]) -> dict[int, int]:
    """Apply the second opinions to BudouX's boundaries (in place; returns ``scores``).

    Chinese: no boundary inside a word of :data:`_ZH_WORDS`, and one before it (when a
    Han character precedes it), so ``預計何時`` can break only as ``預計|何時``.
    """
    if mode.startswith("zh"):
        for word in _ZH_WORDS:
            start = text.find(word)
            while start >= 0:
                for k in range(start + 1, start + len(word)):
                    scores.pop(k, None)
                if start > 0 and _han(text[start - 1]):
                    scores[start] = max(scores.get(start, 0), WEAK_SCORE)
                start = text.find(word, start + len(word))
    return scores


def _han(ch: str) -> bool:
    return in_ranges(ord(ch), *HAN) or ch in "々〆"


def _kana(ch: str) -> bool:
    return "\u3041" <= ch <= "\u30ff" and ch not in "・゠"


def _hira(ch: str) -> bool:
    return "\u3041" <= ch <= "\u309f"


def _letter(ch: str) -> bool:
    return unicodedata.category(ch)[0] == "L"


def _next_token(text: str, pos: int) -> str:
    """The run of non-space characters starting at ``pos`` (after any spaces)."""
    while pos < len(text) and text[pos].isspace():
        pos += 1
    end = pos
    while end < len(text) and not text[end].isspace():
        end += 1
    return text[pos:end]


def _unit(token: str) -> bool:
    return token.rstrip(".,:;!?)）、。，") in _UNITS


def break_cost(text: str, pos: int, mode: str, scores: dict[int, int] | None) -> float:
    """The cost of a line break at offset ``pos`` of ``text`` (``0 < pos < len(text)``).

    ``mode`` is the breaking mode ('ja', 'zh-Hans', 'zh-Hant', 'th', 'latin'); ``scores``
    BudouX's boundary scores (:func:`phrase_scores`; None where BudouX was not asked). The
    break itself must already be allowed (UAX #14 + kinsoku); this only ranks the allowed ones.
    """
    score = scores.get(pos) if scores is not None else None
    end = pos
    while end > 0 and text[end - 1].isspace():
        end -= 1
    if not end:
        return NORMAL
    spaced = end < pos
    start = end
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    core = text[max(0, start - 8):end]  # the last token (and a little before it) is all we read
    a, b = core[-1], text[pos]
    prev_token = text[start:end]
    if a in PUNCT_END and not (a in ".," and b.isdigit()):
        return CLAUSE if a in "、，,､" else GOOD
    if a in "-‐/–" and not spaced:
        stem = prev_token.rstrip("-‐/–")
        # a one- or two-letter prefix stays on its word (ל-Python, e-mail, x-ray)
        return BOUND if 0 < len(stem) <= 2 and all(_letter(c) for c in stem) else HYPHEN
    if spaced:  # a break at a space
        nxt = _next_token(text, pos)
        if b.isdigit() and prev_token and _letter(prev_token[-1]):
            return BOUND  # Vue 3, Python 3.13, MySQL 8, iOS 18
        if prev_token[-1:].isdigit() and _unit(nxt):
            return BOUND  # 5 GB, 10 ms, 100 %
        if prev_token.lower() in _ARTICLES:
            return WEAK_PHRASE  # "… for a | global audience": an article stays with its noun
        return CJK_SPACE if mode != "latin" and any(_han(c) or _kana(c) for c in core[-2:] + b) else NORMAL
    if a.isdigit() and (_han(b) or _unit(_next_token(text, pos))):
        return BOUND  # 5000億, 95%, 3倍: a number and its unit
    if mode.startswith("zh") and b in _ZH_PARTICLES:
        return PARTICLE
    if mode == "th" and any(core.endswith(p) for p in _TH_PREFIXES):
        return BOUND
    weak = score is not None and score < WEAK_SCORE
    if mode == "ja":  # BudouX's weak cuts between scripts are bunsetsu ends: keep them cheap
        if _han(a) and _han(b):
            return COMPOUND  # 風景|写真
        if _hira(a) and _hira(b):
            return COMPOUND if weak else WEAK_PHRASE  # ちょうど|いい, 小さく|する
        if in_ranges(ord(a), *KATAKANA) and _han(b):
            return COMPOUND if weak else SCRIPT_RUN  # オープンソース|革命
        return NORMAL
    if mode.startswith("zh") and _han(a) and _han(b):
        single = a not in _ZH_FUNCTION and scores is not None and (
            pos - 1 in scores or pos == 1 or not _han(text[pos - 2]))
        if weak or single:
            return COMPOUND  # 多|模态, 人|工智能: a one-character chunk, or BudouX unsure
        # BudouX's Chinese boundaries between two Han are words, not always phrases:
        # only its confident ones (的|工作, 改变|我们) are as cheap as a phrase boundary
        return NORMAL if score is not None and score >= STRONG_SCORE else WEAK_PHRASE
    if mode == "th" and weak:
        return COMPOUND  # เริ่ม|ต้น: BudouX unsure inside a Thai word
    return WEAK_PHRASE if weak else NORMAL
