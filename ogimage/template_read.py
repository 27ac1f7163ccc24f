"""Reading a template's TOML into a :class:`~ogimage.template.Template`, with every rule it obeys.

The defaults live in the dataclasses of :mod:`ogimage.template` (declared once); this
module only reads, checks and fills them in. The rules (README "Templates"):

- **Every key is known.** An unknown key anywhere (top level, ``[background]``, a box,
  ``[[shapes]]``, ``[logo]``, ``gradient``) is an error naming the file and the key,
  with the nearest valid key (``title.max_line: unknown key; did you mean 'max_lines'?``).
- **Types and ranges.** Positions are whole numbers ``>= 0``, sizes ``>= 1``, colours
  ``#rgb``/``#rrggbb``/``#rrggbbaa``, choices one of a list.
- **On the canvas.** The canvas is at most :data:`MAX_CANVAS_SIDE` px a side; text
  boxes and the logo lie inside it; a shape at least starts on it.
- **Confined assets.** ``logo.path`` and ``background.image`` are relative paths that
  resolve inside the template's own folder or the bundled assets: no absolute path, no
  ``..``, no symbolic link that leads out; the file is a PNG, JPEG, GIF or WebP image of
  at most :data:`MAX_IMAGE_PIXELS_SIDE` px a side and :data:`MAX_ASSET_BYTES` bytes.

Cost: one TOML parse, a header read of each image, then one read of each image for the
template's digest (a few ms per template).
"""

from __future__ import annotations

import difflib
import hashlib
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import MISSING, fields
from functools import cache
from pathlib import Path
from typing import Any

from .errors import TemplateError
from .template_grow import check_growth, read_growth
from .template import (ALIGNS, BOX_NAMES, FITS, RGBA, VALIGNS, WEIGHTS, Background, Chips, Gradient,
                       Logo, Shape, Template, TextBox, parse_colour)

MAX_ASSET_BYTES = 32 << 20
MAX_CANVAS_SIDE = 4096  # a card is 1200 x 630; twice that for retina screens still fits
MAX_IMAGE_PIXELS_SIDE = 8192
IMAGE_FORMATS = ("PNG", "JPEG", "GIF", "WEBP")

TOP_KEYS = ("about", "name", "width", "height", "family", "background", "shapes", "logo", *BOX_NAMES)
BACKGROUND_KEYS = ("color", "gradient", "image", "fit")
GRADIENT_KEYS = ("colors", "angle")
SHAPE_KEYS = ("x", "y", "width", "height", "radius", "color")
LOGO_KEYS = ("path", "x", "y", "width", "height")
BOX_KEYS = ("x", "y", "follows", "gap", "width", "height", "family", "weight", "color", "size",
            "min_size", "max_size", "max_lines", "line_height", "align", "valign",
            "grow_into", "grow_height", "grow_lines")
# Keys only some boxes have (what they mean: README "Templates").
BOX_EXTRA_KEYS: dict[str, tuple[str, ...]] = {
    "site": ("default",),
    "meta": ("separator", "date_format"),
    "tags": ("chip_color", "chip_radius", "chip_padding_x", "chip_padding_y", "chip_gap", "prefix"),
}


@cache
def default(cls: type, name: str) -> Any:
    """The default of dataclass field ``name`` of ``cls``: the one declaration of it."""
    for f in fields(cls):
        if f.name == name:
            if f.default is not MISSING:
                return f.default
            if f.default_factory is not MISSING:
                return f.default_factory()
    raise KeyError(f"{cls.__name__}.{name} has no default")


def _where_else(key: str, section: str) -> str:
    """A hint when ``key`` is valid in another section."""
    others = [f"[{box}]" for box, extra in BOX_EXTRA_KEYS.items() if key in extra and box != section]
    if key in BOX_KEYS and section in ("", "background", "logo"):
        others.append("a text box ([title], …)")
    return f"; it is a key of {' and '.join(others)}" if others else ""


