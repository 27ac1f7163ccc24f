"""Draw a :class:`~ogimage.cardlayout.CardLayout` onto its template's base.

Everything a card adds is a *paint*: a colour and a coverage mask (text lines,
tag chips), applied in order. A card whose template base fits a small palette
and that has no colour glyphs is composed directly as a palette image: each
paint gets a ramp of palette entries blending its colour into the background
under it, and its coverage picks the entry. Palette PNGs encode several times
faster than RGB ones and are smaller. Other cards (colour emoji, photographic
backgrounds) are composed in RGB(A) from the same paints.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from PIL import Image

from .. import budget
from ..caches import ENTRY_OVERHEAD, SizedCache
from ..cardlayout import CardLayout, PlacedLine
from ..fonts import FontBook
from ..template import RGBA
from .canvas import Base, base_for, rounded_rect_mask
from .text import coverage, line_pieces

# Coverage levels per paint in a palette card. 16 levels look the same as 32 or 256 on
# antialiased text at card sizes (compared side by side at 3x zoom) and compress ~10 % smaller.
MAX_LEVELS = 16
MIN_LEVELS = 6


@dataclass
class Paint:
    """A colour applied through a coverage mask placed at ``origin`` on the canvas."""

    color: RGBA
    mask: Image.Image
    origin: tuple[int, int]
    under: tuple[int, int, int] | None = None  # the solid colour this paint sits on, if known (chips)

    @property
    def box(self) -> tuple[int, int, int, int]:
        x, y = self.origin
        return x, y, x + self.mask.width, y + self.mask.height


class _Canvas:
    """Collects paints and colour layers while a layout is drawn."""

    def __init__(self, size: tuple[int, int]) -> None:
        self.size = size
        self.paints: list[Paint] = []
        self.colour_layers: list[tuple[Image.Image, tuple[int, int]]] = []

    def text(self, book: FontBook, lines: list[PlacedLine], family: str, weight: str, size: int, lang: str,
             color: RGBA, under: tuple[int, int, int] | None = None) -> None:
        """Add a box's lines as one paint (its pieces pasted into one coverage mask)."""
        placed = []
        for line in lines:
            drawn = line_pieces(book, line.text, family, weight, size, lang, line.direction)
            px, py = round(line.x), round(line.baseline)
            placed += [(piece, px + left, py + top) for piece, left, top in drawn.pieces]
            self.colour_layers += [(layer, (px + dx, py + dy)) for layer, (dx, dy) in drawn.colour_layers]
        inked = coverage(placed)
        if inked is not None:
            self.paints.append(Paint(color, inked[0], inked[1], under))


def _blend(color: RGBA, under: tuple[int, int, int]) -> tuple[int, int, int]:
    a = color[3] / 255
    return tuple(round(under[c] + (color[c] - under[c]) * a) for c in range(3))  # type: ignore[return-value]


def _clip(paint: Paint, size: tuple[int, int]) -> Paint | None:
    clipped = _clip_layer(paint.mask, paint.origin, size)
    if clipped is None:
        return None
    mask, origin = clipped
    return paint if mask is paint.mask else Paint(paint.color, mask, origin, paint.under)


