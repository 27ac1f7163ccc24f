"""JLREQ spacing inside a line: adjacent full-width punctuation half-width (ogimage/fonts/chws.py).

``」「``, ``）、``, ``。」`` leave half an em between their inks instead of a full em, through
the CJK face's own ``halt`` glyph positions applied in context, in measuring (HarfBuzz)
and drawing (raqm) alike. Checked on the rule, on measured widths and on decoded PNGs.
"""

from __future__ import annotations

import pytest

from ogimage.fonts.chws import halved_marks
from pixels import title_line_inks


@pytest.mark.parametrize(("text", "marks"), [
    ("字」「字", (1,)),          # closing then opening: the closing bracket
    ("字。」字", (1,)),          # closing then closing: the first
    ("字）、字", (1,)),
    ("（「字", (1,)),            # opening then opening: the second
    ("（「字」）、", (1, 3, 4)),
    ("字」字「字", ()),          # not adjacent
    ("Hello, world.", ()),
    ("字：「字", ()),            # a centred colon is not compressed
])
def test_the_rule_names_the_marks_jlreq_sets_half_width(text, marks) -> None:
    assert halved_marks(text) == marks


@pytest.mark.parametrize("lang", ["ja", "zh-Hans", "zh-Hant"])
def test_a_bracket_pair_inside_a_line_is_half_an_em_narrower(engine, lang) -> None:
    measure = engine.fonts.measurer("Inter", "bold", lang)
    # each half alone has no pair, so their sum is the width without contextual spacing
    alone = measure("監督」", 64) + measure("「推論", 64)
    assert measure("監督」「推論", 64) == pytest.approx(alone - 32, abs=0.5)


def test_stop_before_a_bracket_is_halved_only_where_the_face_leaves_room(engine) -> None:
    ja = engine.fonts.measurer("Inter", "bold", "ja")
    assert ja("終わる。」", 64) == pytest.approx(ja("終わる。", 64) + ja("」", 64) - 32, abs=0.5)
    # traditional Chinese centres 。: halving it would overlap its ink, so it keeps its em
    tc = engine.fonts.measurer("Inter", "bold", "zh-Hant")
    assert tc("終。」", 64) == pytest.approx(tc("終。", 64) + tc("」", 64), abs=0.5)


def test_drawn_ink_spans_the_measured_width(engine) -> None:
    """A line with two 」「 pairs: its ink ends where its measured width says, so
    measuring and drawing applied the same spacing (a difference would be 32 px a pair)."""
    title = "「入門」「実践」「応用」の三部作"
    card = engine.card({"title": title, "lang": "ja"}, "plain")
    (line, ink), = title_line_inks(engine, card)[1]
    measure = engine.fonts.measurer("Inter", "bold", "ja")
    # two pairs halved, and the opening bracket's blank half dropped at the line start
    assert line["text"] == title and line["width"] == pytest.approx(16 * 64 - 2 * 32 - 32, abs=0.5)
    left, right = ink[0], ink[2]
    assert abs(left - 80) <= 1  # halt and ink alignment at the start: the bracket's ink meets the box
    # the last glyph (作) has a few px of side bearing; a missing or extra half-em would be 32
    assert line["x"] + 32 + line["width"] - 8 <= right <= line["x"] + 32 + line["width"] + 1
