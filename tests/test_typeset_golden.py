"""Golden line-break tests in the BudouX style: tests/golden/<lang>.tsv.

Each row: a box width in em, the expected text with ``▁`` at each line break, and
optionally ``xfail: why`` where a typesetter's judgement and the engine still disagree.

The measure is synthetic and font-independent (tests/typeset_measures.py): a grapheme
advances 1.0 em if the East Asian Width of its first code point is W or F, a space
0.28 em, anything else 0.55 em. The box is ``width * 100`` px at a fixed size of 100 px
(1 em = 100 px), with room for 20 lines, so only line breaking is under test.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ogimage.typeset import BoxSpec, fit
from typeset_measures import em_measure

GOLDEN = Path(__file__).parent / "golden"
LANGS = {"ja": "ja", "zh-Hans": "zh-Hans", "zh-Hant": "zh-Hant", "ko": "ko", "th": "th",
         "en": "en", "mixed": None, "scripts": None}


def _cases():
    for name, lang in LANGS.items():
        for n, row in enumerate((GOLDEN / f"{name}.tsv").read_text("utf-8").splitlines(), 1):
            if not row.strip() or row.startswith("#"):
                continue
            cols = row.split("\t")
            marks = [pytest.mark.xfail(reason=cols[2], strict=True)] if len(cols) > 2 else []
            yield pytest.param(lang, float(cols[0]), cols[1], marks=marks, id=f"{name}:{n}")


@pytest.mark.parametrize("lang,width,expected", list(_cases()))
def test_golden_breaks(lang, width, expected):
    text = expected.replace("▁", "")
    layout = fit(text, BoxSpec(width * 100, 100, 100, 20), em_measure, lang)
    assert [line.text for line in layout.lines] == [s.strip(" ") for s in expected.split("▁")]
    assert not layout.truncated


def test_every_sample_title_is_golden():
    samples = Path(__file__).parent / "data" / "titles.tsv"
    golden = {row.split("\t")[1].replace("▁", "") for f in GOLDEN.glob("*.tsv")
              for row in f.read_text("utf-8").splitlines() if row and not row.startswith("#")}
    for row in samples.read_text("utf-8").splitlines():
        if row and not row.startswith("#"):
            assert row.split("\t")[1] in golden, row
