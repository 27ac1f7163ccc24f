"""A single grapheme cluster wider than the box (issue #10): no line ever leaves its box.

Each of these is one extended grapheme cluster, so no break opportunity can help: the
layout clips it with "…" (by whole clusters, then by code points) at the minimum size.
Checked on the layout JSON of every bundled template and on the decoded PNG (ink stays
inside the title box).
"""

from __future__ import annotations

import pytest

from ogimage.typeset import BoxSpec, fit, graphemes
from pixels import decode, ink_bbox


def per_code_point(text: str, size: float) -> float:
    """Like a real font on these clusters: every code point adds to the width."""
    return size * 0.5 * len(text)


HOSTILE = {
    "skin tones": "👋" + "🏻" * 299,
    "hangul jamo": "ᄀ" + "ᅡ" * 299,
    "zwj family": "\u200d".join(["👩"] * 150),
    "conjunct chain": "क" + "्क" * 120,
}


@pytest.mark.parametrize("text", HOSTILE.values(), ids=HOSTILE.keys())
def test_the_core_clips_a_cluster_wider_than_the_box(text) -> None:
    assert len(graphemes(text)) <= 2  # one cluster (two for jamo before NFC composes)
    lay = fit(text, BoxSpec(1000, 40, 80, 3), per_code_point)
    assert lay.truncated and lay.font_size == 40
    assert all(line.width <= 1000 for line in lay.lines)
    assert lay.lines[-1].text.endswith("…") and len(lay.lines[-1].text) > 1


def test_whole_clusters_are_kept_before_one_is_cut() -> None:
    text = "ab " + "👋" + "🏻" * 299
    lay = fit(text, BoxSpec(1000, 40, 40, 1), per_code_point, "en")
    assert lay.lines[0].text.startswith("ab") and lay.lines[0].width <= 1000


@pytest.mark.parametrize("template", ["plain", "default", "light"])
@pytest.mark.parametrize("name", HOSTILE.keys())
def test_no_line_leaves_its_box(engine, template, name) -> None:
    card = engine.card({"title": HOSTILE[name]}, template)
    box = engine.layout(card)["boxes"]["title"]
    assert box["truncated"]
    shift = 0.2 * box["font_size"] + 0.5  # ink alignment: the pen may start left of the box by a bearing
    for line in box["lines"]:
        assert line["width"] <= box["box"]["width"] + 0.5
        assert box["box"]["x"] - shift <= line["x"] and line["x"] + line["width"] <= box["box"]["x"] + box["box"]["width"] + 0.5


@pytest.mark.parametrize("name", ["skin tones", "zwj family", "conjunct chain"])
def test_the_drawn_cluster_stays_inside_the_title_box(engine, name) -> None:
    card = engine.card({"title": HOSTILE[name]}, "plain")
    box = engine.layout(card)["boxes"]["title"]["box"]
    bbox = ink_bbox(engine, card, decode(engine.render(card)))
    assert bbox is not None
    assert bbox[0] >= box["x"] - 4 and bbox[2] <= box["x"] + box["width"] + 4
