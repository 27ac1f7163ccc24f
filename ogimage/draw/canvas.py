"""The part of a card that does not depend on the card: background, shapes, logo.

Drawn once per template (keyed by its digest) and reused for every card, both
as an RGBA image and, when the template has few enough colours, as a palette
image that cards are composed on directly (see :mod:`ogimage.draw.compose`).
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

from PIL import Image, ImageChops, ImageDraw, ImageOps

from ..template import RGBA, Background, Gradient, Template

# Palette entries a template base may use; the rest are left for text ramps.
BASE_COLOURS = 128

_lock = threading.Lock()
_bases: dict[str, Base] = {}
_building: dict[str, threading.Lock] = {}


@dataclass(frozen=True)
class Base:
    """A template's static layers: ``indexed`` (mode P) when they fit a small palette, else
    ``photo`` (RGBA). :attr:`rgba` gives RGBA either way; for a palette base it is made on
    demand (3 ms, on the rare RGB card) rather than kept: 3 MB a template."""

    photo: Image.Image | None
    indexed: Image.Image | None
    palette: tuple[int, ...]  # flat RGB triples of ``indexed``'s used entries
    flat_rows: tuple[int | None, ...] = ()  # per row of ``indexed``: the one index filling it, or None

    @property
    def rgba(self) -> Image.Image:
        """The static layers as RGBA (a new image for palette bases; never draw on a shared one)."""
        if self.photo is not None:
            return self.photo
        assert self.indexed is not None
        return self.indexed.convert("RGBA")

    @property
    def size(self) -> tuple[int, int]:
        """Width and height in px."""
        image = self.indexed if self.indexed is not None else self.photo
        assert image is not None
        return image.size

    @property
    def colours(self) -> int:
        """How many palette entries the base uses."""
        return len(self.palette) // 3

    def mean_colour(self, box: tuple[int, int, int, int]) -> tuple[int, int, int]:
        """The average colour of the base inside ``box`` (what antialiased text blends into)."""
        return self.under(box)[0]

    def under(self, box: tuple[int, int, int, int]) -> tuple[tuple[int, int, int], int | None]:
        """The average colour of the base inside ``box``, and the palette index that fills
        all of it when one does (a flat region), else None."""
        x0, y0, x1, y1 = _clip(box, self.size)
        if x1 <= x0 or y1 <= y0:
            if self.indexed is not None:
                index = self.indexed.getpixel((0, 0))
                return tuple(self.palette[3 * index : 3 * index + 3]), None  # type: ignore[return-value, operator]
            return self.rgba.getpixel((0, 0))[:3], None
        if self.indexed is not None:  # a histogram of palette indices: no pixel conversion
            rows = self.flat_rows[y0:y1]
            if rows and rows[0] is not None and rows.count(rows[0]) == len(rows):
                index = rows[0]
                return tuple(self.palette[3 * index : 3 * index + 3]), index  # type: ignore[return-value]
            # Every 4th pixel each way is plenty for an average, and 16x cheaper to count.
            sample = self.indexed.resize((max(1, (x1 - x0) // 4), max(1, (y1 - y0) // 4)),
                                         Image.Resampling.NEAREST, box=(x0, y0, x1, y1))
            counts = [(i, n) for i, n in enumerate(sample.histogram()[: self.colours]) if n]  # the base's entries
            total = sum(n for _, n in counts)
            pal = self.palette
            mean = tuple(round(sum(n * pal[3 * i + c] for i, n in counts) / total) for c in range(3))
            return mean, None  # type: ignore[return-value]
        region = self.rgba.crop((x0, y0, x1, y1)).convert("RGB").resize((1, 1), Image.Resampling.BOX)
        return region.getpixel((0, 0)), None  # type: ignore[return-value]


def _clip(box: tuple[int, int, int, int], size: tuple[int, int]) -> tuple[int, int, int, int]:
    x0, y0, x1, y1 = box
    return max(0, x0), max(0, y0), min(size[0], x1), min(size[1], y1)


def gradient_image(size: tuple[int, int], gradient: Gradient) -> Image.Image:
    """A linear gradient as an RGB image, built from a 256-step ramp (cheap, and palette-friendly)."""
    width, height = size
    angle = math.radians(gradient.angle)
    wx, wy = math.cos(angle), math.sin(angle)
    total = abs(wx) + abs(wy) or 1.0
    wx, wy = wx / total, wy / total
    ramp = Image.linear_gradient("L")  # 256x256, 0 at the top, 255 at the bottom
    vertical = ramp.resize((width, height))
    horizontal = ramp.transpose(Image.Transpose.ROTATE_90).transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    horizontal = horizontal.resize((width, height))
    if wx < 0:
        horizontal = ImageOps.invert(horizontal)
    if wy < 0:
        vertical = ImageOps.invert(vertical)
    h = horizontal.point(lambda v: round(v * abs(wx)))
    v = vertical.point(lambda v: round(v * abs(wy)))
    mask = ImageChops.add(h, v)
    stops = gradient.colors
    palette: list[int] = []
    for i in range(256):
        t = i / 255 * (len(stops) - 1)
        k = min(int(t), len(stops) - 2)
        f = t - k
        a, b = stops[k], stops[k + 1]
        palette.extend(round(a[c] + (b[c] - a[c]) * f) for c in range(3))
    mask.putpalette(palette)  # an L image with a palette becomes a P image of the same indices
    return mask.convert("RGB")


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


def rounded_rect_mask(size: tuple[int, int], radius: float) -> Image.Image:
    """Coverage of a rounded rectangle filling ``size``, antialiased (drawn at 4x, reduced)."""
    w, h = size
    big = Image.new("L", (w * 4, h * 4), 0)
    ImageDraw.Draw(big).rounded_rectangle((0, 0, w * 4 - 1, h * 4 - 1), radius=radius * 4, fill=255)
    return big.reduce(4)


def build_rgba(template: Template) -> Image.Image:
    """Draw the template's static layers into a new RGBA image."""
    size = (template.width, template.height)
    image = _background(size, template.background)
    for shape in template.shapes:
        x, y = shape.x, shape.y
        layer = Image.new("RGBA", (shape.width, shape.height), shape.color)
        image.alpha_composite(Image.composite(layer, Image.new("RGBA", layer.size, (0, 0, 0, 0)),
                                              rounded_rect_mask(layer.size, shape.radius)), (x, y))
    if template.logo is not None:
        logo = template.logo
        with Image.open(logo.path) as src:
            picture = ImageOps.contain(src.convert("RGBA"), (logo.width, logo.height), Image.Resampling.LANCZOS)
        image.alpha_composite(picture, (logo.x + (logo.width - picture.width) // 2,
                                        logo.y + (logo.height - picture.height) // 2))
    return image


def _exact_indexed(rgb: Image.Image, colours: list[tuple[int, int, int]]
                   ) -> tuple[Image.Image, tuple[int, ...]] | None:
    """``rgb`` as a palette image of exactly ``colours`` (every colour it holds), built with
    table lookups instead of quantising (~70 ms on a card): each channel value maps to its rank
    among that channel's values, the three ranks make one key below 256, and the key maps to
    the colour's index. None when the ranks do not fit one byte."""
    values = [sorted({c[k] for c in colours}) for k in range(3)]
    sizes = [len(v) for v in values]
    if sizes[0] * sizes[1] * sizes[2] > 256:
        return None
    scale = (sizes[1] * sizes[2], sizes[2], 1)
    keyed = []
    for k, band in enumerate(rgb.split()):
        lut = [0] * 256
        for rank, value in enumerate(values[k]):
            lut[value] = rank * scale[k]
        keyed.append(band.point(lut))
    key = ImageChops.add(ImageChops.add(keyed[0], keyed[1]), keyed[2])
    to_index = [0] * 256
    for index, (r, g, b) in enumerate(colours):
        to_index[values[0].index(r) * scale[0] + values[1].index(g) * scale[1] + values[2].index(b)] = index
    indexed = key.point(to_index)
    palette = tuple(c for colour in colours for c in colour)
    indexed.putpalette(list(palette))  # an L image with a palette becomes a P image of the same indices
    return indexed, palette


def _indexed(rgba: Image.Image) -> tuple[Image.Image | None, tuple[int, ...]]:
    """The base as a palette image of at most BASE_COLOURS entries, or None for photographic bases."""
    rgb = rgba.convert("RGB")
    colours = rgb.getcolors(maxcolors=BASE_COLOURS)
    if colours is not None:
        exact = _exact_indexed(rgb, [colour for _, colour in colours])
        if exact is not None:
            return exact
        # Exact: few colours (flat backgrounds, shapes).
        # Median cut keeps every colour when there are no more colours than entries; check it did.
        indexed = rgb.quantize(colors=len(colours), method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
        if indexed.convert("RGB").tobytes() != rgb.tobytes():
            palette = [c for _, colour in colours for c in colour]
            lookup = {colour: i for i, (_, colour) in enumerate(colours)}
            indexed = Image.new("P", rgb.size)
            indexed.putpalette(palette)
            indexed.putdata([lookup[p] for p in rgb.get_flattened_data()])
        palette = (indexed.getpalette() or [])[: len(colours) * 3]
        return indexed, tuple(palette)
    if rgb.getcolors(maxcolors=4096) is None:
        return None, ()  # photographic: keep RGB
    # Gradients and logos: a median-cut palette loses nothing visible at this size.
    indexed = rgb.quantize(colors=BASE_COLOURS, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    palette = indexed.getpalette() or []
    used = max(indexed.getextrema()[1], 0) + 1  # type: ignore[index]
    return indexed, tuple(palette[: used * 3])


def _flat_rows(indexed: Image.Image) -> tuple[int | None, ...]:
    """For each row, the palette index filling all of it, or None (shapes, logos, gradients)."""
    width = indexed.width
    raw = indexed.tobytes()
    rows = (raw[y * width : (y + 1) * width] for y in range(indexed.height))
    return tuple(row[0] if row.count(row[0]) == width else None for row in rows)


def base_for(template: Template) -> Base:
    """The template's static layers (cached per digest). Never draw on the returned images; copy them.

    Each template has its own lock, so several templates' bases can be built at once (their
    quantising releases the GIL); two threads asking for the same one build it once."""
    base = _bases.get(template.digest)
    if base is None:
        with _lock:
            lock = _building.setdefault(template.digest, threading.Lock())
        with lock:
            base = _bases.get(template.digest)
            if base is None:
                rgba = build_rgba(template)
                indexed, palette = _indexed(rgba)
                # A palette base keeps only its indexed image: every card, palette or RGB, starts
                # from the same pixels (Base.rgba converts it).
                base = Base(None if indexed is not None else rgba, indexed, palette,
                            _flat_rows(indexed) if indexed is not None else ())
                _bases[template.digest] = base
    return base
