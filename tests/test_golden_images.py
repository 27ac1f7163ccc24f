"""Golden images: every bundled template on a dozen titles, decoded and compared with a stored PNG.

These are what prove a refactor changed no pixels. A card is compared with its golden
file in RGB, within a small tolerance (so a Pillow or FreeType upgrade that moves a few
antialiased edge pixels does not fail the suite, while a glyph moved, dropped or drawn
in another face does):

- a pixel *differs* when any channel is off by more than ``CHANNEL_TOLERANCE``;
- the card fails when more than ``MAX_DIFFERING_FRACTION`` of its pixels differ.

Regenerate the goldens after a change that is meant to change pixels (look at them!)::

    OGIMAGE_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_golden_images.py

Each file is the PNG ogimage itself wrote (15-60 KB); ``git diff --stat`` shows which changed.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from PIL import Image, ImageChops

GOLDEN = Path(__file__).parent / "golden" / "images"
UPDATE = os.environ.get("OGIMAGE_UPDATE_GOLDEN") == "1"
CHANNEL_TOLERANCE = 8
MAX_DIFFERING_FRACTION = 0.001  # 0.1 %: ~750 of a 1200x630 card's 756,000 pixels

TEMPLATES = ("default", "light", "plain")
FULL = {
    "description": "DeepSeekは、オープンソースのマルチモーダルモデルJanus-ProでAIの風景を変革しています。",
    "site": "Cuckoo Network",
    "author": ["Lark", "Wren"],
    "date": "2026-11-01",
    "tags": ["AI", "オープンソース", "DeepSeek"],
}
# name -> card fields (title and lang; "full" carries every field the templates show)
CARDS: dict[str, dict[str, object]] = {
    "ja": {"lang": "ja", "title": "Janus-Pro：DeepSeekが公開したオープンソースのマルチモーダルモデルを徹底解説"},
    "zh-Hans": {"lang": "zh-Hans", "title": "开源模型达到闭源模型95%的性能时，整个AI商业模式都会改变"},
    "zh-Hant": {"lang": "zh-Hant", "title": "專家混合（MoE）架構為何成為關鍵差異化因素？"},
    "ko": {"lang": "ko", "title": "한국어 줄바꿈은 어절 단위로 이루어져야 합니다 — 띄어쓰기를 존중하는 레이아웃"},
    "en": {"lang": "en", "title": "The Next Battle Is Reasoning: What Comes After Transformers?"},
    "ar": {"lang": "ar", "title": "المصدر المفتوح مقابل المصدر المغلق: جبهة جديدة"},
    "he": {"lang": "he", "title": "הקרב הבא הוא על יכולת ההסקה"},
    "th": {"lang": "th", "title": "การต่อสู้ครั้งต่อไปคือการให้เหตุผล"},
    "hi": {"lang": "hi", "title": "अगली लड़ाई तर्क क्षमता की है: ट्रांसफ़ॉर्मर के बाद क्या?"},
    "emoji": {"title": "Launch day 🚀 👩🏽‍💻 🇯🇵 1️⃣ ❤️ 😀😃😄"},
    "mixed": {"lang": "ja", "title": "MoE×RL：DeepSeek-R1に学ぶ「効率」という武器 🚀"},
    "long": {"lang": "en", "title": " ".join(["An extremely long title that cannot possibly fit"] * 6)},
    "full": {"lang": "ja", "title": "DeepSeekのオープンソース革命：クローズドAIサミットからの洞察", **FULL},
}


def differing_fraction(a: Image.Image, b: Image.Image, tolerance: int = CHANNEL_TOLERANCE) -> tuple[float, int]:
    """(fraction of pixels where some channel differs by more than ``tolerance``, largest channel difference)."""
    diff = ImageChops.difference(a.convert("RGB"), b.convert("RGB"))
    largest = max(high for _, high in diff.getextrema())
    over = [band.point(lambda v: 255 if v > tolerance else 0) for band in diff.split()]
    mask = ImageChops.lighter(ImageChops.lighter(over[0], over[1]), over[2])
    differing = mask.histogram()[255]
    return differing / (a.width * a.height), largest


@pytest.mark.parametrize("name", sorted(CARDS))
@pytest.mark.parametrize("template", TEMPLATES)
def test_card_matches_its_golden_image(engine, template: str, name: str) -> None:
    data = engine.render(engine.card(CARDS[name], template), "png")
    path = GOLDEN / f"{template}-{name}.png"
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    assert path.exists(), f"no golden {path.name}; run OGIMAGE_UPDATE_GOLDEN=1 pytest {Path(__file__).name}"
    got = Image.open(io.BytesIO(data))
    want = Image.open(path)
    assert got.size == want.size == (engine.template(template).width, engine.template(template).height)
    fraction, largest = differing_fraction(got, want)
    assert fraction <= MAX_DIFFERING_FRACTION, (
        f"{path.name}: {fraction:.3%} of pixels differ by more than {CHANNEL_TOLERANCE} "
        f"(largest channel difference {largest}); if intended, regenerate (see module docstring)"
    )


def test_the_comparison_catches_a_moved_glyph(engine) -> None:
    """The tolerance is not so loose that a shifted title passes."""
    card = engine.card(CARDS["en"], "plain")
    image = Image.open(io.BytesIO(engine.render(card))).convert("RGB")
    shifted = ImageChops.offset(image, 2, 0)
    assert differing_fraction(image, image) == (0.0, 0)
    assert differing_fraction(image, shifted)[0] > MAX_DIFFERING_FRACTION
