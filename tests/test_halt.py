"""JLREQ line-edge spacing through the CJK face's own `halt` feature (ogimage/fonts/halt.py).

A line starting with 「 is not indented by the bracket's blank half; a line ending with
、。：」 is not measured with an invisible half-em. Checked on the trims, on the layout and on
the decoded PNG (where the first line's ink starts).
"""

from __future__ import annotations

import pytest

from pixels import decode, ink_bbox

TITLE = "「監督付きファインチューニング」は終わるのか。推論モデルとプロセス報酬の最前線"


@pytest.mark.parametrize(("text", "trims"), [
    ("「監督", (32.0, 0.0)), ("終わるのか。", (0.0, 32.0)), ("「括弧」", (32.0, 32.0)),
    ("Hello.", (0.0, 0.0)), ("（2026年版）", (32.0, 32.0)), ("中（", (0.0, 0.0)),
])
def test_trims_are_the_blank_half_em_at_64_px(engine, text, trims) -> None:
    assert engine.fonts.edge_trims(text, "Inter", "bold", "ja", 64) == pytest.approx(trims)


def test_a_trim_never_exceeds_the_blank_beside_the_ink(engine) -> None:
    # the traditional Chinese face centres 。: less than half an em is blank on its right
    left, right = engine.fonts.edge_trims("終。", "Inter", "bold", "zh-Hant", 64)
    assert left == 0 and 0 < right < 32


def _first_line_ink(engine, card, layout):
    box = layout["boxes"]["title"]
    line = box["lines"][0]
    top, bottom = int(line["y"]), int(line["y"] + box["line_height"])
    return ink_bbox(engine, card, decode(engine.render(card)), (0, top, 1200, bottom))


def test_a_line_that_starts_with_a_bracket_is_not_indented(engine) -> None:
    card = engine.card({"title": TITLE}, "plain")
    layout = engine.layout(card)
    box = layout["boxes"]["title"]
    first = box["lines"][0]
    # halt's half em, then the ink alignment's bearing (tests/test_ink_align.py)
    assert first["text"].startswith("「") and box["box"]["x"] - 32 - 13 < first["x"] < box["box"]["x"] - 32
    ink = _first_line_ink(engine, card, layout)
    # before: the bracket's blank half put its ink at x≈121 (80 + 32 + its own bearing)
    assert abs(ink[0] - box["box"]["x"]) <= 1


def test_a_line_that_ends_with_a_stop_is_measured_without_its_blank_half(engine) -> None:
    layout = engine.layout(engine.card({"title": TITLE}, "plain"))
    line = next(ln for ln in layout["boxes"]["title"]["lines"] if ln["text"].endswith("。"))
    full = engine.fonts.measurer("Inter", "bold", "ja")(line["text"], 64)
    assert line["width"] == pytest.approx(full - 32, abs=0.01)  # the JSON rounds to 0.01 px
