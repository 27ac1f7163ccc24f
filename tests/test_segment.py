"""Segmentation: graphemes, language guess, direction, break opportunities and kinsoku."""

from __future__ import annotations

import pytest

from ogimage.typeset import Segment, base_direction, detect_lang, graphemes, segments
from ogimage.typeset import kinsoku as K
from ogimage.typeset.segment import split_points


def units(text, lang=None):
    return [s.text for s in segments(text, lang)]


@pytest.mark.parametrize("text,expected", [
    ("👨‍👩‍👧‍👦x", ["👨‍👩‍👧‍👦", "x"]),              # ZWJ family
    ("🇯🇵🇺🇸", ["🇯🇵", "🇺🇸"]),                      # flags
    ("1️⃣#️⃣", ["1️⃣", "#️⃣"]),                       # keycaps
    ("👍🏽👍", ["👍🏽", "👍"]),                         # skin tone
    ("❤️a", ["❤️", "a"]),                              # VS16
    ("กำลัง", ["กำ", "ลั", "ง"]),                       # Thai marks
    ("नमस्ते", ["न", "म", "स्ते"]),                      # Devanagari conjunct
    ("e\u0301\r\n", ["e\u0301", "\r\n"]),
])
def test_graphemes(text, expected):
    assert graphemes(text) == expected


@pytest.mark.parametrize("text,lang", [
    ("Stargate計画の5000億ドル", "ja"), ("カタカナ", "ja"), ("한국어 漢字", "ko"),
    ("开源模型达到闭源模型", "zh-Hans"), ("專家混合架構為何成為關鍵", "zh-Hant"),
    ("台灣半導體產業的下一個十年", "zh-Hant"), ("人工智能正在改变我们的工作方式吗", "zh-Hans"),
    ("การต่อสู้", "th"), ("المصدر المفتوح", "ar"), ("הקרב הבא", "he"), ("नमस्ते दुनिया", "hi"),
    ("Следующая битва", "ru"), ("Η επόμενη μάχη", "el"), ("Cuộc chiến tiếp theo", "vi"),
    ("Hướng dẫn sử dụng Python", "vi"), ("Château de Brâncuşi", "en"),
    ("東京駅の新しい風景写真", "ja"), ("働き方改革と経済対策", "ja"), ("経済", "ja"),
    ("经济发展", "zh-Hans"), ("經濟發展", "zh-Hant"),
    ("ሰላም ዓለም", "am"), ("வணக்கம் உலகம்", "ta"), ("გამარჯობა", "ka"), ("নমস্কার", "bn"),
    ("ជំរាបសួរ", "km"), ("ສະບາຍດີ", "lo"), ("မင်္ဂလာပါ", "my"), ("Բարեւ", "hy"),
    ("", "en"), ("123 !?", "en"),
])
def test_detect_lang(text, lang):
    assert detect_lang(text) == lang


@pytest.mark.parametrize("text,direction", [
    ("المصدر", "rtl"), ("הקרב", "rtl"), ("123 שלום abc", "rtl"), ("abc שלום", "ltr"),
    ("123 !", "ltr"), ("", "ltr"),
])
def test_base_direction(text, direction):
    assert base_direction(text) == direction


def test_round_trip_and_segment_shape():
    text = "Hello, world\nこんにちは 世界"
    segs = segments(text)
    assert "".join(s.text for s in segs) == text
    assert segs[1] == Segment("world\n", hard_break=True)
    assert all(isinstance(s, Segment) for s in segs) and segments("") == []


def test_latin_breaks_at_spaces_hyphens_slashes():
    assert units("state-of-the-art a/b c–d e—f", "en") == [
        "state-", "of-", "the-", "art ", "a/", "b ", "c–", "d ", "e—", "f"]
    # never before digits after a hyphen or slash, never between two slashes
    assert units("2024/11 -5 https://x.com/a", "en") == ["2024/11 ", "-5 ", "https://", "x.com/", "a"]


def test_no_break_before_closing_punctuation_even_after_space():
    assert units("Hello ! (a) « b »", "en") == ["Hello ! ", "(a) ", "« b »"]


def test_glue_and_zero_width_space():
    assert units("a\u00a0b c\u200bd", "en") == ["a\u00a0b ", "c\u200b", "d"]


