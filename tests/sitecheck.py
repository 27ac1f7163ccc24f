"""Checks shared by the MkDocs and Sphinx tests: read a built page's head, decode its card."""

from __future__ import annotations

import io
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from PIL import Image

import ogimage

#: Every tag a page with a card must carry, each exactly once.
CARD_TAGS = (
    "og:image",
    "og:image:width",
    "og:image:height",
    "og:image:type",
    "og:image:alt",
    "twitter:card",
    "twitter:image",
    "twitter:image:alt",
)


class _Head(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.in_head = False
        self.seen_head = False
        self.meta: list[tuple[str, str]] = []
        self.body_meta: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "head":
            self.in_head = self.seen_head = True
        elif tag == "body":
            self.in_head = False
        elif tag == "meta":
            a = dict(attrs)
            key = a.get("property") or a.get("name")
            if key:
                (self.meta if self.in_head else self.body_meta).append((key, a.get("content") or ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "head":
            self.in_head = False


def head_meta(html: str) -> list[tuple[str, str]]:
    """The (property or name, content) pairs of the ``<meta>`` elements inside ``<head>``."""
    parser = _Head()
    parser.feed(html)
    assert parser.seen_head, "no <head>"
    assert not [k for k, _ in parser.body_meta if k.startswith(("og:", "twitter:"))], parser.body_meta
    return parser.meta


def card_tags(html: str) -> list[tuple[str, str]]:
    """Only the ``og:image…`` and ``twitter:`` tags of the head, in order."""
    return [(k, v) for k, v in head_meta(html) if k.startswith(("og:image", "twitter:"))]


def check_tags(html: str, image_url: str, alt: str) -> None:
    """Every card tag exactly once, with these values."""
    tags = card_tags(html)
    assert sorted(k for k, _ in tags) == sorted(CARD_TAGS), tags
    values = dict(tags)
    assert values == {
        "og:image": image_url,
        "og:image:width": "1200",
        "og:image:height": "630",
        "og:image:type": "image/png",
        "og:image:alt": alt,
        "twitter:card": "summary_large_image",
        "twitter:image": image_url,
        "twitter:image:alt": alt,
    }


def check_card(png: Path, fields: dict[str, Any], template: str = "default") -> None:
    """``png`` is a 1200x630 PNG with exactly the pixels of ogimage's card for ``fields``."""
    data = png.read_bytes()
    with Image.open(io.BytesIO(data)) as im:
        assert im.format == "PNG"
        assert im.size == (1200, 630)
        got = im.convert("RGB")
    with Image.open(io.BytesIO(ogimage.render(fields, template=template))) as ref:
        want = ref.convert("RGB")
    assert got.tobytes() == want.tobytes(), f"{png} is not the card of {fields}"
    # ... and that card is the one of this title: its laid-out lines read back the title.
    layout = ogimage.layout(fields, template=template)
    assert not layout["missing_glyphs"], layout["missing_glyphs"]
    lines = "".join(line["text"] for line in layout["boxes"]["title"]["lines"])
    assert lines.replace(" ", "") == fields["title"].replace(" ", "")
