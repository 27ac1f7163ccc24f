"""fit(): size choice, balance, truncation, height, hard breaks, measured verification."""

from __future__ import annotations

import pytest

from ogimage.typeset import BoxSpec, Line, TextLayout, fit, graphemes
from ogimage.typeset import kinsoku as K
from typeset_measures import em_measure, kerned_measure


def texts(layout: TextLayout) -> list[str]:
    return [line.text for line in layout.lines]


def test_empty_text_gives_zero_lines():
    for t in ("", "   ", "\n\n"):
        lay = fit(t, BoxSpec(500, 20, 60, 3), em_measure)
        assert lay.lines == () and not lay.truncated


def test_largest_integer_size_that_fits():
    box = BoxSpec(1000, 20, 80, 2)
    lay = fit("Hello, World", box, em_measure)  # 12 graphemes: 11*0.55 + 0.28 em
    assert lay.font_size == 80 and len(lay.lines) == 1
    long = "The Next Battle Is Reasoning: What Comes After Transformers?"
    lay = fit(long, box, em_measure)
    assert len(lay.lines) == 2
    assert lay.font_size == int(lay.font_size)
    # one px larger would need a third line
    bigger = fit(long, BoxSpec(1000, lay.font_size + 1, lay.font_size + 1, 2), em_measure)
    assert bigger.truncated
    assert lay.line_height == pytest.approx(lay.font_size * 1.2)


def test_line_widths_are_whole_line_measures():
    lay = fit("Open Source vs. Closed Source: The New Front Line", BoxSpec(900, 20, 90, 3),
              kerned_measure)
    for line in lay.lines:
        assert line.width == kerned_measure(line.text, lay.font_size) <= 900


def test_kerning_makes_the_layout_step_down_not_overflow():
    # the whole is wider than the parts: estimates alone would overflow
    text = "aaaa bbbb cccc dddd eeee ffff"
    lay = fit(text, BoxSpec(700, 10, 100, 1), kerned_measure)
    assert all(line.width <= 700 for line in lay.lines) and not lay.truncated


def test_balance_prefers_similar_lines_and_no_stub():
    text = "We tried everything and nothing worked, so we rewrote it."
    lay = fit(text, BoxSpec(1600, 100, 100, 4), em_measure, "en")
    assert texts(lay) == ["We tried everything and nothing", "worked, so we rewrote it."]
    ja = fit("東京の朝、静かな路地裏で見つけた小さな喫茶店です。", BoxSpec(1100, 100, 100, 5),
             em_measure, "ja")
    assert len(graphemes(texts(ja)[-1])) > 2


def test_stub_avoided_in_chinese():
    lay = fit("人工智能正在改变我们的工作方式吗？", BoxSpec(1600, 100, 100, 3), em_measure, "zh-Hans")
    assert len(lay.lines) == 2 and texts(lay)[-1] != "吗？"


def test_truncation_with_ellipsis_at_break_opportunity():
    text = "A Practical Guide to Rendering Open Graph Images at Scale Without a Headless Browser"
    lay = fit(text, BoxSpec(700, 40, 60, 2), em_measure)
    assert lay.truncated and lay.font_size == 40 and len(lay.lines) == 2
    last = texts(lay)[-1]
    assert last.endswith("…") and not last.endswith(" …")
    assert text.startswith(" ".join(texts(lay))[:-1])  # cut at a word boundary
    assert all(line.width <= 700 for line in lay.lines)


def test_ellipsis_respects_kinsoku_and_drops_punctuation():
    text = "これはテストです、「括弧の中身はとても長いのでここで切れるはずです」"
    for w in range(4, 16):
        lay = fit(text, BoxSpec(w * 100, 100, 100, 1), em_measure, "ja")
        last = texts(lay)[-1]
        assert lay.truncated and last.endswith("…")
        before = last[:-1]
        assert before[-1:] not in K.NO_END and before[-1:] not in "、。"
    assert texts(fit(text, BoxSpec(900, 100, 100, 1), em_measure, "ja")) == ["これはテストです…"]


def test_ellipsis_only_when_box_tiny():
    lay = fit("Supercalifragilistic", BoxSpec(60, 100, 100, 1), em_measure)
    assert lay.truncated and texts(lay) == ["…"]


def test_height_limits_lines():
    text = "The Next Battle Is Reasoning: What Comes After Transformers?"
    free = fit(text, BoxSpec(600, 20, 60, 4), em_measure)
    capped = fit(text, BoxSpec(600, 20, 60, 4, 1.2, height=100), em_measure)
    assert len(capped.lines) * capped.font_size * 1.2 <= 100
    assert capped.font_size < free.font_size


def test_hard_breaks_are_kept():
    lay = fit("Title\nA longer subtitle line", BoxSpec(2000, 50, 50, 3), em_measure)
    assert texts(lay) == ["Title", "A longer subtitle line"]
    lay = fit("a\n\nb", BoxSpec(2000, 50, 50, 3), em_measure)
    assert texts(lay) == ["a", "", "b"]