def test_korean_keep_all():
    assert units("한국어 줄바꿈은 어절 단위로", "ko") == ["한국어 ", "줄바꿈은 ", "어절 ", "단위로"]


@pytest.mark.parametrize("word", ["ファインチューニング", "蒸留", "マルチモーダルモデル"])
def test_japanese_words_stay_whole(word):
    for lang in ("ja", None):
        joined = units(f"監督付き{word}は終わるのか", lang)
        assert any(word in u for u in joined), joined


def test_budoux_cut_inside_latin_word_is_merged():
    # BudouX parses "Janus-Pro：…" as "Janus-P" | "ro：…"
    assert units("Janus-Pro：DeepSeekが公開した", "ja")[0].startswith("Janus-Pro")


def test_japanese_phrases():
    assert units("東京の朝、静かな路地裏で", "ja") == ["東京の", "朝、", "静かな", "路地裏で"]


@pytest.mark.parametrize("lang", ["ja", "zh-Hans", "zh-Hant", "en", "ko"])
def test_kinsoku_pairs(lang):
    text = "ーっゃ、。」を行頭に置かないための禁則処理テスト：『括弧』【見出し】〈山括弧〉（2026年版）…‥――"
    segs = units(text, lang)
    for a, b in zip(segs, segs[1:]):
        assert b[0] not in K.NO_START and b[0] not in K.INSEPARABLE, (a, b)
        assert a.rstrip()[-1] not in K.NO_END, (a, b)
        assert not (a[-1] in K.PAIRED_DASHES and b[0] in K.PAIRED_DASHES)


def test_chinese_every_character_may_break_but_not_before_punctuation():
    segs = units("深度学习模型压缩技术综述：从剪枝、蒸馏到量化", "zh-Hans")
    assert "综述：" in segs and "剪枝、" in segs


def test_thai_words():
    assert units("การต่อสู้ครั้งต่อไป", "th") == ["การ", "ต่อ", "สู้", "ครั้ง", "ต่อ", "ไป"]


def test_emoji_are_never_split_and_may_break_between():
    assert units("😀👨‍👩‍👧🇯🇵", "en") == ["😀", "👨‍👩‍👧", "🇯🇵"]


def test_hard_breaks():
    segs = segments("a\nb\r\nc\u2028d")
    assert [s.hard_break for s in segs] == [True, True, True, False]
    assert segments("a \n b")[0] == Segment("a \n", True)


def test_leading_spaces_are_not_a_break():
    assert units("  foo bar", "en") == ["  foo ", "bar"]


def test_split_points_prefer_url_punctuation():
    pts = dict(split_points("example.com/blog_post?id=1"))
    assert pts[8] == 1 and pts[12] == 1 and pts[17] == 1  # after . / _
    assert pts[1] == 2  # inside a word: allowed, not preferred
    assert 3 not in dict(split_points("ab ")) and dict(split_points("「あ」"))[1] == 3


@pytest.mark.parametrize("text,lang,word", [
    ("如何用开源工具搭建一个高可用的数据平台", "zh-Hans", "一个"),
    ("開源社群如何維護一個長期穩定的專案", "zh-Hant", "一個"),
])
def test_chinese_numeral_and_classifier_stay_together(text, lang, word):
    assert any(word in u for u in units(text, lang))


def test_base_level_agrees_with_python_bidi() -> None:
    """One base-direction rule for layout and fonts: UAX #9 P2/P3, isolates skipped."""
    import random

    import bidi

    from ogimage.typeset.script import base_direction, base_level

    alphabet = "aZ1 ,.שלוםعربي\u2066\u2067\u2068\u2069\u202a\u202b\u202c\u200e\u200f日😀\u0300\u0660"
    rng = random.Random(9)
    for _ in range(20_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 8)))
        assert base_level(text) == bidi.get_base_level(text), repr(text)
    assert base_direction("\u2067abc\u2069 שלום") == "rtl" and base_direction("") == "ltr"


def test_language_tags_have_one_canonical_case() -> None:
    from ogimage.card import normalise_lang
    from ogimage.fonts.unicode import normalise_tag

    for tag in ("zh-hans-cn", "ZH_hant_tw", "en-us", "es-419", "sr-latn-rs"):
        assert normalise_lang(tag) == normalise_tag(tag)
    assert normalise_lang("zh_hans-cn") == "zh-Hans-CN"
