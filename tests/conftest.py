"""Shared fixtures: one engine for the session (fonts and templates load once)."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

DATA = Path(__file__).parent / "data"


def _sample_titles() -> list[tuple[str, str]]:
    """(lang, title) rows of tests/data/titles.tsv (a copy of shared/samples/titles.tsv)."""
    rows = []
    with open(DATA / "titles.tsv", encoding="utf-8") as f:
        for row in csv.reader(f, delimiter="\t"):
            if row and not row[0].startswith("#"):
                rows.append((row[0], row[1]))
    return rows


@dataclass
class Ink:
    """One line inked on its own: a coverage mask, colour layers, advance, the primary font's metrics."""

    mask: Any  # PIL image, mode "L"
    origin: tuple[int, int]  # where the mask's top-left goes, relative to the pen
    colour_layers: list = field(default_factory=list)
    advance: float = 0.0
    ascent: int = 0
    descent: int = 0


def _ink_line(book, text: str, family: str, weight: str, size: int, lang: str, direction: str | None = None) -> Ink:
    from PIL import Image

    from ogimage.draw.text import coverage, line_pieces

    lang = lang or ""
    if not size > 0:
        return Ink(Image.new("L", (1, 1), 0), (0, 0), [], 0.0, 0, 0)
    ascent, descent = book.font(book.primary_face(family, weight, lang, text), size).getmetrics()
    line = line_pieces(book, text, family, weight, size, lang, direction)
    inked = coverage(line.pieces)
    if inked is None:
        return Ink(Image.new("L", (1, 1), 0), (0, 0), line.colour_layers, line.advance, ascent, descent)
    return Ink(inked[0], inked[1], line.colour_layers, line.advance, ascent, descent)


@pytest.fixture
def ink_line():
    """``ink_line(book, text, family, weight, size, lang, direction=None) -> Ink``: one line drawn
    alone through the production path (draw.text.line_pieces + coverage), for pixel tests."""
    return _ink_line


@pytest.fixture(scope="session")
def sample_titles() -> list[tuple[str, str]]:
    """(lang, title) rows of tests/data/titles.tsv."""
    return _sample_titles()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A test taking ``lang_title`` runs once per row of tests/data/titles.tsv."""
    if "lang_title" in metafunc.fixturenames:
        rows = _sample_titles()
        metafunc.parametrize("lang_title", rows, ids=[f"{lang}-{i}" for i, (lang, _) in enumerate(rows)])


def _make_tiny_font(path: Path, family: str, cps: list[int]) -> None:
    """A real TrueType font with a square glyph for each code point in ``cps``."""
    from fontTools.fontBuilder import FontBuilder
    from fontTools.pens.ttGlyphPen import TTGlyphPen

    names = [".notdef"] + [f"u{cp:X}" for cp in cps]
    fb = FontBuilder(1000, isTTF=True)
    fb.setupGlyphOrder(names)
    fb.setupCharacterMap({cp: f"u{cp:X}" for cp in cps})
    glyphs = {}
    for name in names:
        pen = TTGlyphPen(None)
        pen.moveTo((100, 0)), pen.lineTo((100, 700)), pen.lineTo((600, 700)), pen.lineTo((600, 0))
        pen.closePath()
        glyphs[name] = pen.glyph()
    fb.setupGlyf(glyphs)
    fb.setupHorizontalMetrics({n: (700, 100) for n in names})
    fb.setupHorizontalHeader(ascent=800, descent=-200)
    fb.setupNameTable({"familyName": family, "styleName": "Regular"})
    fb.setupOS2(sTypoAscender=800, sTypoDescender=-200, usWinAscent=800, usWinDescent=200)
    fb.setupPost()
    fb.save(str(path))



@pytest.fixture
def tiny_font():
    """``tiny_font(path, family, code_points)``: write a real TrueType font with a square glyph each."""
    return _make_tiny_font


@pytest.fixture(scope="session")
def engine():
    from ogimage.engine import Engine

    return Engine()


@pytest.fixture
def fake_engine():
    """An engine stand-in that counts renders (tests/service_fakes.py)."""
    from service_fakes import FakeEngine

    return FakeEngine()


@pytest.fixture
def client(tmp_path: Path, fake_engine):
    """The real app around ``fake_engine``, through Starlette's TestClient."""
    from fastapi.testclient import TestClient
    from service_fakes import make_app

    with TestClient(make_app(tmp_path, fake_engine)) as c:
        yield c


@pytest.fixture(autouse=True)
def _ogimage_log_level():
    """Each test starts with the ``ogimage`` logger's level as it found it.

    Building an app sets that level (``OGIMAGE_LOG_LEVEL``, default info); without
    this, whether a later test sees INFO records would depend on test order.
    """
    import logging

    logger = logging.getLogger("ogimage")
    level = logger.level
    yield
    logger.setLevel(level)
