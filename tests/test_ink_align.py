"""Ink alignment (ogimage/fonts/ink.py, cardlayout._pen_x): lines align on their glyphs' ink.

A left-aligned line's leftmost ink column is the box's x, whatever its first glyph (a
Latin capital with a side bearing, a Han character, 「 after its halt trim); a
right-aligned line's rightmost ink is the box's right edge, and so is a Hebrew or Arabic
line's; runs shaped whole (Devanagari, Thai, Arabic) are measured as drawn.
Checked on decoded PNGs.
"""

from __future__ import annotations

import pytest

from ogimage.cardlayout import INK_SHIFT_MAX_EM
from pixels import title_line_inks

LATIN = "How Immutable Linked Lists Help Build Fast Interpreters in Rust"
CJK = "開発者のための大規模言語モデル推論の最適化と量子化の実践ガイド"
BRACKET = "「監督付きファインチューニング」は終わるのか。推論モデルとプロセス報酬の最前線"


COMPLEX = ["अगली लड़ाई तर्क क्षमता की है: ट्रांसफ़ॉर्मर के बाद क्या आएगा और कौन जीतेगा",  # shaped whole
           "คู่มือสำหรับผู้เริ่มต้นเขียนโปรแกรมภาษาไพทอนฉบับสมบูรณ์สำหรับทุกคน"]


@pytest.mark.parametrize("title", [LATIN, CJK, BRACKET, *COMPLEX])
@pytest.mark.parametrize("template", ["plain", "default"])
def test_every_left_aligned_line_starts_at_the_box_edge(engine, template, title) -> None:
    box, inks = title_line_inks(engine, engine.card({"title": title}, template), inset=2)
    assert len(inks) >= 2
    for line, ink in inks:
        assert abs(ink[0] - box["box"]["x"]) <= 1, (line["text"], ink)


def test_the_bracket_line_was_the_hard_case(engine) -> None:
    """Without ink alignment the 「 line's ink started 9 px in (halt alone): the shift is real."""
    box, inks = title_line_inks(engine, engine.card({"title": BRACKET}, "plain"), inset=2)
    line = inks[0][0]
    assert line["text"].startswith("「")
    assert box["box"]["x"] - 32 - INK_SHIFT_MAX_EM * 64 <= line["x"] < box["box"]["x"] - 32 - 6


def test_a_right_aligned_line_ends_at_the_box_edge(tmp_path) -> None:
    from ogimage.engine import Engine
    from ogimage.resources import assets_dir

    text = (assets_dir() / "templates" / "plain.toml").read_text(encoding="utf-8")
    assert 'weight = "bold"\ncolor = "#f8fafc"' in text
    (tmp_path / "right.toml").write_text(
        text.replace('weight = "bold"\ncolor = "#f8fafc"', 'weight = "bold"\ncolor = "#f8fafc"\nalign = "right"', 1),
        encoding="utf-8")
    right = Engine(template_dirs=[tmp_path])
    box, inks = title_line_inks(right, right.card({"title": LATIN + " 字。"}, "right"), inset=2)
    edge = box["box"]["x"] + box["box"]["width"]
    for line, ink in inks:
        assert abs(ink[2] - edge) <= 1, (line["text"], ink)


def test_the_shift_is_bounded(engine) -> None:
    """Never more than INK_SHIFT_MAX_EM beyond the halt trim, and none for a space."""
    book = engine.fonts
    assert book.ink_sides(" ", "Inter", "bold", "en", 64) == (0.0, 0.0)
    assert book.ink_sides("🚀 go", "Inter", "bold", "en", 64)[0] == 0.0  # emoji: not measured
    for text, lang, base in (("مرحبا بالعالم", "ar", 1), ("שָׁלוֹם עולם", "he", 1), ("नमस्ते दुनिया", "hi", 0)):
        # shaped whole, as drawn: joined Arabic forms, points, a reordered vowel sign
        assert all(0 <= side < INK_SHIFT_MAX_EM * 64 for side in book.ink_sides(text, "Inter", "bold", lang, 64, base))
    left, right = book.ink_sides("Hi", "Inter", "bold", "en", 64)
    assert 0 < left < INK_SHIFT_MAX_EM * 64 and 0 < right < INK_SHIFT_MAX_EM * 64


@pytest.mark.parametrize("title", ["הקרב הבא הוא על יכולת ההסקה של מודלים גדולים ועל מה שיבוא אחריהם",
                                   "מדריך מעשי למעבר ל-Python 3.13 בסביבת ייצור ובענן הציבורי",
                                   "المصدر المفتوح مقابل المصدر المغلق: جبهة جديدة في سباق الذكاء الاصطناعي"])
def test_a_right_to_left_line_ends_at_the_right_edge_on_its_ink(engine, title) -> None:
    """Right to left, start = right: each line's rightmost ink is the box's right edge."""
    box, inks = title_line_inks(engine, engine.card({"title": title}, "plain"), inset=2)
    assert len(inks) >= 2
    edge = box["box"]["x"] + box["box"]["width"]
    for line, ink in inks:
        assert abs(ink[2] - edge) <= 1, (line["text"], ink)