class _Reader:
    """Typed reads from one TOML table, raising TemplateError with the dotted key."""

    def __init__(self, path: Path, table: Mapping[str, Any], prefix: str = "") -> None:
        self.path = path
        self.table = table
        self.prefix = prefix

    def key(self, name: str) -> str:
        return f"{self.prefix}{name}"

    def fail(self, name: str, expected: str) -> TemplateError:
        return TemplateError(str(self.path), self.key(name), expected)

    def has(self, name: str) -> bool:
        return name in self.table

    def only(self, allowed: Sequence[str], section: str = "") -> None:
        """Raise on the first key not in ``allowed``, suggesting the nearest valid one."""
        for name in self.table:
            if name in allowed:
                continue
            close = difflib.get_close_matches(name, allowed, n=1, cutoff=0.6)
            hint = f"did you mean {close[0]!r}?" if close else f"expected one of {', '.join(allowed)}"
            raise self.fail(name, f"unknown key; {hint}{_where_else(name, section)}")

    def sub(self, name: str) -> _Reader:
        value = self.table.get(name)
        if not isinstance(value, Mapping):
            raise self.fail(name, f"expected a table ([{self.key(name)}]), got {value!r}")
        return _Reader(self.path, value, f"{self.key(name)}.")

    def int(self, name: str, default: int | None = None, *, minimum: int = 0) -> int:
        value = self.table.get(name, default)
        if value is None:
            raise self.fail(name, "is required (a whole number)")
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise self.fail(name, f"expected a whole number >= {minimum}, got {value!r}")
        return value

    def number(self, name: str, default: float, *, positive: bool = False) -> float:
        value = self.table.get(name, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or (positive and value <= 0):
            raise self.fail(name, f"expected a {'positive ' if positive else ''}number, got {value!r}")
        return float(value)

    def str(self, name: str, default: str | None = None, choices: Sequence[str] = ()) -> str:
        value = self.table.get(name, default)
        if not isinstance(value, str):
            raise self.fail(name, "is required (text)" if value is None else f"expected text, got {value!r}")
        if choices and value not in choices:
            raise self.fail(name, f"expected one of {', '.join(choices)}, got {value!r}")
        return value

    def colour(self, name: str, default: RGBA | None = None) -> RGBA:
        if name not in self.table and default is not None:
            return default
        return parse_colour(self.table.get(name), lambda e: self.fail(name, e))

    def asset(self, name: str, roots: Sequence[Path]) -> Path:
        """A confined image path: see the module docstring."""
        rel = self.str(name)
        path = Path(rel)
        if not rel.strip() or path.is_absolute() or rel.startswith("~"):
            raise self.fail(name, f"expected a path relative to the template's folder, got {rel!r}")
        if ".." in path.parts:
            raise self.fail(name, f"{rel!r} leaves the template's folder ('..' is not allowed)")
        for root in roots:
            base = root.resolve()
            candidate = base / path
            if not (candidate.exists() or candidate.is_symlink()):
                continue
            real = candidate.resolve()
            if not real.is_relative_to(base):
                raise self.fail(name, f"{rel!r} is a link that leads out of its folder")
            if not real.is_file():
                raise self.fail(name, f"{rel!r} is not a regular file")
            self._check_image(name, rel, real)
            return real
        raise self.fail(name, f"expected an image file; {rel!r} not found in the template's folder "
                              f"or the bundled assets")

    def _check_image(self, name: str, rel: str, real: Path) -> None:
        size = real.stat().st_size
        if size > MAX_ASSET_BYTES:
            raise self.fail(name, f"{rel!r} is {size} bytes; at most {MAX_ASSET_BYTES} are allowed")
        from PIL import Image  # only templates with images pay for the import

        try:
            with Image.open(real, formats=IMAGE_FORMATS) as image:
                width, height = image.size
        except Exception:  # noqa: BLE001 - anything Pillow cannot identify is "not an image"
            raise self.fail(name, f"{rel!r} is not an image ({', '.join(IMAGE_FORMATS)})") from None
        if max(width, height) > MAX_IMAGE_PIXELS_SIDE:
            raise self.fail(name, f"{rel!r} is {width}x{height} px; at most {MAX_IMAGE_PIXELS_SIDE} a side")


def _inside(r: _Reader, what: str, x: int, y: int | None, w: int, h: int | None,
            canvas: tuple[int, int]) -> None:
    """Raise unless the rectangle lies on the canvas (``y``/``h`` unknown: only x is checked)."""
    cw, ch = canvas
    if x + w > cw:
        raise r.fail("x" if x >= cw else "width",
                     f"the {what} spans x = {x}..{x + w}, outside the {cw} px wide canvas")
    if y is not None and (y >= ch or (h is not None and y + h > ch)):
        raise r.fail("y" if y >= ch or h is None else "height",
                     f"the {what} spans y = {y}..{y + (h or 0)}, outside the {ch} px high canvas")


def _sizes(r: _Reader) -> tuple[int, int]:
    if r.has("size"):
        for name in ("min_size", "max_size"):
            if r.has(name):
                raise r.fail(name, "give either size, or min_size and max_size")
        size = r.int("size", minimum=4)
        return size, size
    min_size = r.int("min_size", default(TextBox, "min_size"), minimum=4)
    max_size = r.int("max_size", max(min_size, default(TextBox, "max_size")), minimum=4)
    if min_size > max_size:
        raise r.fail("min_size", f"expected min_size <= max_size ({max_size})")
    return min_size, max_size


def _chips(r: _Reader) -> Chips:
    d = lambda name: default(Chips, name)  # noqa: E731
    return Chips(
        color=r.colour("chip_color", d("color")),
        radius=r.int("chip_radius", d("radius")),
        padding_x=r.int("chip_padding_x", d("padding_x")),
        padding_y=r.int("chip_padding_y", d("padding_y")),
        gap=r.int("chip_gap", d("gap")),
        prefix=r.str("prefix", d("prefix")),
    )


def _text_box(name: str, r: _Reader, family: str, seen: Sequence[str], canvas: tuple[int, int]) -> TextBox:
    r.only((*BOX_KEYS, *BOX_EXTRA_KEYS.get(name, ())), name)
    d = lambda key: default(TextBox, key)  # noqa: E731
    min_size, max_size = _sizes(r)
    follows = r.table.get("follows")
    if follows is not None:
        if follows not in seen:
            raise r.fail("follows", f"expected the name of a box above this one ({', '.join(seen) or 'none'})")
        if r.has("y"):
            raise r.fail("y", "give either y, or follows (and gap)")
        y = None
    else:
        y = r.int("y")
    x, width = r.int("x"), r.int("width", minimum=1)
    height = r.int("height", minimum=1) if r.has("height") else None
    _inside(r, f"{name} box", x, y, width, height, canvas)
    max_lines = r.int("max_lines", d("max_lines"), minimum=1)
    grow_into, grow_height, grow_lines = read_growth(r, name, height, max_lines)
    return TextBox(
        name=name, x=x, y=y, follows=follows, width=width, height=height,
        gap=r.int("gap", d("gap")),
        family=r.str("family", family),
        weight=r.str("weight", d("weight"), WEIGHTS),
        color=r.colour("color", d("color")),
        min_size=min_size,
        max_size=max_size,
        max_lines=max_lines,
        line_height=r.number("line_height", d("line_height"), positive=True),
        align=r.str("align", d("align"), ALIGNS),
        valign=r.str("valign", d("valign"), VALIGNS),
        default=r.str("default", d("default")),
        separator=r.str("separator", d("separator")),
        date_format=r.str("date_format", d("date_format")),
        chips=_chips(r) if name == "tags" else None,
        grow_into=grow_into, grow_height=grow_height, grow_lines=grow_lines,
    )


def _background(r: _Reader, roots: Sequence[Path]) -> Background:
    if not r.has("background"):
        return Background()
    bg = r.sub("background")
    bg.only(BACKGROUND_KEYS, "background")
    gradient = None
    if bg.has("gradient"):
        g = bg.sub("gradient")
        g.only(GRADIENT_KEYS, "gradient")
        colours = g.table.get("colors")
        if not isinstance(colours, list) or len(colours) < 2:
            raise g.fail("colors", "expected a list of at least two colours")
        gradient = Gradient(
            colors=tuple(parse_colour(c, lambda e: g.fail("colors", e)) for c in colours),
            angle=g.number("angle", default(Gradient, "angle")),
        )
    return Background(
        color=bg.colour("color", default(Background, "color")),
        gradient=gradient,
        image=bg.asset("image", roots) if bg.has("image") else None,
        fit=bg.str("fit", default(Background, "fit"), FITS),
    )


def _shapes(r: _Reader, canvas: tuple[int, int]) -> list[Shape]:
    raw = r.table.get("shapes", [])
    if not isinstance(raw, list):
        raise r.fail("shapes", "expected an array of tables ([[shapes]])")
    shapes = []
    for i, table in enumerate(raw):
        if not isinstance(table, Mapping):
            raise r.fail(f"shapes[{i}]", "expected a table")
        s = _Reader(r.path, table, f"shapes[{i}].")
        s.only(SHAPE_KEYS, "shapes")
        shape = Shape(s.int("x"), s.int("y"), s.int("width", minimum=1), s.int("height", minimum=1),
                      s.colour("color"), s.int("radius", default(Shape, "radius")))
        if shape.x >= canvas[0] or shape.y >= canvas[1]:
            raise s.fail("x" if shape.x >= canvas[0] else "y",
                         f"the shape starts at ({shape.x}, {shape.y}), off the {canvas[0]}x{canvas[1]} canvas")
        shapes.append(shape)
    return shapes


def _logo(r: _Reader, roots: Sequence[Path], canvas: tuple[int, int]) -> Logo | None:
    if not r.has("logo"):
        return None
    lr = r.sub("logo")
    lr.only(LOGO_KEYS, "logo")
    logo = Logo(lr.asset("path", roots), lr.int("x"), lr.int("y"),
                lr.int("width", minimum=1), lr.int("height", minimum=1))
    _inside(lr, "logo", logo.x, logo.y, logo.width, logo.height, canvas)
    return logo


def _parse(path: Path) -> tuple[bytes, dict[str, Any]]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise TemplateError(str(path), None, f"cannot be read ({exc.strerror})") from None
    try:
        return raw, tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise TemplateError(str(path), None, f"is not valid TOML ({exc})") from None


def read_template(path: Path, asset_roots: Sequence[Path] = ()) -> Template:
    """Read and validate one template file; assets resolve inside its folder, then ``asset_roots``.

    Raises :class:`TemplateError` (file, dotted key, what was expected) on the first mistake.
    """
    raw, data = _parse(path)
    roots = [path.parent, *asset_roots]
    r = _Reader(path, data)
    r.only(TOP_KEYS)
    canvas = (r.int("width", default(Template, "width"), minimum=1),
              r.int("height", default(Template, "height"), minimum=1))
    for name, side in zip(("width", "height"), canvas):
        if side > MAX_CANVAS_SIDE:
            raise r.fail(name, f"expected at most {MAX_CANVAS_SIDE} px, got {side}")
    family = r.str("family", default(TextBox, "family"))
    background = _background(r, roots)
    shapes = _shapes(r, canvas)
    logo = _logo(r, roots, canvas)
    boxes: list[TextBox] = []
    for name in BOX_NAMES:
        if r.has(name):
            boxes.append(_text_box(name, r.sub(name), family, [b.name for b in boxes], canvas))
    if not any(b.name == "title" for b in boxes):
        raise r.fail("title", "is required: every template shows the title ([title] table)")
    check_growth(r, boxes, canvas)
    digest = hashlib.sha256(raw)
    for asset in sorted({p for p in (background.image, logo.path if logo else None) if p}):
        digest.update(asset.read_bytes())
    return Template(
        name=path.stem,
        path=path,
        width=canvas[0],
        height=canvas[1],
        background=background,
        boxes=tuple(boxes),
        shapes=tuple(shapes),
        logo=logo,
        description=r.str("about", default(Template, "description")),
        digest=digest.hexdigest(),
    )
