"""Rendered cards, decoded and checked pixel by pixel where it matters."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageChops

from pixels import decode, ink_bbox

JA_TITLE = "DeepSeekのオープンソース革命：クローズドAIサミットからの洞察"
FULL = {
    "title": JA_TITLE,
    "description": "DeepSeekは、オープンソースのマルチモーダルモデルJanus-ProでAIの風景を変革しています。",
    "site": "Cuckoo Network",
    "author": ["Lark"],
    "date": "2026-11-01",
    "tags": ["AI", "オープンソース", "DeepSeek"],
}


def test_plain_card_pixels(engine) -> None:
    card = engine.card({"title": JA_TITLE}, "plain")
    image = decode(engine.render(card))
    assert image.format == "PNG" and image.size == (1200, 630)
    rgb = image.convert("RGB")
    assert rgb.getpixel((2, 2)) == (0x0F, 0x17, 0x2A)
    assert rgb.getpixel((1197, 627)) == (0x0F, 0x17, 0x2A)
    assert rgb.getpixel((92, 556)) == (0x38, 0xBD, 0xF8)  # accent square centre
    # Title ink: bright pixels inside the title box, none outside it above the footer.
    title_region = rgb.crop((80, 80, 1120, 480))
    bright = sum(1 for p in title_region.get_flattened_data() if min(p) > 200)
    assert bright > 2000
    above_footer = ImageChops.difference(rgb.crop((0, 0, 1200, 540)), Image.new("RGB", (1200, 540), (0x0F, 0x17, 0x2A)))
    x0, y0, x1, y1 = above_footer.getbbox()
    assert x0 >= 80 and y0 >= 80 and x1 <= 1120 and y1 <= 480
    # Site line: muted ink right of the square, vertically centred on it.
    site = ImageChops.difference(rgb.crop((110, 530, 1200, 590)), Image.new("RGB", (1090, 60), (0x0F, 0x17, 0x2A)))
    sx0, sy0, sx1, sy1 = site.getbbox()
    assert sx0 + 110 >= 118
    assert abs((sy0 + sy1) / 2 + 530 - 556) <= 4


def test_plain_uses_site_from_card(engine) -> None:
    default = decode(engine.render(engine.card({"title": "Hello"}, "plain")))
    custom = decode(engine.render(engine.card({"title": "Hello", "site": "x"}, "plain")))
    footer = (110, 530, 1200, 590)
    assert ImageChops.difference(default.convert("RGB").crop(footer), custom.convert("RGB").crop(footer)).getbbox()


@pytest.mark.parametrize("template", ["default", "light"])
def test_full_card_draws_every_box_inside_the_canvas(engine, template: str) -> None:
    card = engine.card(FULL, template)
    image = decode(engine.render(card))
    assert image.size == (1200, 630)
    layout = engine.arrange(card)
    names = [b.name for b in layout.boxes]
    assert names == ["title", "description", "meta", "tags", "site"]
    boxes = {b.name: b for b in layout.boxes}
    assert boxes["description"].y == pytest.approx(boxes["title"].bottom + 20 if template == "default" else boxes["title"].bottom + 18)
    assert boxes["tags"].chips, "tags drawn as chips"
    for box in layout.boxes:
        for line in box.lines:
            assert line.width <= box.width + 0.5
    assert layout.missing_glyphs == ()


def test_description_follows_the_title(engine) -> None:
    short = engine.arrange(engine.card({"title": "Short", "description": "d"}, "default"))
    long = engine.arrange(engine.card({"title": "A much longer title " * 5, "description": "d"}, "default"))
    y = lambda layout: next(b for b in layout.boxes if b.name == "description").y  # noqa: E731
    assert y(long) > y(short)


@pytest.mark.parametrize("fmt", ["jpeg", "webp", "png"])
def test_formats(engine, fmt: str) -> None:
    image = decode(engine.render(engine.card({"title": "Formats"}, "default"), fmt))
    assert image.format == fmt.upper() and image.size == (1200, 630)


@pytest.mark.parametrize("template", ["plain", "default", "light"])
def test_every_sample_title_renders_without_tofu(engine, template: str, lang_title: tuple[str, str]) -> None:
    lang, title = lang_title
    card = engine.card({"title": title, "description": title}, template)
    layout = engine.arrange(card)
    assert layout.missing_glyphs == ()
    image = decode(engine.render(card))
    assert image.size == (1200, 630)
    bbox = ink_bbox(engine, card, image)
    assert bbox is not None
    title_box = next(b for b in layout.boxes if b.name == "title")
    assert title_box.lines


@pytest.mark.parametrize("title", ["المصدر المفتوح مقابل المصدر المغلق: جبهة جديدة", "הקרב הבא הוא על יכולת ההסקה"])
def test_right_to_left_titles_start_at_the_right_edge(engine, title: str) -> None:
    card = engine.card({"title": title}, "plain")
    layout = engine.arrange(card)
    title_box = next(b for b in layout.boxes if b.name == "title")
    for line in title_box.lines:
        assert line.direction == "rtl"
        # the pen ends past the edge by the last glyph's side bearing, so its ink meets it
        assert 80 + 1040 <= line.x + line.width <= 80 + 1040 + 0.2 * 64
    image = decode(engine.render(card)).convert("RGB")
    region = (0, 0, 1200, 480)
    ink = ImageChops.difference(image.crop(region), Image.new("RGB", (1200, 480), (0x0F, 0x17, 0x2A))).getbbox()
    assert ink is not None and 1119 <= ink[2] <= 1121


def test_left_to_right_titles_start_at_the_left_edge(engine) -> None:
    layout = engine.arrange(engine.card({"title": "Hello world"}, "plain"))
    # the pen starts left of the box by H's side bearing, so the ink meets it (tests/test_ink_align.py)
    x = next(b for b in layout.boxes if b.name == "title").lines[0].x
    bearing = engine.fonts.ink_sides("Hello world", "Inter", "bold", "en", 64)[0]
    assert 0 < bearing < 8 and x == pytest.approx(80 - bearing)


def test_emoji_on_a_palette_card_look_like_the_rgb_card(engine) -> None:
    """Colour emoji on a flat template are quantised into the card's palette instead of
    forcing an RGB card; the result must look like the RGB composition of the same paints."""
    from ogimage.draw import compose

    card = engine.card({"title": "Shipping 🚀 faster with 🎉 and ✨ 🇯🇵 flags"}, template="plain")
    layout = engine.arrange(card)
    drawn = compose.draw_card(layout, engine.fonts)
    assert drawn.image.mode == "P"  # palette path, emoji included
    png = decode(engine.render(card))
    assert png.mode == "P"

    captured = {}
    real = compose._compose_palette
    compose._compose_palette = lambda base, paints, layers=(): captured.setdefault("rgb", compose._compose_rgb(base, paints, layers))
    try:
        rgb = compose.draw_card(layout, engine.fonts).image
    finally:
        compose._compose_palette = real
    assert rgb.mode == "RGB"
    diff = ImageChops.difference(png.convert("RGB"), rgb)
    assert diff.getbbox() is not None  # quantised, so not identical...
    histogram = diff.convert("L").histogram()
    close = sum(histogram[:24]) / sum(histogram)
    assert close > 0.995  # ...but within a few levels almost everywhere
    # the emoji are really there, in colour: red of the rocket/flag on the title line
    colours = png.convert("RGB").crop((80, 80, 1120, 260)).getcolors(1 << 16)
    assert any(r > 180 and g < 90 and b < 90 for _, (r, g, b) in colours)


@pytest.mark.parametrize("template", ["plain", "light", "default"])
def test_flat_shortcut_draws_the_same_pixels_as_masked_paste(engine, template, monkeypatch) -> None:
    """Paints over a flat stretch of the base skip the mask; the pixels must not change."""
    from ogimage.draw import compose
    from ogimage.draw.canvas import Base

    card = engine.card(dict(FULL, title="Typesetting 「監督付き」 text — with chips"), template=template)
    layout = engine.arrange(card)
    fast = compose.draw_card(layout, engine.fonts).image
    real_under = Base.under
    monkeypatch.setattr(Base, "under", lambda self, box: (real_under(self, box)[0], None))
    slow = compose.draw_card(layout, engine.fonts).image
    assert fast.mode == slow.mode
    assert ImageChops.difference(fast.convert("RGB"), slow.convert("RGB")).getbbox() is None


def test_many_emoji_share_one_palette(engine) -> None:
    """Eighteen colour glyphs do not fit a share each; they are quantised together and the
    card stays a palette PNG, with every glyph in colour."""
    title = "😀😃😄😁😆😅🤣😂🙂🙃🫠😉😊😇🥰😍🤩😘"
    png = decode(engine.render(engine.card({"title": title}, template="plain")))
    assert png.mode == "P"
    rgb = png.convert("RGB")
    layout = engine.arrange(engine.card({"title": title}, template="plain"))
    first, second = layout.boxes[0].lines[:2] if layout.boxes[0].name == "title" else (None, None)
    assert first is not None and second is not None
    yellow = [(r, g, b) for _, (r, g, b) in rgb.crop((80, 80, 1120, 260)).getcolors(1 << 16) if r > 200 and g > 150 and b < 100]
    assert len(yellow) > 5  # the faces are yellow, in many shades


_MIXED = st.lists(
    st.sampled_from(["😀", "👩‍👩‍👧‍👦", "🇯🇵", "1️⃣", "日本", "語の", "カタカナ", "한국어 ", "مرحبا ", "שלום ", "ไทย",
                     "e\u0301", "Wait. ", "fi ", "—", "「", "」", "\u200d", "\ufe0f", " ", "x" * 30]),
    min_size=1, max_size=25,
).map("".join) | st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=60)


@settings(max_examples=60, deadline=None)
@given(title=_MIXED, template=st.sampled_from(["plain", "light", "default"]))
def test_any_title_renders_a_decodable_card(engine, title: str, template: str) -> None:
    """Pieces, the palette composer (emoji shares or one shared palette) and the PNG writer
    never fail on what a user can type, and the PNG decodes to a full card."""
    try:
        card = engine.card({"title": title}, template=template)
    except Exception as exc:  # noqa: BLE001 - a validation error is a fine answer; anything else is not
        from ogimage.errors import CardError

        assert isinstance(exc, CardError)
        return
    image = decode(engine.render(card))
    assert image.size == (1200, 630) and image.mode in ("P", "RGB")


def test_few_colour_bases_are_indexed_exactly_without_quantising(engine) -> None:
    """A template base of a few colours becomes a palette image of exactly those colours,
    pixel for pixel (table lookups, not a quantiser); many colours are left to quantising."""
    from ogimage.draw import canvas

    rgb = canvas.build_rgba(engine.template("plain")).convert("RGB")
    colours = [c for _, c in rgb.getcolors(256)]
    indexed, palette = canvas._exact_indexed(rgb, colours)
    assert indexed.mode == "P" and len(palette) == 3 * len(colours)
    assert indexed.convert("RGB").tobytes() == rgb.tobytes()
    stripes = Image.new("RGB", (30, 2))
    stripes.putdata([(i * 8, 255 - i * 8, i * 3) for i in range(30)] * 2)  # 30 values in every channel
    assert canvas._exact_indexed(stripes, [c for _, c in stripes.getcolors(256)]) is None
