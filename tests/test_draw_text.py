"""ogimage.draw.text: lines drawn from the fonts' line plan; real fonts, real pixels."""

from __future__ import annotations

import pytest
from PIL import Image, ImageChops, ImageStat

from ogimage.fonts.plan import visual_order
from ogimage.fonts import FontBook, Run

SIZE = 64


@pytest.fixture(scope="module")
def book() -> FontBook:
    return FontBook.bundled()


def canvas(ink, pad: int = 40) -> tuple[Image.Image, int]:
    """The line's mask on a canvas whose pen is at (pad, baseline); returns (image, baseline)."""
    baseline = pad + ink.ascent
    image = Image.new("L", (int(ink.advance) + 2 * pad, ink.ascent + ink.descent + 2 * pad), 0)
    image.paste(ink.mask, (pad + ink.origin[0], baseline + ink.origin[1]))
    return image, baseline


def ink_sum(image: Image.Image, box: tuple[int, int, int, int] | None = None) -> float:
    return ImageStat.Stat(image.crop(box) if box else image).sum[0]


def diff(a: Image.Image, b: Image.Image) -> float:
    return ImageStat.Stat(ImageChops.difference(a, b)).sum[0]


# ---------------------------------------------------------------- coverage masks


@pytest.mark.parametrize("lang,text", [("en", "Hello, World"), ("ja", "東京の朝、静かな路地裏"),
                                       ("ko", "한국어 자연어 처리"), ("th", "การต่อสู้ครั้งต่อไป"),
                                       ("hi", "हिन्दी में शीर्षक"), ("ar", "جبهة جديدة"),
                                       ("he", "הקרב הבא")])
def test_ink_is_inside_the_line_and_nowhere_else(book, lang, text, ink_line):
    ink = ink_line(book, text, "Inter", "bold", SIZE, lang)
    assert ink.mask.mode == "L" and not ink.colour_layers
    image, baseline = canvas(ink)
    total = ink_sum(image)
    assert total > 255 * 200  # real glyphs, not a few stray pixels
    left, top, right, bottom = image.getbbox()
    pad = 40
    assert pad - 0.1 * SIZE <= left < pad + 0.2 * SIZE
    assert right <= pad + ink.advance + 0.1 * SIZE
    assert right >= pad + ink.advance - 0.3 * SIZE
    assert top >= baseline - 1.3 * SIZE and bottom <= baseline + 0.5 * SIZE


def test_mask_is_coverage_with_antialiasing(book, ink_line):
    ink = ink_line(book, "Open Graph", "Inter", "regular", 40, "en")
    histogram = ink.mask.histogram()
    assert histogram[0] and histogram[255] and sum(1 for n in histogram if n) > 20


def test_advance_matches_measurer_and_origin_is_near_the_pen(book, ink_line):
    text = "MoE×RL：DeepSeek-R1に学ぶ「効率」という武器 🚀"
    ink = ink_line(book, text, "Inter", "bold", SIZE, "ja")
    assert ink.advance == pytest.approx(book.measurer("Inter", "bold", "ja")(text, SIZE))
    assert -5 <= ink.origin[0] <= 5 and ink.origin[1] < 0
    assert ink.ascent > 0 and ink.descent > 0


def test_bold_has_more_ink_than_regular(book, ink_line):
    text = "Reasoning 推論"
    bold = ink_sum(ink_line(book, text, "Inter", "bold", SIZE, "ja").mask)
    regular = ink_sum(ink_line(book, text, "Inter", "regular", SIZE, "ja").mask)
    assert bold > regular * 1.2


# ---------------------------------------------------------------- baseline


@pytest.mark.parametrize("size", [32, 64, 100])
def test_latin_and_cjk_share_the_baseline(book, size, ink_line):
    ink = ink_line(book, "H日", "Inter", "bold", size, "ja")
    image, baseline = canvas(ink)
    h_width = book.measurer("Inter", "bold", "ja")("H", size)
    h_box = image.crop((0, 0, 40 + int(h_width), image.height)).getbbox()
    han_box = image.crop((40 + int(h_width) + 1, 0, image.width, image.height)).getbbox()
    h_bottom, han_bottom = h_box[3], han_box[3]
    assert abs(h_bottom - baseline) <= 1  # H sits on the baseline
    # Han sits on the same baseline; its em box dips ~0.1 em below it by design
    assert 0 <= han_bottom - h_bottom <= 0.12 * size + 1
    # ... and a CJK-only line puts it at the same height
    alone, alone_base = canvas(ink_line(book, "日", "Inter", "bold", size, "ja"))
    assert alone.getbbox()[3] - alone_base == han_bottom - baseline


