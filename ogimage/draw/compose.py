"""Draw a :class:`~ogimage.cardlayout.CardLayout` onto its template's base image.

Text is inked as coverage masks (one per colour) and composed at the end, so
the same ink serves an RGB card and a palette card.
"""

from __future__ import annotations

from PIL import Image, ImageChops

from ..cardlayout import CardLayout, PlacedLine
from ..fonts import FontBook
from ..template import RGBA
from .canvas import base_image, rounded_rect
from .text import ink_line


def _ink_into(mask: Image.Image, colour_layers: list, book: FontBook, line: PlacedLine, family: str,
              weight: str, size: int, lang: str) -> None:
    ink = ink_line(book, line.text, family, weight, size, lang, line.direction)
    pen_x, pen_y = round(line.x), round(line.baseline)
    x, y = pen_x + ink.origin[0], pen_y + ink.origin[1]
    region = (x, y, x + ink.mask.width, y + ink.mask.height)
    # Lines may overlap (descenders): merge with what is there instead of overwriting it.
    mask.paste(ImageChops.lighter(mask.crop(region), ink.mask), (x, y))
    for layer, (dx, dy) in ink.colour_layers:
        colour_layers.append((layer, (pen_x + dx, pen_y + dy)))


def draw_layout(layout: CardLayout, book: FontBook) -> Image.Image:
    """Render ``layout`` to a new RGB image."""
    template = layout.template
    image = base_image(template).copy()
    masks: dict[RGBA, Image.Image] = {}
    colour_layers: list = []
    for box in layout.boxes:
        size = round(box.font_size)
        if box.chips:
            style = next(b for b in template.boxes if b.name == box.name).chips
            assert style is not None
            for chip in box.chips:
                rounded_rect(image, (chip.x, chip.y, chip.x + chip.width - 1, chip.y + chip.height - 1),
                             style.radius, style.color)
        lines = list(box.lines) + [c.line for c in box.chips]
        if not lines:
            continue
        mask = masks.get(box.color)
        if mask is None:
            mask = masks[box.color] = Image.new("L", image.size, 0)
        for line in lines:
            _ink_into(mask, colour_layers, book, line, box.family, box.weight, size, box.lang)
    for colour, mask in masks.items():
        if colour[3] != 255:
            mask = mask.point(lambda v, a=colour[3]: v * a // 255)
        image.paste(colour[:3] + (255,), (0, 0), mask)
    for layer, position in colour_layers:
        image.alpha_composite(layer, position) if _inside(image, layer, position) else _paste_clipped(image, layer, position)
    return image.convert("RGB")


def _inside(image: Image.Image, layer: Image.Image, pos: tuple[int, int]) -> bool:
    return pos[0] >= 0 and pos[1] >= 0 and pos[0] + layer.width <= image.width and pos[1] + layer.height <= image.height


def _paste_clipped(image: Image.Image, layer: Image.Image, pos: tuple[int, int]) -> None:
    image.paste(layer, pos, layer)
