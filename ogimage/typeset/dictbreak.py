"""Word breaks for Khmer, Lao and Myanmar from word lists: scripts written without spaces.

A line may break between two words of these scripts and nowhere else inside a run of
them (UAX #14 class SA: "needs a dictionary"). The words come from ICU's word break
dictionaries (``dictionaries/{km,lo,my}.txt.xz``, decoded by scripts/build_dictionaries.py,
Unicode licence, see ``dictionaries/LICENSE``), and a run is cut the way ICU's dictionary
break engines aim to: the segmentation into the fewest dictionary words (maximal matching,
a dynamic programme over the run, so a long word that would strand the rest loses to two
that cover it all), where a stretch no word covers counts as two words per syllable and
stays whole (no break inside an unknown name or loan word).

A cut falls only between syllables: never before a combining mark or a repetition mark
(ៗ ໆ), after a Khmer coeng or the Myanmar stacker (the next consonant is stacked under
this one), after a Lao preposed vowel (it belongs to the consonant after it), nor before
a consonant that an asat, stacker, toandakhiat or viriam makes the final of the syllable
before (ဆော့ဖ်, អភិវឌ្ឍន៍).

Cost: a list is loaded the first time its script is seen (~25 ms for Khmer, 80,000 words;
kept as one string and an offset table: 1.8 MB, Lao 0.6, Myanmar 1.0); a title's run then costs a few binary
searches per character (well under a millisecond for a title).
"""

from __future__ import annotations

import bisect
import lzma
import re
import threading
import unicodedata
from array import array
from itertools import pairwise
from pathlib import Path

from .costs import COMPOUND, NORMAL, WEAK_PHRASE

__all__ = ["SCRIPT_RANGES", "WordList", "word_bounds"]

SCRIPT_RANGES: dict[str, tuple[tuple[int, int], ...]] = {
    "km": ((0x1780, 0x17FF), (0x19E0, 0x19FF)),
    "lo": ((0x0E80, 0x0EFF),),
    "my": ((0x1000, 0x109F), (0xA9E0, 0xA9FF), (0xAA60, 0xAA7F)),
}


def _letters(ranges: tuple[tuple[int, int], ...]) -> str:
    """A character class of the letters and marks in ``ranges`` (not digits or punctuation)."""
    chars = (chr(cp) for a, b in ranges for cp in range(a, b + 1))
    return "".join(re.escape(c) for c in chars if unicodedata.category(c)[0] in "LM")


_RUNS = {lang: re.compile(f"[{_letters(ranges)}]+") for lang, ranges in SCRIPT_RANGES.items()}
_ANY = re.compile("|".join(p.pattern for p in _RUNS.values()))
_NO_CUT_AFTER = frozenset("\u17d2\u1039\u0ec0\u0ec1\u0ec2\u0ec3\u0ec4\u200d")  # coeng, stacker, Lao preposed vowels
_NO_CUT_BEFORE = frozenset("\u17d7\u0ec6\u200c\u200d")  # repetition marks (ៗ ໆ) stay on their word
# A consonant these follow (after any other marks) closes the syllable before it: Myanmar
# asat and stacker (ဆော့ဖ်, ကမ္ဘာ), Khmer toandakhiat and viriam (អភិវឌ្ឍន៍).
_KILLERS = frozenset("\u103a\u1039\u17cd\u17d1")
_UNKNOWN = 2.0  # a syllable no word covers costs this many words
_FOLDER = Path(__file__).resolve().parent / "dictionaries"