# ---------------------------------------------------------------- colour emoji


def test_emoji_line_yields_coloured_rgba_layers(book, ink_line):
    ink = ink_line(book, "Shipping 🚀 fast 🎉", "Inter", "bold", SIZE, "en")
    assert len(ink.colour_layers) == 2
    for layer, (dx, dy) in ink.colour_layers:
        assert layer.mode == "RGBA"
        assert SIZE * 0.8 <= layer.width <= SIZE * 1.5
        assert dy < 0 and -1.3 * SIZE < dy  # above the baseline, like the text
        data = layer.tobytes()
        rgb = [data[i:i + 4] for i in range(0, len(data), 4) if data[i + 3] > 200]
        assert len(rgb) > layer.width * layer.height * 0.2
        coloured = [px for px in rgb if max(px[:3]) - min(px[:3]) > 60]
        assert len(coloured) > len(rgb) * 0.3  # colour, not grey
    # the mask holds the words, not the emoji
    assert ink_sum(ink.mask) > 0
    first, second = sorted(d[0] for _, d in ink.colour_layers)
    assert first < second


def test_emoji_sequences_are_one_glyph_each(book, ink_line):
    ink = ink_line(book, "👨\u200d👩\u200d👧🇯🇵👍🏽", "Inter", "regular", 48, "en")
    assert len(ink.colour_layers) == 3
    assert ink.advance == pytest.approx(book.measurer("Inter", "regular", "en")("👨\u200d👩\u200d👧🇯🇵👍🏽", 48))


def test_emoji_scale_with_size(book, ink_line):
    small = ink_line(book, "🚀", "Inter", "regular", 32, "en").colour_layers[0][0]
    big = ink_line(book, "🚀", "Inter", "regular", 96, "en").colour_layers[0][0]
    assert big.width == pytest.approx(3 * small.width, abs=3)


# ---------------------------------------------------------------- bidi


