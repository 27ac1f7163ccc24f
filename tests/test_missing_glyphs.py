"""Missing-glyph warnings are bounded: one line per card, at most one line a second."""

from __future__ import annotations

import logging

from ogimage.fonts import FontBook, missing
from ogimage.resources import fonts_dir

PUA = "".join(chr(0xF0000 + i) for i in range(300))


def _lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "ogimage.fonts" and "no bundled font" in r.getMessage()]


def test_a_private_use_title_logs_one_bounded_line(caplog) -> None:
    from ogimage.engine import Engine

    engine = Engine(fonts=FontBook(fonts_dir() / "manifest.toml"))  # its own book: "reported" is per book
    with caplog.at_level(logging.WARNING, logger="ogimage.fonts"):
        layout = engine.layout(engine.card({"title": PUA}, "plain"))
    assert len(layout["missing_glyphs"]) == 300
    lines = _lines(caplog)
    assert len(lines) == 1, lines[:3]
    assert "300 characters" in lines[0] and "U+F0000" in lines[0] and "and 288 more" in lines[0]
    assert len(lines[0]) < 400


def test_lines_are_rate_limited_and_held_characters_counted(caplog, monkeypatch) -> None:
    clock = [1000.0]
    monkeypatch.setattr(missing.time, "monotonic", lambda: clock[0])
    book = FontBook(fonts_dir() / "manifest.toml")
    with caplog.at_level(logging.WARNING, logger="ogimage.fonts"):
        book.missing(PUA[:5])
        book.missing(PUA[5:10])  # same second: held back, counted
        book.missing(PUA[:10])  # nothing new: nothing to say
        clock[0] += missing.LOG_INTERVAL
        book.missing(PUA[10:12])
    lines = _lines(caplog)
    assert len(lines) == 2
    assert lines[0].startswith("no bundled font covers 5 characters")
    assert lines[1].startswith("no bundled font covers 2 characters") and "(and 5 more since the last line)" in lines[1]


def test_what_is_remembered_is_bounded(monkeypatch) -> None:
    monkeypatch.setattr(missing, "REMEMBER", 100)
    book = FontBook(fonts_dir() / "manifest.toml")
    for start in range(0, 300, 50):
        book.missing(PUA[start : start + 50])
        assert len(book._missing._reported) <= 100
