"""The layout JSON says which face draws what: runs per line, not the template's family for all."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(("title", "family", "lang"), [
    ("開源模型的下一個十年：挑戰與機遇", "Noto Sans CJK", "zh-Hant"),
    ("المصدر المفتوح مقابل المصدر المغلق", "Noto Sans Arabic", "ar"),
    ("การต่อสู้ครั้งต่อไปคือการให้เหตุผล", "Noto Sans Thai", "th"),
    ("नमस्ते दुनिया के लिए", "Noto Sans Devanagari", "hi"),
    ("தமிழ் மொழியில் நிரலாக்கம்", "Noto Sans Tamil", "ta"),
    ("Cuộc chiến tiếp theo là khả năng suy luận", "Inter", "vi"),
])
def test_each_line_reports_the_face_that_draws_it(engine, title, family, lang) -> None:
    box = engine.layout(engine.card({"title": title}, "default"))["boxes"]["title"]
    assert box["lang"] == lang
    assert box["families"][0] == family
    for line in box["lines"]:
        assert line["family"] == family
        assert "".join(run["text"] for run in line["runs"]) == line["text"]
        assert all(run["font"].endswith((".ttf", ".otf", ".ttc")) for run in line["runs"])


def test_a_mixed_line_lists_each_run_with_its_face(engine) -> None:
    box = engine.layout(engine.card({"title": "DeepSeekのオープンソース革命"}, "plain"))["boxes"]["title"]
    runs = box["lines"][0]["runs"]
    assert [(r["text"], r["family"]) for r in runs][:2] == [("DeepSeek", "Inter"), ("のオープンソース革命", "Noto Sans CJK")]
    assert runs[1]["font"] == "NotoSansCJK-Bold.ttc" and runs[1]["index"] == 0  # the JP face
    assert box["families"] == ["Inter", "Noto Sans CJK"]