def test_hard_breaks_count_against_max_lines():
    lay = fit("one\ntwo\nthree", BoxSpec(2000, 50, 50, 2), em_measure)
    assert lay.truncated and texts(lay) == ["one", "two…"]


def test_long_token_splits_between_graphemes_preferring_punctuation():
    url = "https://example.com/blog/2024/11/open-graph-image-rendering"
    lay = fit(url, BoxSpec(800, 100, 100, 6), em_measure, "en")
    assert "".join(texts(lay)) == url
    assert all(t[-1] in "/-." for t in texts(lay)[:-1])


def test_korean_word_split_only_when_wider_than_box():
    lay = fit("줄바꿈 줄바꿈", BoxSpec(350, 100, 100, 3), em_measure, "ko")
    assert texts(lay) == ["줄바꿈", "줄바꿈"]
    lay = fit("줄바꿈줄바꿈", BoxSpec(350, 100, 100, 3), em_measure, "ko")
    assert texts(lay) == ["줄바꿈", "줄바꿈"]


def test_emoji_cluster_never_split_and_wide_grapheme_documented():
    family = "👨‍👩‍👧‍👦"
    lay = fit(family * 3, BoxSpec(150, 100, 100, 3), em_measure)
    assert texts(lay) == [family] * 3
    # a single grapheme wider than the box is clipped: here nothing of it fits beside "…"
    lay = fit(family, BoxSpec(80, 100, 100, 1), em_measure)
    assert texts(lay) == ["…"] and lay.truncated and lay.lines[0].width <= 80


def test_measure_called_sparingly():
    calls = []

    def counting(text, size):
        calls.append(text)
        return em_measure(text, size)

    title = "大規模言語モデルの推論コストを半分にするための量子化・蒸留・キャッシュ戦略のすべて"
    fit(title, BoxSpec(1040, 40, 72, 3), counting)
    assert len(calls) <= 2 * 10 + 6  # ~one per unit plus one per final line


def test_lang_reported():
    assert fit("한국어", BoxSpec(500, 10, 20, 1), em_measure).lang == "ko"
    assert fit("abc", BoxSpec(500, 10, 20, 1), em_measure, "ja").lang == "ja"


def test_line_type():
    lay = fit("abc", BoxSpec(500, 10, 20, 1), em_measure)
    assert lay.lines == (Line("abc", em_measure("abc", 20)),)


def test_an_ideographic_space_is_a_break_that_hangs_and_is_kept_inside_a_line() -> None:
    from typeset_measures import em_measure

    text = "新機能を追加\u3000使い方を解説"
    wide = fit(text, BoxSpec(1400, 100, 100, 3), em_measure, "ja")
    assert [ln.text for ln in wide.lines] == [text]
    narrow = fit(text, BoxSpec(800, 100, 100, 3), em_measure, "ja")
    assert [ln.text for ln in narrow.lines] == ["新機能を追加", "使い方を解説"]


_LONG_EN = ("A practical guide to building a fast and reliable image service for the open web with "
            "Python, HarfBuzz and a careful eye for a good line")


@pytest.mark.parametrize(("width", "end"), [(800, "building a fast…"), (1150, "image service…")])
def test_an_ellipsis_never_follows_an_article_a_preposition_or_a_conjunction(width, end):
    # before: "…building a fast and…", "…image service for the…"
    lay = fit(_LONG_EN, BoxSpec(width, 60, 60, 2), em_measure, "en")
    assert lay.truncated and lay.lines[-1].text.endswith(end)


def test_an_ellipsis_never_follows_after_or_between():
    text = "What changed in the renderer after the rewrite and between the two releases of the year"
    for width in range(700, 1400, 50):
        lay = fit(text, BoxSpec(width, 60, 60, 1), em_measure, "en")
        if lay.truncated:
            assert lay.lines[-1].text[:-1].split()[-1] not in ("after", "between", "the"), (width, lay.lines)


def test_an_ellipsis_never_follows_an_opening_bracket():
    lay = fit("Notes on typography for every script (with examples) and more to say", BoxSpec(1100, 60, 60, 1),
              em_measure, "en")
    assert lay.truncated and not lay.lines[-1].text[:-1].rstrip().endswith("(")


@pytest.mark.parametrize("width", [900, 1000, 1100])
def test_no_line_ends_with_an_article_even_when_truncating(width):
    title = ("How we rebuilt our image pipeline for a global audience: lessons from scaling "
             "typography, caching and rendering for a billion cards")
    lay = fit(title, BoxSpec(width, 48, 48, 3), em_measure, "en")
    assert lay.truncated
    for line in lay.lines:
        assert line.text.rstrip("…").split()[-1].lower() not in {"a", "an", "the"}, line.text
