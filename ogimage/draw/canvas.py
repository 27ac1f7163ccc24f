"""The part of a card that does not depend on the card: background, shapes, logo.

Drawn once per template (keyed by its digest) and copied for each card.
"""

from __future__ import annotations

import math
import threading

from PIL import Image, ImageChops, ImageDraw, ImageOps

from ..template import RGBA, Background, Gradient, Template

_lock = threading.Lock()
_bases: dict[str, Image.Image] = {}


def gradient_image(size: tuple[int, int], gradient: Gradient) -> Image.Image:
    """A linear gradient as an RGB image, built from a 256-step ramp (cheap, and palette-friendly)."""
    width, height = size
    angle = math.radians(gradient.angle)
    wx, wy = math.cos(angle), math.sin(angle)
    total = abs(wx) + abs(wy) or 1.0
    wx, wy = wx / total, wy / total
    ramp = Image.linear_gradient("L")  # 256x256, 0 at the top, 255 at the bottom
    vertical = ramp.resize((width, height))
    horizontal = ramp.transpose(Image.Transpose.ROTATE_90).transpose(Image.Transpose.FLIP_LEFT_RIGHT).resize((width, height))
    if wx < 0:
        horizontal = ImageOps.invert(horizontal)
    if wy < 0:
        vertical = ImageOps.invert(vertical)
    h = horizontal.point(lambda v: round(v * abs(wx)))
    v = vertical.point(lambda v: round(v * abs(wy)))
    mask = ImageChops.add(h, v)
    # Map positions 0..255 to colours through a palette: stops spread evenly.
    stops = gradient.colors
    palette: list[int] = []
    for i in range(256):
        t = i / 255 * (len(stops) - 1)
        k = min(int(t), len(stops) - 2)
        f = t - k
        a, b = stops[k], stops[k + 1]
        palette.extend(round(a[c] + (b[c] - a[c]) * f) for c in range(3))
    indexed = mask.copy()
    indexed = indexed.convert("P")
    indexed.putpalette(palette)
    return indexed.convert("RGB")


def _background(size: tuple[int, int], background: Background) -> Image.Image:
    image = Image.new("RGBA", size, background.color)
    if background.gradient is not None:
        image = gradient_image(size, background.gradient).convert("RGBA")
    if background.image is not None:
        with Image.open(background.image) as src:
            picture = src.convert("RGBA")
        if background.fit == "cover":
            picture = ImageOps.fit(picture, size, Image.Resampling.LANCZOS)
            image.alpha_composite(picture)
        else:
            picture = ImageOps.contain(picture, size, Image.Resampling.LANCZOS)
            image.alpha_composite(picture, ((size[0] - picture.width) // 2, (size[1] - picture.height) // 2))
    return image


def rounded_rect(image: Image.Image, box: tuple[float, float, float, float], radius: float, color: RGBA) -> None:
    """Draw a (translucent) rounded rectangle onto an RGBA image."""
    if color[3] == 255:
        ImageDraw.Draw(image).rounded_rectangle(box, radius=radius, fill=color)
        return
    layer = Image.new("RGBA", image.size, (0, 0, 0, 0))
    ImageDraw.Draw(layer).rounded_rectangle(box, radius=radius, fill=color)
    image.alpha_composite(layer)


def build_base(template: Template) -> Image.Image:
    """Draw the template's static layers into a new RGBA image."""
    size = (template.width, template.height)
    image = _background(size, template.background)
    for shape in template.shapes:
        rounded_rect(image, (shape.x, shape.y, shape.x + shape.width - 1, shape.y + shape.height - 1),
                     shape.radius, shape.color)
    if template.logo is not None:
        logo = template.logo
        with Image.open(logo.path) as src:
            picture = ImageOps.contain(src.convert("RGBA"), (logo.width, logo.height), Image.Resampling.LANCZOS)
        image.alpha_composite(picture, (logo.x + (logo.width - picture.width) // 2,
                                        logo.y + (logo.height - picture.height) // 2))
    return image


def base_image(template: Template) -> Image.Image:
    """The template's static layers (cached per digest). Callers must copy before drawing."""
    base = _bases.get(template.digest)
    if base is None:
        with _lock:
            base = _bases.get(template.digest)
            if base is None:
                base = build_base(template)
                _bases[template.digest] = base
    return base
