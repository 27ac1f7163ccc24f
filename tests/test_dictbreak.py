"""Khmer, Lao and Myanmar word breaks from ICU's word lists (ogimage/typeset/dictbreak.py).

These scripts have no spaces between words: a line may break between two dictionary words
and nowhere else inside a run. Checked on the lists, on known segmentations, on the
syllable rules every cut obeys, and through segments().
"""

from __future__ import annotations

import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ogimage.typeset import dictbreak
from ogimage.typeset.costs import COMPOUND, NORMAL
from ogimage.typeset.segment import segments

ROOT = Path(__file__).resolve().parent.parent


def _words(text: str) -> list[str]:
    cuts = sorted(dictbreak.word_bounds(text))
    return [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)])]


@pytest.mark.parametrize("lang", ["km", "lo", "my"])
def test_the_lists_are_sorted_and_hold_their_words(lang) -> None:
    words = dictbreak.WordList.load(lang)
    assert len(words) > 25_000
    sample = [words[k] for k in range(0, len(words), 997)]
    assert sample == sorted(sample) and all(sample)
    probe = {"km": "កម្មវិធី", "lo": "ພາສາ", "my": "သတင်း"}[lang]
    assert len(probe) in words.prefixes(probe + probe, 0)


@pytest.mark.parametrize(("text", "expected"), [
    # ICU's own cut of the example (it splits ភាសា|ខ្មែរ; the list holds ភាសាខ្មែរ whole)
    ("រៀនសរសេរកម្មវិធីជាភាសាខ្មែរ", ["រៀន", "សរសេរ", "កម្មវិធី", "ជា", "ភាសាខ្មែរ"]),
    ("ព័ត៌មានបច្ចេកវិទ្យាថ្មីៗសម្រាប់អ្នកអភិវឌ្ឍន៍កម្មវិធីនៅកម្ពុជា",
     ["ព័ត៌មាន", "បច្ចេកវិទ្យា", "ថ្មីៗ", "សម្រាប់", "អ្នក", "អភិវឌ្ឍន៍", "កម្មវិធី", "នៅ", "កម្ពុជា"]),
    ("ຂ່າວເຕັກໂນໂລຊີໃໝ່ສຳລັບນັກພັດທະນາຊອບແວໃນລາວ",
     ["ຂ່າວ", "ເຕັກ", "ໂນ", "ໂລ", "ຊີ", "ໃໝ່", "ສຳລັບ", "ນັກ", "ພັດທະນາ", "ຊອບ", "ແວ", "ໃນ", "ລາວ"]),
    ("နည်းပညာသတင်းများ", ["နည်း", "ပညာ", "သတင်း", "များ"]),
    ("Hello, world", ["Hello, world"]),
])
def test_known_segmentations(text, expected) -> None:
    assert _words(text) == expected


def test_a_loan_word_the_list_lacks_falls_apart_but_its_cuts_are_dear() -> None:
    bounds = dictbreak.word_bounds("ໂປຣແກຣມເປັນ")  # "program": not in the Lao list
    inside = [cost for pos, cost in bounds.items() if pos < len("ໂປຣແກຣມ")]
    assert inside and min(inside) > NORMAL and max(inside) >= COMPOUND - 1e-9


_KM = [chr(c) for c in range(0x1780, 0x17DD) if unicodedata.category(chr(c))[0] in "LM"]
_MY = [chr(c) for c in range(0x1000, 0x104A) if unicodedata.category(chr(c))[0] in "LM"]


@given(st.one_of(st.lists(st.sampled_from(_KM + [" "]), max_size=30), st.lists(st.sampled_from(_MY + [" "]), max_size=30)))
@settings(max_examples=300, deadline=None)
def test_every_cut_falls_between_syllables(chars) -> None:
    text = "".join(chars)
    for pos in dictbreak.word_bounds(text):
        assert 0 < pos < len(text)
        after, before = text[pos], text[pos - 1]
        assert not unicodedata.category(after).startswith("M")  # never before a mark
        assert before not in "\u17d2\u1039" and after != "\u17d7"  # not after coeng/stacker, not before ៗ
        nxt = text[pos + 1:pos + 2]
        assert nxt not in ("\u103a", "\u17cd")  # a consonant an asat kills closes the syllable before


def test_segments_break_only_between_words() -> None:
    text = "រៀនសរសេរកម្មវិធីជាភាសាខ្មែរ"
    assert [s.text for s in segments(text, "km")] == ["រៀន", "សរសេរ", "កម្មវិធី", "ជា", "ភាសាខ្មែរ"]
    # Myanmar spaces stay the author's breaks, and cost no more than a word boundary
    units = segments("မြန်မာဘာသာဖြင့် ပရိုဂရမ်", "my")
    spaced = next(s for s in units if s.text.endswith(" "))
    assert spaced.cost <= min(s.cost for s in units[:-1])


@pytest.mark.skipif(not Path("/usr/lib/x86_64-linux-gnu/libicudata.so.72").exists(),
                    reason="needs Debian's libicu72 (the data the lists were decoded from)")
def test_the_bundled_lists_are_what_the_script_decodes() -> None:
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "build_dictionaries.py"), "--check"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "changed: nothing" in done.stdout


def test_the_licence_is_bundled_beside_the_lists() -> None:
    text = (ROOT / "ogimage" / "typeset" / "dictionaries" / "LICENSE").read_text(encoding="utf-8")
    assert "UNICODE, INC. LICENSE AGREEMENT" in text and "Lao Word Break Dictionary" in text
    assert "Burmese Word Break Dictionary" in text