def _compose_palette(base: Base, paints: list[Paint],
                     colour_layers: list[tuple[Image.Image, tuple[int, int]]] = ()) -> Image.Image | None:  # type: ignore[assignment]
    """Compose paints, then colour layers (emoji), on the indexed base; None when the
    palette has no room for them."""
    assert base.indexed is not None
    if not paints and not colour_layers:
        return base.indexed.copy()
    room = 256 - base.colours
    levels = MAX_LEVELS
    if paints:
        # Colour glyphs get what text leaves: MIN_EMOJI_COLOURS each for up to four of them.
        levels = min(MAX_LEVELS, (room - MIN_EMOJI_COLOURS * min(4, len(colour_layers))) // len(paints))
        if levels < MIN_LEVELS:
            return None
    budget = room - levels * len(paints)
    share = budget // len(colour_layers) if colour_layers else 0
    if colour_layers and share < MIN_EMOJI_COLOURS and budget < 2 * MIN_EMOJI_COLOURS:
        return None
    image = base.indexed.copy()
    palette = list(base.palette)
    painted: list[tuple[int, int, int, int]] = []
    for paint in paints:
        under, flat = base.under(paint.box)
        if paint.under is not None:
            under, flat = paint.under, None
        if flat is not None and any(_overlap(paint.box, box) for box in painted):
            flat = None  # what is under it now is an earlier paint, not the flat base
        start = len(palette) // 3
        palette.extend(_ramp(paint.color, under, levels))
        # Pillow's core paste copies the raw indices of the L image (no palette, no conversion)
        if flat is not None:  # uncovered pixels keep the flat base's index: no mask needed
            indices = _lookup(paint.mask, (flat, *_ramp_lut(start, levels)[1:]))
            image.im.paste(indices.im, paint.box)
        else:
            indices = _lookup(paint.mask, _ramp_lut(start, levels))
            image.im.paste(indices.im, paint.box, _lookup(paint.mask, _INKED).im)
        painted.append(paint.box)
    unders = [base.mean_colour((x, y, x + layer.width, y + layer.height)) for layer, (x, y) in colour_layers]
    if share >= MIN_EMOJI_COLOURS:  # each glyph its own palette share (cached per glyph)
        glyphs = [_indexed_layers([(layer, under)], min(share, MAX_EMOJI_COLOURS))
                  for (layer, _), under in zip(colour_layers, unders)]
    elif colour_layers:  # many glyphs: one palette shared by all of them
        glyphs = [_indexed_layers(list(zip((layer for layer, _ in colour_layers), unders)), budget)]
    else:
        glyphs = []
    placed = iter(colour_layers)
    for colours, parts in glyphs:
        start = len(palette) // 3
        palette.extend(colours)
        lut = _offset_lut(start)
        for indices, inked in parts:
            _, at = next(placed)
            indices = _lookup(indices, lut)
            indices.putpalette(palette)
            image.paste(indices, at, inked)
    image.putpalette(palette)
    return image


# Palette entries per colour glyph on a palette card: 64 keep an 80 px emoji's shading
# (compared at 3x zoom against the RGB card); fewer than 24 and the card goes RGB instead.
MAX_EMOJI_COLOURS = 64
MIN_EMOJI_COLOURS = 24


@lru_cache(maxsize=256)
def _offset_lut(start: int) -> tuple[int, ...]:
    return tuple(min(255, start + i) for i in range(256))


# Quantised colour layers (emoji on palette cards): per layer an index image and a mask.
LAYER_CACHE_BYTES = 1 << 20


def _layers_cost(key: tuple, found: tuple[tuple[int, ...], list[tuple[Image.Image, Image.Image]]]) -> int:
    return ENTRY_OVERHEAD + 8 * len(found[0]) + sum(2 * idx.width * idx.height for idx, _ in found[1])


_layer_cache: SizedCache[tuple, tuple[tuple[int, ...], list[tuple[Image.Image, Image.Image]]]] = SizedCache(
    "emoji_layers", LAYER_CACHE_BYTES, _layers_cost
)


def _indexed_layers(layers: list[tuple[Image.Image, tuple[int, int, int]]], colours: int
                    ) -> tuple[tuple[int, ...], list[tuple[Image.Image, Image.Image]]]:
    """Colour layers (RGBA), each flattened on the colour under it, quantised together to
    ``colours`` palette entries: (flat RGB palette, and per layer its indices as an ``L``
    image and where it is inked as an ``L`` mask). Cached by content."""
    key = (tuple((layer.size, hash(layer.tobytes()), under) for layer, under in layers), colours)
    found = _layer_cache.get(key)
    if found is None:
        atlas = Image.new("RGB", (sum(layer.width for layer, _ in layers), max(layer.height for layer, _ in layers)))
        x = 0
        for layer, under in layers:  # side by side, one quantisation for all
            atlas.paste(under, (x, 0, x + layer.width, layer.height))
            atlas.paste(layer, (x, 0), layer)
            x += layer.width
        quantised = atlas.quantize(colors=colours, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
        used = (quantised.getextrema()[1] or 0) + 1  # type: ignore[index, operator]
        palette = tuple((quantised.getpalette() or [])[: used * 3])
        indices = Image.frombytes("L", quantised.size, quantised.tobytes())
        parts = []
        x = 0
        for layer, _ in layers:
            parts.append((indices.crop((x, 0, x + layer.width, layer.height)), _lookup(layer.getchannel("A"), _INKED)))
            x += layer.width
        found = (palette, parts)
        _layer_cache.put(key, found)
    return found


def _overlap(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


_INKED = (0, *([255] * 255))  # coverage > 0: the paint owns the pixel


def _lookup(mask: Image.Image, lut: tuple[int, ...]) -> Image.Image:
    """``mask.point(lut)`` for an 8-bit table of ints, without Pillow rounding all 256
    entries in Python on every call (a quarter of composing a card)."""
    try:
        return mask._new(mask.im.point(lut, None))
    except AttributeError:  # pragma: no cover - a Pillow without the core call
        return mask.point(list(lut))


@lru_cache(maxsize=1024)
def _ramp(color: RGBA, under: tuple[int, int, int], levels: int) -> tuple[int, ...]:
    """Palette entries (flat RGB) from just above ``under`` up to ``color`` over it."""
    top = _blend(color, under)
    return tuple(round(under[c] + (top[c] - under[c]) * k / levels) for k in range(1, levels + 1) for c in range(3))


@lru_cache(maxsize=1024)
def _ramp_lut(start: int, levels: int) -> tuple[int, ...]:
    """Coverage (0-255) -> palette index: 0 stays 0 (masked out), the rest pick a ramp entry."""
    return (0, *(start + min(levels - 1, v * levels // 256) for v in range(1, 256)))


def _compose_rgb(base: Base, paints: list[Paint], colour_layers: list) -> Image.Image:
    image = base.rgba if base.photo is None else base.photo.copy()  # rgba of a palette base is new
    for paint in paints:
        mask = paint.mask
        if paint.color[3] != 255:
            mask = mask.point(lambda v, a=paint.color[3]: v * a // 255)
        image.paste(paint.color[:3] + (255,), paint.origin, mask)
    for layer, (x, y) in colour_layers:
        if x >= 0 and y >= 0 and x + layer.width <= image.width and y + layer.height <= image.height:
            image.alpha_composite(layer, (x, y))
        else:
            image.paste(layer, (x, y), layer)
    return image.convert("RGB")


def draw_layout(layout: CardLayout, book: FontBook) -> Image.Image:
    """Render ``layout``: a palette (P) image when possible, else RGB."""
    return draw_card(layout, book).image


@dataclass(frozen=True)
class Drawn:
    """A drawn card: the image, and for a palette card the template base image it was
    composed on and the row ranges ``(start, end)`` where it may differ from that base
    (an encoder may reuse the base's rows elsewhere; the PNG writer keeps its own state)."""

    image: Image.Image
    base: Image.Image | None = None
    changed_rows: list[tuple[int, int]] | None = None


def draw_card(layout: CardLayout, book: FontBook) -> Drawn:
    """Render ``layout`` (see :func:`draw_layout`), with what its encoder may reuse."""
    template = layout.template
    base = base_for(template)
    canvas = _Canvas((template.width, template.height))
    for box in layout.boxes:
        budget.check()  # the render's time budget (ogimage/budget.py)
        size = round(box.font_size)
        if box.chips:
            style = template.box(box.name).chips  # type: ignore[union-attr] - arranged boxes come from the template
            assert style is not None
            for chip in box.chips:
                x, y = round(chip.x), round(chip.y)
                mask = rounded_rect_mask((round(chip.width), round(chip.height)), style.radius)
                chip_under = base.mean_colour((x, y, x + mask.width, y + mask.height))
                canvas.paints.append(Paint(style.color, mask, (x, y), chip_under))
                canvas.text(book, [chip.line], box.family, box.weight, size, box.lang, box.color,
                            _blend(style.color, chip_under))
        if box.lines:
            canvas.text(book, list(box.lines), box.family, box.weight, size, box.lang, box.color)
    paints = [p for p in (_clip(p, canvas.size) for p in canvas.paints) if p is not None]
    layers = [c for c in (_clip_layer(layer, at, canvas.size) for layer, at in canvas.colour_layers) if c]
    if base.indexed is not None:
        image = _compose_palette(base, paints, layers)
        if image is not None:
            dirty = [(p.box[1], p.box[3]) for p in paints] + [(y, y + img.height) for img, (_, y) in layers]
            return Drawn(image, base.indexed, dirty)
    return Drawn(_compose_rgb(base, paints, canvas.colour_layers))


def _clip_layer(layer: Image.Image, at: tuple[int, int], size: tuple[int, int]
                ) -> tuple[Image.Image, tuple[int, int]] | None:
    """The part of an image placed at ``at`` that falls on a canvas of ``size`` (the same
    image when all of it does), and where it goes; None when none of it does."""
    x, y = at
    x0, y0, x1, y1 = max(0, x), max(0, y), min(size[0], x + layer.width), min(size[1], y + layer.height)
    if x1 <= x0 or y1 <= y0:
        return None
    if (x0, y0, x1, y1) == (x, y, x + layer.width, y + layer.height):
        return layer, at
    return layer.crop((x0 - x, y0 - y, x1 - x, y1 - y)), (x0, y0)
