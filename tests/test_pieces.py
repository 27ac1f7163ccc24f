"""Pieces: runs cut into independently shaped parts must measure and draw like whole runs."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ogimage.draw.text import ink_line
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
        for run in book.runs(title, "Inter", weight, ""):
            if run.face.is_emoji or split_pieces(run.text, run.direction) is None:
                continue
            whole = book._shaped_length(run.face, 64, run.text, run.direction, run.lang)
            assert book.run_width(run, 64) == pytest.approx(whole, abs=0.01), run.text
            compared += 1
    assert compared > 40


def test_drawn_advance_is_the_measured_width(book):
    measure = book.measurer("Inter", "bold", "ja")
    for title in sample_titles()[:30]:
        ink = ink_line(book, title, "Inter", "bold", 64, "ja")
        assert ink.advance == pytest.approx(measure(title, 64))
        assert ink.mask.getbbox() is not None or ink.colour_layers