@pytest.mark.parametrize("text", ["المصدر المفتوح مقابل المغلق", "المصدر Python 3.13 مقابل المغلق"])
def test_arabic_first_logical_word_is_inked_at_the_right_end(book, text, ink_line):
    first = "المصدر"
    line, _ = canvas(ink_line(book, text, "Inter", "regular", SIZE, "ar"), pad=0)
    word, _ = canvas(ink_line(book, first, "Inter", "regular", SIZE, "ar"), pad=0)
    w = word.width
    right = line.crop((line.width - w, 0, line.width, line.height))
    left = line.crop((0, 0, w, line.height))
    assert diff(right, word) < 0.25 * diff(left, word)
    # and the halves: the first half of the logical text is in the right half of the ink
    half = len(text) // 2
    first_half = ink_sum(canvas(ink_line(book, text[:half], "Inter", "regular", SIZE, "ar"), pad=0)[0])
    right_half = ink_sum(line, (line.width // 2, 0, line.width, line.height))
    left_half = ink_sum(line, (0, 0, line.width // 2, line.height))
    assert right_half > left_half * 0.6 and first_half > 0


def _find(line: Image.Image, word: Image.Image) -> tuple[int, float]:
    """Best horizontal offset of ``word`` in ``line`` (same height) and its difference."""
    best = (0, float("inf"))
    for x in range(0, line.width - word.width + 1):
        d = diff(line.crop((x, 0, x + word.width, line.height)), word)
        if d < best[1]:
            best = (x, d)
    return best


def test_rtl_line_keeps_an_english_word_left_to_right(book, ink_line):
    text = "שלום Hello עולם"
    ink = ink_line(book, text, "Inter", "bold", 48, "he")
    line, _ = canvas(ink, pad=0)
    word, _ = canvas(ink_line(book, "Hello", "Inter", "bold", 48, "en"), pad=0)
    word = word.crop((0, 0, word.width, word.height))
    reversed_word, _ = canvas(ink_line(book, "olleH", "Inter", "bold", 48, "en"), pad=0)
    x, d = _find(line, word)
    _, d_rev = _find(line, reversed_word)
    assert d < 0.05 * ink_sum(word)  # found, pixel for pixel
    assert d_rev > 5 * max(d, 1.0)
    # in the middle: Hebrew on both sides
    assert 0.15 * line.width < x < 0.6 * line.width
    # "שלום" (first logically) is at the right end
    shalom, _ = canvas(ink_line(book, "שלום", "Inter", "bold", 48, "he"), pad=0)
    assert _find(line, shalom)[0] > x


def test_hebrew_with_digits_keeps_digits_in_order(book, ink_line):
    line, _ = canvas(ink_line(book, "שנת 2026 היא", "Inter", "regular", 48, "he"), pad=0)
    number, _ = canvas(ink_line(book, "2026", "Inter", "regular", 48, "en"), pad=0)
    backwards, _ = canvas(ink_line(book, "6202", "Inter", "regular", 48, "en"), pad=0)
    assert _find(line, number)[1] < 0.2 * _find(line, backwards)[1]


def test_visual_order_of_levels():
    runs = [Run(t, None, "", "rtl" if lv % 2 else "ltr", lv) for t, lv in
            [("a", 0), ("B", 1), ("12", 2), ("C", 1), ("d", 0)]]  # type: ignore[arg-type]
    assert [r.text for r in visual_order(runs)] == ["a", "C", "12", "B", "d"]
    rtl = [Run(t, None, "", "", lv) for t, lv in [("A", 1), ("en", 2), ("B", 1)]]  # type: ignore[arg-type]
    assert [r.text for r in visual_order(rtl)] == ["B", "en", "A"]


def test_direction_override(book, ink_line):
    ltr = ink_line(book, "abc", "Inter", "regular", 40, "en")
    rtl = ink_line(book, "abc", "Inter", "regular", 40, "en", direction="rtl")
    assert rtl.advance == pytest.approx(ltr.advance)
    assert ink_sum(rtl.mask) == pytest.approx(ink_sum(ltr.mask), rel=0.05)


# ---------------------------------------------------------------- odd input


@pytest.mark.parametrize("text", ["", " ", "    ", "\u0301", "\u200d", "\ufe0f", "\ud800", "a\udc00b",
                                  "\x00\n\t\x85", "\U000F0001\u0378", "🏴\U000E0067\U000E0062\U000E0065\U000E006E\U000E0067\U000E007F",
                                  "a" * 500])
def test_odd_input_does_not_crash(book, text, ink_line):
    ink = ink_line(book, text, "Inter", "bold", 40, "ja")
    assert ink.mask.mode == "L" and ink.mask.width >= 1 and ink.mask.height >= 1
    assert ink.advance == pytest.approx(book.measurer("Inter", "bold", "ja")(text, 40), abs=1e-9)


def test_empty_line(book, ink_line):
    ink = ink_line(book, "", "Inter", "bold", 40, "en")
    assert ink.advance == 0 and ink.colour_layers == [] and ink_sum(ink.mask) == 0


def test_unknown_characters_draw_a_notdef_box(book, ink_line):
    ink = ink_line(book, "\U000F0001", "Inter", "bold", 40, "en")
    assert ink.advance > 0 and ink_sum(ink.mask) > 0


# ---------------------------------------------------------------- regional forms


def test_han_takes_regional_forms_by_language(book, ink_line):
    def han(lang: str) -> Image.Image:
        return canvas(ink_line(book, "直骨海", "Inter", "regular", SIZE, lang), pad=4)[0]

    ja, zh_hans, zh_hant = han("ja"), han("zh-Hans"), han("zh-Hant")
    assert diff(ja, han("ja-JP")) == 0
    assert ja.size == zh_hans.size == zh_hant.size
    # different glyphs, not a pixel of noise: each pair differs by many strokes' worth of ink
    for a, b in ((ja, zh_hans), (ja, zh_hant), (zh_hans, zh_hant)):
        assert diff(a, b) > 0.05 * ink_sum(a)
