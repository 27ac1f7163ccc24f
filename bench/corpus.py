"""The title sets of the benchmarks, each title with its script group.

Titles come from ``bench/data/titles.tsv`` (``lang<TAB>title``) and
``bench/data/peers.txt`` (the peers harness's 24 titles, one a line, no language).
Groups: ``ja``, ``zh-Hans``, ``zh-Hant``, ``ko``, ``en``, ``mixed``, ``emoji``, ``rtl/other``.

- A titles.tsv row keeps its language, except ``en`` rows with emoji (``emoji``) and
  every other script (``ar``, ``he``, ``th``, ``ru``, ``el``, ``vi``: ``rtl/other``).
- A peers.txt line is classified here: any emoji -> ``emoji``; CJK text whose letters
  are 40 % or more Latin -> ``mixed``; else kana -> ``ja``, Hangul -> ``ko``, Han ->
  ``zh-Hant``/``zh-Hans`` (by counts of a few traditional-only and simplified-only characters); Latin -> ``en``.

    python bench/corpus.py     # prints every title with its group
"""

from __future__ import annotations

import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import DATA  # noqa: E402

GROUPS = ("ja", "zh-Hans", "zh-Hant", "ko", "en", "mixed", "emoji", "rtl/other")
_KEEP = {"ja", "zh-Hans", "zh-Hant", "ko", "en", "mixed"}
# Characters that only traditional Chinese uses, common in tech titles.
_TRAD = set("灣體產業個來與戰從開發網頁應資庫實維護專長穩們這說為導區會國學習據點讓邊問題類優際裡壓縮圖畫價錢買賣")
# ... and that only simplified Chinese uses.
_SIMP = set("湾体产业个来与战从开发网页应资库实维护专长稳们这说为导区会国学习据点让边问题类优际里压缩图画价钱买卖")
# Latin letters at or above this share of all letters make a CJK title "mixed".
MIXED_LATIN_SHARE = 0.4


@dataclass(frozen=True)
class Title:
    """A reference title, its script group and where it came from (``tsv`` or ``peers``)."""

    text: str
    group: str
    source: str


def is_emoji(ch: str) -> bool:
    """Pictographic emoji (the ranges the titles use), not CJK symbols or punctuation."""
    cp = ord(ch)
    return 0x1F000 <= cp <= 0x1FAFF or 0x2600 <= cp <= 0x27BF or 0x1F900 <= cp <= 0x1F9FF


def _script(ch: str) -> str:
    cp = ord(ch)
    if 0x3040 <= cp <= 0x30FF or 0x31F0 <= cp <= 0x31FF or 0xFF66 <= cp <= 0xFF9F:
        return "kana"
    if 0xAC00 <= cp <= 0xD7AF or 0x1100 <= cp <= 0x11FF or 0x3130 <= cp <= 0x318F:
        return "hangul"
    if 0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0xF900 <= cp <= 0xFAFF:
        return "han"
    if cp < 0x0250 or 0x1E00 <= cp <= 0x1EFF or 0xFF21 <= cp <= 0xFF5A:
        return "latin"
    return "other"


def classify(text: str) -> str:
    """The script group of a title with no language given (see the module doc)."""
    if any(is_emoji(ch) for ch in text):
        return "emoji"
    counts: dict[str, int] = {}
    for ch in text:
        if unicodedata.category(ch).startswith("L"):
            s = _script(ch)
            counts[s] = counts.get(s, 0) + 1
    letters = sum(counts.values()) or 1
    cjk = counts.get("kana", 0) + counts.get("hangul", 0) + counts.get("han", 0)
    if cjk and counts.get("latin", 0) / letters >= MIXED_LATIN_SHARE:
        return "mixed"
    if counts.get("kana"):
        return "ja"
    if counts.get("hangul"):
        return "ko"
    if counts.get("han"):
        trad = sum(ch in _TRAD for ch in text)
        return "zh-Hant" if trad > sum(ch in _SIMP for ch in text) else "zh-Hans"
    if counts.get("other", 0) > counts.get("latin", 0):
        return "rtl/other"
    return "en"


def group_of(lang: str, text: str) -> str:
    """The script group of a titles.tsv row."""
    if lang == "en" and any(is_emoji(ch) for ch in text):
        return "emoji"
    return lang if lang in _KEEP else "rtl/other"


def load_tsv(path: Path = DATA / "titles.tsv") -> list[Title]:
    out = []
    for row in path.read_text("utf-8").splitlines():
        if row.strip() and not row.startswith("#"):
            lang, _, text = row.partition("\t")
            out.append(Title(text, group_of(lang.strip(), text), "tsv"))
    return out


def load_peers(path: Path = DATA / "peers.txt") -> list[Title]:
    return [Title(t.strip(), classify(t.strip()), "peers") for t in path.read_text("utf-8").splitlines() if t.strip()]


def load_all(peers: Path | None = None) -> list[Title]:
    """titles.tsv, then the peers' titles (``peers`` overrides bench/data/peers.txt)."""
    return load_tsv() + load_peers(peers or DATA / "peers.txt")


def distinct(text: str, n: int) -> str:
    """``text`` made unique by a counter word, so no earlier card's text is reused."""
    return f"{text} #{n}"


def main() -> int:
    titles = load_all()
    for t in titles:
        print(f"{t.group:10} {t.source:6} {t.text}")
    counts = {g: sum(t.group == g for t in titles) for g in GROUPS}
    print("\n" + ", ".join(f"{g}: {n}" for g, n in counts.items()) + f"  ({len(titles)} titles)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
