"""Language of a text from its characters: a BCP 47-ish guess good enough to pick faces and breaks.

Pure and table-driven: kana -> ja, hangul -> ko, Han -> zh-Hans / zh-Hant (by characters
whose simplified and traditional forms differ) or ja (by characters only Japanese writes:
kokuji and shinjitai forms), every other script by its block, Latin with the letters only
Vietnamese uses -> vi, else en. Cost: one pass over the text, no allocation per character.
"""

from __future__ import annotations

from bisect import bisect_right

from .script import HAN, HANGUL, KANA, KATAKANA, in_ranges

# Script blocks -> the language a run in them is shaped with (the most used one).
SCRIPTS: tuple[tuple[str, tuple[tuple[int, int], ...]], ...] = (
    ("th", ((0x0E00, 0x0E7F),)),
    ("lo", ((0x0E80, 0x0EFF),)),
    ("km", ((0x1780, 0x17FF), (0x19E0, 0x19FF))),
    ("my", ((0x1000, 0x109F), (0xA9E0, 0xA9FF), (0xAA60, 0xAA7F))),
    ("ar", ((0x0600, 0x06FF), (0x0750, 0x077F), (0x08A0, 0x08FF), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF))),
    ("he", ((0x0590, 0x05FF), (0xFB1D, 0xFB4F))),
    ("hi", ((0x0900, 0x097F), (0xA8E0, 0xA8FF))),
    ("bn", ((0x0980, 0x09FF),)),
    ("pa", ((0x0A00, 0x0A7F),)),
    ("gu", ((0x0A80, 0x0AFF),)),
    ("ta", ((0x0B80, 0x0BFF), (0x11FC0, 0x11FFF))),
    ("te", ((0x0C00, 0x0C7F),)),
    ("kn", ((0x0C80, 0x0CFF),)),
    ("ml", ((0x0D00, 0x0D7F),)),
    ("si", ((0x0D80, 0x0DFF),)),
    ("am", ((0x1200, 0x139F), (0x2D80, 0x2DDF), (0xAB00, 0xAB2F))),
    ("ka", ((0x10A0, 0x10FF), (0x2D00, 0x2D2F), (0x1C90, 0x1CBF))),
    ("hy", ((0x0530, 0x058F), (0xFB13, 0xFB17))),
    ("ru", ((0x0400, 0x052F),)),
    ("el", ((0x0370, 0x03FF), (0x1F00, 0x1FFF))),
)

# Common characters whose simplified and traditional forms differ (pairs, same order).
_SIMP = "这们来个为说时会对发过还学国经动两没开关长现实问题间种让从见进东义与产业应当边头样认请员给级变听总红单结数条识观运难达门华专务机构设计网页库战传统导体湾压缩术综习领赶闭据吗创试验键异维护稳软显标准语词汇读写钱银买卖层态势龙马鸟鱼车轮飞电话线处图书馆历简"
_TRAD = "這們來個為說時會對發過還學國經動兩沒開關長現實問題間種讓從見進東義與產業應當邊頭樣認請員給級變聽總紅單結數條識觀運難達門華專務機構設計網頁庫戰傳統導體灣壓縮術綜習領趕閉據嗎創試驗鍵異維護穩軟顯標準語詞彙讀寫錢銀買賣層態勢龍馬鳥魚車輪飛電話線處圖書館歷簡"
SIMP_ONLY = frozenset(s for s, t in zip(_SIMP, _TRAD) if s != t)
TRAD_ONLY = frozenset(t for s, t in zip(_SIMP, _TRAD) if s != t)
# Written in Japanese only: kokuji and shinjitai forms that are neither simplified nor
# traditional Chinese (込 働 畑; 駅 広 気 図 読 売 …), and the iteration mark 々.
JA_ONLY = frozenset(
    "込働畑峠辻匂枠栃噺凪裃躾榊笹鰯鱈鴫麿雫"
    "駅広気図読売経楽実様変対発関検験続転鉄県辺拡権価済総択戦営労挙薬焼乗帰単恵徳黒悪処隠険剣"
    "桜沢浜渋弾駆覧応巻圧囲伝仏歳専効勧継円縦鋭覚挿捜揺歓観暦絵継縁涙閲謡"
    "々"
)
# Letters only Vietnamese uses among Latin scripts (ơ ư and the stacked tone marks;
# ă â đ are shared with Romanian, French, Croatian).
_VI = frozenset("ơưƠƯ") | frozenset(chr(c) for c in range(0x1EA0, 0x1EFA))


_BLOCKS = sorted((lo, hi, lang) for lang, ranges in SCRIPTS for lo, hi in ranges)
_STARTS = [lo for lo, _, _ in _BLOCKS]


def _script_lang(cp: int) -> str | None:
    """The language of the script block holding ``cp`` (binary search), or None."""
    k = bisect_right(_STARTS, cp) - 1
    if k >= 0 and cp <= _BLOCKS[k][1]:
        return _BLOCKS[k][2]
    return None


def detect_lang(text: str) -> str:
    """A BCP 47-ish guess from the characters of ``text`` (see the module docstring).

    Kana -> ``ja`` and hangul -> ``ko`` at once; Han -> ``ja`` when a Japanese-only
    character outnumbers the simplified and traditional ones, else ``zh-Hant`` when
    traditional forms outnumber simplified ones, else ``zh-Hans``; otherwise the script
    with most characters; Latin with Vietnamese letters -> ``vi``; else ``en``.
    """
    han = simp = trad = ja = vi = 0
    counts: dict[str, int] = {}
    for ch in text:
        cp = ord(ch)
        if cp < 0x0370:
            vi += ch in _VI
            continue
        if in_ranges(cp, *KANA):
            return "ja"
        if in_ranges(cp, *HANGUL):
            return "ko"
        if in_ranges(cp, *HAN) or ch == "々":
            han += 1
            simp += ch in SIMP_ONLY
            trad += ch in TRAD_ONLY
            ja += ch in JA_ONLY
            continue
        if 0x1EA0 <= cp <= 0x1EF9:
            vi += 1
            continue
        lang = _script_lang(cp)
        if lang is not None:
            counts[lang] = counts.get(lang, 0) + 1
    if han:
        if ja > simp and ja >= trad:
            return "ja"
        return "zh-Hant" if trad > simp else "zh-Hans"
    if counts:
        return max(counts, key=counts.__getitem__)
    return "vi" if vi else "en"