class WordList:
    """A sorted word list held as one string and an offset table (``words[k]`` is word k)."""

    def __init__(self, text: str) -> None:
        if not text.endswith("\n"):
            text += "\n"
        self._text = text
        self._starts = array("I", [0])
        self._starts.extend(m.end() for m in re.finditer("\n", text))  # no list of 80,000 strings
        self._n = len(self._starts) - 1
        self.longest = max((b - a for a, b in pairwise(self._starts)), default=1) - 1

    @classmethod
    def load(cls, lang: str) -> WordList:
        """The bundled list of ``lang`` (``km``, ``lo`` or ``my``)."""
        return cls(lzma.decompress((_FOLDER / f"{lang}.txt.xz").read_bytes()).decode("utf-8"))

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, k: int) -> str:
        return self._text[self._starts[k]:self._starts[k + 1] - 1]

    def prefixes(self, text: str, start: int) -> list[int]:
        """Lengths of the words that ``text[start:]`` begins with, shortest first."""
        out = []
        lo, hi = 0, self._n
        for end in range(start + 1, min(len(text), start + self.longest) + 1):
            p = text[start:end]
            lo = bisect.bisect_left(self, p, lo, hi)
            hi = bisect.bisect_left(self, p + "\U0010ffff", lo, hi)
            if lo >= hi:
                break
            if self[lo] == p:
                out.append(end - start)
        return out


_lists: dict[str, WordList] = {}
_lock = threading.Lock()


def _words(lang: str) -> WordList:
    wl = _lists.get(lang)
    if wl is None:
        with _lock:
            wl = _lists.get(lang)
            if wl is None:
                wl = _lists[lang] = WordList.load(lang)
    return wl


def _cuttable(run: str) -> list[bool]:
    """For each offset 0..len(run): may a word start there (a syllable boundary)?"""
    n = len(run)
    mark = [unicodedata.category(c).startswith("M") for c in run]
    ok = [True] * (n + 1)
    for j in range(1, n):
        ok[j] = not mark[j] and run[j - 1] not in _NO_CUT_AFTER and run[j] not in _NO_CUT_BEFORE
        k = j + 1
        while ok[j] and k < n and mark[k]:
            ok[j] = run[k] not in _KILLERS
            k += 1
    return ok


def segment_run(run: str, words: WordList) -> list[int]:
    """Offsets inside ``run`` (one script, no spaces) where one word ends and the next begins."""
    n = len(run)
    ok = _cuttable(run)
    best = [float("inf")] * (n + 1)
    back: list[tuple[int, bool]] = [(0, False)] * (n + 1)  # (start of the last piece, unknown?)
    best[0] = 0.0
    for i in range(n):
        if best[i] == float("inf") or not ok[i]:
            continue
        for length in words.prefixes(run, i):
            j = i + length
            if ok[j] and best[i] + 1 < best[j]:
                best[j], back[j] = best[i] + 1, (i, False)
        j = next(k for k in range(i + 1, n + 1) if ok[k])  # one syllable no word covers
        if best[i] + _UNKNOWN < best[j]:
            best[j], back[j] = best[i] + _UNKNOWN, (i, True)
    cuts, j, after_unknown = [], n, False
    while j > 0:
        i, unknown = back[j]
        if j < n and not (unknown and after_unknown):
            cuts.append(j)
        j, after_unknown = i, unknown
    return sorted(cuts)


def word_bounds(text: str) -> dict[int, float]:
    """Offsets in ``text`` where a word of a Khmer, Lao or Myanmar run ends and another of
    the same run begins (a line may break there), each with the cost of a line break there
    (costs.py): NORMAL between two words of two syllables or more, WEAK_PHRASE beside a
    one-syllable word, COMPOUND between two (a loan word the list does not hold falls
    apart into such pieces: ໂປ|ຣ|ແກ|ຣມ, ပ|ရို|ဂရမ်). Empty when the text has none."""
    if _ANY.search(text) is None:
        return {}
    out: dict[int, float] = {}
    for lang, pattern in _RUNS.items():
        for m in pattern.finditer(text):
            if m.end() - m.start() < 2:
                continue
            run = m.group(0)
            cuts = segment_run(run, _words(lang))
            ok = _cuttable(run)
            edges = [0, *cuts, len(run)]
            units = [sum(ok[edges[k]:edges[k + 1]]) for k in range(len(edges) - 1)]  # syllables, roughly
            for k, cut in enumerate(cuts, 1):
                a, b = units[k - 1], units[k]
                cost = NORMAL if min(a, b) >= 2 else WEAK_PHRASE if max(a, b) >= 2 else COMPOUND
                out[m.start() + cut] = cost
    return out
