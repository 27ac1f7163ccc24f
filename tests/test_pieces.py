"""Pieces: runs cut into independently shaped parts must measure and draw like whole runs."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from PIL import Image
from hypothesis import strategies as st

from ogimage.fonts import FontBook
from ogimage.fonts.pieces import split_pieces

DATA = Path(__file__).parent / "data"


def sample_titles() -> list[str]:
    rows = (DATA / "titles.tsv").read_text("utf-8").splitlines()
    titles = [r.split("\t", 1)[1] for r in rows if "\t" in r and not r.startswith("#")]
    return titles + [t for t in (DATA / "bench_titles.txt").read_text("utf-8").splitlines() if t.strip()]


@pytest.fixture(scope="module")
def book() -> FontBook:
    return FontBook.bundled()


def test_pieces_cut_where_shaping_does_not_reach():
    assert split_pieces("Hello, World") == ["Hello, ", "World"]
    assert split_pieces("オープンソース革命：クローズド") == ["オープンソース", "革", "命", "：クローズド"]
    assert split_pieces("합니다 — 띄어쓰기") == ["합니다 — ", "띄어쓰기"]  # punctuation keeps its neighbour
    assert split_pieces("שלום", "rtl") is None
    assert split_pieces("ภาษาไทย") is None and split_pieces("e\u0301") is None and split_pieces("a\u200db") is None


@given(st.text(max_size=40))
@settings(max_examples=300, deadline=None)
def test_pieces_concatenate_to_the_text(text):
    pieces = split_pieces(text)
    assert pieces is None or "".join(pieces) == text


@pytest.mark.parametrize("weight", ["bold", "regular"])
def test_pieces_measure_exactly_like_the_whole_run(book, weight):
    """Kerning, contextual spacing (a Korean space) and kana kerning (ープ) are kept."""
    compared = 0
    for title in sample_titles():
        for run in book.runs_for(title, "Inter", weight, ""):
            if run.face.is_emoji or split_pieces(run.text, run.direction) is None:
                continue
            whole = book._planner._shaped_length(run.face, 64, run.text, run.direction, run.lang)
            assert book.run_width(run, 64) == pytest.approx(whole, abs=0.01), run.text
            compared += 1
    assert compared > 40


def test_drawn_advance_is_the_measured_width(book, ink_line):
    measure = book.measurer("Inter", "bold", "ja")
    for title in sample_titles()[:30]:
        ink = ink_line(book, title, "Inter", "bold", 64, "ja")
        assert ink.advance == pytest.approx(measure(title, 64))
        assert ink.mask.getbbox() is not None or ink.colour_layers


@pytest.mark.parametrize("weight", ["bold", "regular"])
def test_pieces_pasted_from_glyphs_are_pixel_identical_to_pillow(book, weight):
    """A new piece whose glyphs are its characters' own is pasted from cached glyphs at the
    HarfBuzz pens; it must be exactly what Pillow draws for the whole piece (kerned pairs
    with overlapping edges included), at the title and the small sizes."""
    from PIL import ImageChops

    from ogimage.draw import pieces as rendered

    def on_canvas(piece):
        canvas = Image.new("L", (2600, 300))
        if piece.mask is not None:
            canvas.paste(piece.mask, (piece.offset[0] + 60, piece.offset[1] + 220))
        return canvas

    titles = sample_titles() + ["AVAW Typography Te LT r, f/ VA.", "「監督付き」？！ Ελληνικά Кириллица Vậy",
                                "（「入門」）、「実践」。」「続」",  # chws: halt on marks in context
                                # the Korean face's locl space (a blank glyph for a blank one)
                                "인공지능 추천 기록와 컴파일러 정리 어떻게 왜 오픈소스 아키텍처 "]
    compared = 0
    for title in titles:
        for run in book.runs_for(title, "Inter", weight, ""):
            for part in split_pieces(run.text, run.direction) or []:
                for size in (64, 41, 28):
                    pens = book._planner._piece(run.face, size, part, run.lang)[1]  # what drawing is given
                    if not pens:
                        continue
                    fonts = book.font_pair(run.face, size)
                    font = fonts.shaped()
                    glyphs = rendered._from_glyphs(fonts, run.face, size, pens)
                    halt = book._planner._spacing.ranges(run.face, part, run.lang)
                    whole = rendered._render(font, part, "ltr", run.lang, True, halt)
                    assert ImageChops.difference(on_canvas(glyphs), on_canvas(whole)).getbbox() is None, (part, size)
                    compared += 1
    assert compared > 500
