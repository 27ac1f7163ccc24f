"""Pixel helpers for tests that check decoded cards (a plain module, imported by name)."""

from __future__ import annotations

import io

from PIL import Image, ImageChops

from ogimage.draw.canvas import base_for


def decode(data: bytes) -> Image.Image:
    """The image ``data`` encodes, fully loaded (a truncated file fails here, not later)."""
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def ink_bbox(engine, card, image: Image.Image,
             region: tuple[int, int, int, int] | None = None) -> tuple[int, int, int, int] | None:
    """The box of ``image``'s pixels that differ from the card template's bare base, or None.

    With ``region`` (left, top, right, bottom) only that part of both is compared, and the
    box is relative to it.
    """
    base = base_for(engine.template(card.template)).rgba.convert("RGB")
    rgb = image.convert("RGB")
    if region is not None:
        base, rgb = base.crop(region), rgb.crop(region)
    return ImageChops.difference(rgb, base).getbbox()


def title_line_inks(engine, card, inset: int = 0) -> tuple[dict, list[tuple[dict, tuple[int, int, int, int] | None]]]:
    """(the title box of ``card``'s layout, [(layout line, ink box of that line's band in the
    decoded PNG)]). ``inset`` px are left off the top and bottom of each band (so a tall
    neighbour's ink does not count)."""
    layout = engine.layout(card)
    box = layout["boxes"]["title"]
    image = decode(engine.render(card)).convert("RGB")
    base = base_for(engine.template(card.template)).rgba.convert("RGB")
    out = []
    for line in box["lines"]:
        band = (0, int(line["y"]) + inset, image.width, int(line["y"] + box["line_height"]) - inset)
        out.append((line, ImageChops.difference(image.crop(band), base.crop(band)).getbbox()))
    return box, out
