"""Golden line breaks of every sample title on every bundled template (plain, default, light), with the real fonts.

tests/golden/templates.tsv holds the breaks a typesetter accepts (``▁`` at each break);
rows marked ``xfail: why`` are where the engine still disagrees (strict: they flag when fixed).
"""

from __future__ import annotations

from pathlib import Path

import pytest

GOLDEN = Path(__file__).parent / "golden" / "templates.tsv"


def _rows() -> list:
    params = []
    for n, raw in enumerate(GOLDEN.read_text(encoding="utf-8").splitlines(), 1):
        if not raw or raw.startswith("#"):
            continue
        cols = raw.split("\t")
        marks = [pytest.mark.xfail(reason=cols[3], strict=True)] if len(cols) > 3 else []
        params.append(pytest.param(cols[0], cols[1], cols[2], id=f"{cols[0]}:{cols[1]}:{n}", marks=marks))
    return params


def _title(expected: str, sample_titles: list[tuple[str, str]]) -> str:
    """The sample title a golden row lays out (spaces at breaks are dropped from the row)."""
    squeeze = expected.replace("▁", "").replace(" ", "")
    return next(title for _, title in sample_titles if title.replace(" ", "") == squeeze)


@pytest.mark.parametrize(("template", "lang", "expected"), _rows())
def test_title_breaks(engine, sample_titles, template: str, lang: str, expected: str) -> None:
    layout = engine.layout(engine.card({"title": _title(expected, sample_titles)}, template))
    box = layout["boxes"]["title"]
    assert not box["truncated"]
    assert layout["missing_glyphs"] == []
    assert [line["text"] for line in box["lines"]] == expected.split("▁")


def test_every_sample_title_has_a_golden_row_per_template(sample_titles) -> None:
    rows = [p.values for p in _rows()]
    for template in ("plain", "default", "light"):
        covered = {_title(expected, sample_titles) for t, _, expected in rows if t == template}
        assert covered == {title for _, title in sample_titles}
