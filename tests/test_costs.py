"""Break strengths (ogimage/typeset/costs.py): where a break reads well costs less."""

from __future__ import annotations

import pytest

from ogimage.typeset import costs as C
from ogimage.typeset.segment import segments


def _cost_after(text: str, head: str, lang: str) -> float:
    """The cost of the break right after ``head`` (which must end a unit)."""
    pos = 0
    for seg in segments(text, lang):
        pos += len(seg.text)
        if text[:pos].rstrip() == head:
            return seg.cost
    raise AssertionError(f"no break after {head!r}: {[s.text for s in segments(text, lang)]}")


def test_phrase_scores_cut_exactly_where_budoux_does() -> None:
    import budoux

    parser = budoux.load_default_japanese_parser()
    text = "DeepSeekのオープンソース革命：クローズドAIサミットからの洞察"
    chunks, pos, cuts = parser.parse(text), 0, set()
    for ch in chunks[:-1]:
        pos += len(ch)
        cuts.add(pos)
    assert set(C.phrase_scores(text, "ja")) == cuts


@pytest.mark.parametrize(("text", "good", "bad", "lang"), [
    ("追赶的成本比领先低十倍：AI发展的幂律", "追赶的成本比领先低十倍：", "追赶的成本比领先", "zh-Hans"),
    ("MySQL 8的窗口函数详解与实战", "MySQL 8的", "MySQL 8的窗口", "zh-Hans"),
    ("多模态大模型的开源之路", "多模态大模型的", "多", "zh-Hans"),
    ("大規模言語モデルを蒸留して小さくする方法", "大規模言語モデルを蒸留して", "大規模言語モデルを蒸留して小さく", "ja"),
    ("What's new in Vue 3 and why it matters", "What's new in Vue 3", "What's new in Vue", "en"),
    ("Shipping a 5 GB model that answers in 10 ms", "Shipping a 5 GB", "Shipping a 5", "en"),
    ("คู่มือสำหรับผู้เริ่มต้นเขียนโปรแกรม", "คู่มือสำหรับ", "คู่มือสำหรับผู้", "th"),
])
def test_a_phrase_boundary_costs_less_than_a_break_inside_a_word(text, good, bad, lang) -> None:
    assert _cost_after(text, good, lang) < _cost_after(text, bad, lang)


def test_breaks_inside_words_cost_more_than_any_evenness_gain() -> None:
    # the balancer's slack term is at most 1 per line: a compound costs most of a line
    assert C.COMPOUND > 0.5 and C.BOUND > 1 and C.PARTICLE > 1
    assert C.GOOD < C.CLAUSE < C.CJK_SPACE < C.NORMAL < C.WEAK_PHRASE < C.COMPOUND


def test_no_chinese_line_starts_with_a_particle() -> None:
    assert _cost_after("台灣半導體產業的下一個十年", "台灣半導體產業", "zh-Hant") == C.PARTICLE


def test_interrogatives_are_one_word_and_start_a_phrase() -> None:
    units = [s.text for s in segments("私訊功能預計何時開放？", "zh-Hant")]
    assert "何時開放？" in units or any(u.startswith("何時") for u in units)
    assert not any(u.endswith("何") for u in units)


def test_a_clause_end_is_a_break_even_where_budoux_joins_the_phrases() -> None:
    units = [s.text for s in segments("DeepSeekのオープンソース革命：クローズドAIサミットからの洞察", "ja")]
    assert any(u.endswith("：") for u in units)
