"""Templates: a card's design as data, loaded from TOML.

A template names its canvas, background, decorative shapes, logo and the text
boxes it shows (``title``, ``description``, ``site``, ``meta``, ``tags``).
Nothing about a brand's geometry or colours lives in code. Every mistake in a
file raises :class:`~ogimage.errors.TemplateError` naming the file, the key and
what was expected. See README "Templates" for the format.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import TemplateError, TemplateNotFound
from .resources import assets_dir

RGBA = tuple[int, int, int, int]
BOX_NAMES = ("title", "description", "meta", "tags", "site")
ALIGNS = ("start", "end", "left", "center", "right")
VALIGNS = ("top", "middle", "bottom")
WEIGHTS = ("regular", "bold")
FITS = ("cover", "contain")
_COLOUR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$")


@dataclass(frozen=True)
class Gradient:
    """A linear gradient: colours spread evenly along ``angle`` degrees (0 = left to right, 90 = top to bottom)."""

    colors: tuple[RGBA, ...]
    angle: float = 90.0


@dataclass(frozen=True)
class Background:
    """A solid colour, optionally under a gradient or an image fitted to the canvas."""

    color: RGBA
    gradient: Gradient | None = None
    image: Path | None = None
    fit: str = "cover"


@dataclass(frozen=True)
class Shape:
    """A static rectangle (``radius`` rounds its corners; a circle is a square with radius = half)."""

    x: int
    y: int
    width: int
    height: int
    color: RGBA
    radius: int = 0


@dataclass(frozen=True)
class Logo:
    """An image from assets, scaled to fit ``width`` × ``height`` at (x, y), keeping its aspect."""

    path: Path
    x: int
    y: int
    width: int
    height: int


@dataclass(frozen=True)
class Chips:
    """How tags are drawn: rounded chips in a row."""

    color: RGBA
    radius: int = 8
    padding_x: int = 14
    padding_y: int = 6
    gap: int = 12
    prefix: str = "#"


@dataclass(frozen=True)
class TextBox:
    """One text box. ``y`` is fixed, or ``follows`` names the box above and ``gap`` the space below it."""

    name: str
    x: int
    width: int
    y: int | None = None
    follows: str | None = None
    gap: int = 0
    height: int | None = None
    family: str = "Inter"
    weight: str = "regular"
    color: RGBA = (255, 255, 255, 255)
    min_size: int = 16
    max_size: int = 32
    max_lines: int = 1
    line_height: float = 1.25
    align: str = "start"  # start/end follow the text direction; left/center/right are physical
    valign: str = "top"
    default: str = ""
    separator: str = " · "
    date_format: str = "%b %-d, %Y"
    chips: Chips | None = None


@dataclass(frozen=True)
class Template:
    """A loaded, validated template. ``digest`` covers its TOML and every asset it uses."""

    name: str
    path: Path
    width: int
    height: int
    background: Background
    boxes: tuple[TextBox, ...]
    shapes: tuple[Shape, ...] = ()
    logo: Logo | None = None
    description: str = ""
    digest: str = field(default="", compare=False)

    def box(self, name: str) -> TextBox | None:
        """The text box called ``name``, or None if this template does not show it."""
        return next((b for b in self.boxes if b.name == name), None)

    @property
    def fields(self) -> list[str]:
        """The card fields this template shows (``meta`` shows author and date)."""
        out: list[str] = []
        for b in self.boxes:
            out.extend(["author", "date"] if b.name == "meta" else [b.name])
        return out

    def describe(self) -> dict[str, Any]:
        """A JSON-able summary for listings."""
        return {
            "name": self.name,
            "description": self.description,
            "width": self.width,
            "height": self.height,
            "fields": self.fields,
        }


class _Reader:
    """Typed reads from a TOML table, raising TemplateError with the dotted key."""

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

    def sub(self, name: str) -> _Reader:
        value = self.table.get(name)
        if not isinstance(value, Mapping):
            raise self.fail(name, "expected a table")
        return _Reader(self.path, value, f"{self.key(name)}.")

    def int(self, name: str, default: int | None = None, *, minimum: int = 0) -> int:
        value = self.table.get(name, default)
        if value is None:
            raise self.fail(name, "is required (a whole number)")
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise self.fail(name, f"expected a whole number >= {minimum}, got {value!r}")
        return value

    def float(self, name: str, default: float) -> float:
        value = self.table.get(name, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            raise self.fail(name, f"expected a positive number, got {value!r}")
        return float(value)

    def str(self, name: str, default: str | None = None, choices: Sequence[str] = ()) -> str:
        value = self.table.get(name, default)
        if not isinstance(value, str):
            raise self.fail(name, "is required (text)" if value is None else f"expected text, got {value!r}")
        if choices and value not in choices:
            raise self.fail(name, f"expected one of {', '.join(choices)}, got {value!r}")
        return value

    def colour(self, name: str, default: str | None = None) -> RGBA:
        return parse_colour(self.table.get(name, default), lambda e: self.fail(name, e))

    def asset(self, name: str, roots: Sequence[Path]) -> Path:
        rel = self.str(name)
        for root in roots:
            candidate = (root / rel).resolve()
            if candidate.is_file():
                return candidate
        raise self.fail(name, f"expected an image file; {rel!r} not found under {', '.join(map(str, roots))}")


def parse_colour(value: Any, fail: Any = None) -> RGBA:
    """``#rgb``, ``#rrggbb`` or ``#rrggbbaa`` as an RGBA tuple."""
    if not isinstance(value, str) or not _COLOUR.match(value):
        message = f"expected a colour like '#0f172a', got {value!r}"
        raise fail(message) if fail else ValueError(message)
    h = value[1:]
    if len(h) == 3:
        h = "".join(c * 2 for c in h)
    if len(h) == 6:
        h += "ff"
    return tuple(int(h[i : i + 2], 16) for i in range(0, 8, 2))  # type: ignore[return-value]


def _text_box(name: str, r: _Reader, family: str, seen: Sequence[str]) -> TextBox:
    size = r.int("size", 0, minimum=0) if r.has("size") else None
    min_size = size or r.int("min_size", 16, minimum=4)
    max_size = size or r.int("max_size", max(min_size, 32), minimum=4)
    if min_size > max_size:
        raise r.fail("min_size", f"expected min_size <= max_size ({max_size})")
    follows = r.table.get("follows")
    if follows is not None:
        if follows not in seen:
            raise r.fail("follows", f"expected the name of a box above this one ({', '.join(seen) or 'none'})")
        y = None
    else:
        y = r.int("y")
    chips = None
    if name == "tags":
        chips = Chips(
            color=r.colour("chip_color", "#ffffff22"),
            radius=r.int("chip_radius", 8),
            padding_x=r.int("chip_padding_x", 14),
            padding_y=r.int("chip_padding_y", 6),
            gap=r.int("chip_gap", 12),
            prefix=r.str("prefix", "#"),
        )
    return TextBox(
        name=name,
        x=r.int("x"),
        y=y,
        follows=follows,
        gap=r.int("gap", 0),
        width=r.int("width", minimum=1),
        height=r.int("height", minimum=1) if r.has("height") else None,
        family=r.str("family", family),
        weight=r.str("weight", "regular", WEIGHTS),
        color=r.colour("color", "#ffffff"),
        min_size=min_size,
        max_size=max_size,
        max_lines=r.int("max_lines", 1, minimum=1),
        line_height=r.float("line_height", 1.25),
        align=r.str("align", "start", ALIGNS),
        valign=r.str("valign", "top", VALIGNS),
        default=r.str("default", ""),
        separator=r.str("separator", " · "),
        date_format=r.str("date_format", "%b %-d, %Y"),
        chips=chips,
    )


def load_template(path: Path, asset_roots: Sequence[Path] = ()) -> Template:
    """Read and validate one template file. Assets resolve against the file's folder, then ``asset_roots``."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise TemplateError(str(path), None, f"cannot be read ({exc.strerror})") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise TemplateError(str(path), None, f"is not valid TOML ({exc})") from None
    roots = [path.parent, *asset_roots]
    r = _Reader(path, data)
    family = r.str("family", "Inter")

    bg = r.sub("background")
    gradient = None
    if bg.has("gradient"):
        g = bg.sub("gradient")
        colours = g.table.get("colors")
        if not isinstance(colours, list) or len(colours) < 2:
            raise g.fail("colors", "expected a list of at least two colours")
        gradient = Gradient(
            colors=tuple(parse_colour(c, lambda e: g.fail("colors", e)) for c in colours),
            angle=float(g.table.get("angle", 90)),
        )
    background = Background(
        color=bg.colour("color", "#000000"),
        gradient=gradient,
        image=bg.asset("image", roots) if bg.has("image") else None,
        fit=bg.str("fit", "cover", FITS),
    )
    shapes_raw = data.get("shapes", [])
    if not isinstance(shapes_raw, list):
        raise r.fail("shapes", "expected an array of tables ([[shapes]])")
    shapes = []
    for i, table in enumerate(shapes_raw):
        if not isinstance(table, Mapping):
            raise r.fail(f"shapes[{i}]", "expected a table")
        s = _Reader(path, table, f"shapes[{i}].")
        shapes.append(Shape(s.int("x"), s.int("y"), s.int("width", minimum=1), s.int("height", minimum=1),
                            s.colour("color"), s.int("radius", 0)))
    logo = None
    if r.has("logo"):
        lr = r.sub("logo")
        logo = Logo(lr.asset("path", roots), lr.int("x"), lr.int("y"),
                    lr.int("width", minimum=1), lr.int("height", minimum=1))

    boxes: list[TextBox] = []
    for name in BOX_NAMES:
        if r.has(name):
            boxes.append(_text_box(name, r.sub(name), family, [b.name for b in boxes]))
    if not any(b.name == "title" for b in boxes):
        raise r.fail("title", "is required: every template shows the title ([title] table)")
    unknown = sorted(set(data) - {"name", "about", "width", "height", "family", "background",
                                  "shapes", "logo", *BOX_NAMES})
    if unknown:
        raise r.fail(unknown[0], f"unknown key; expected one of name, about, width, height, family, "
                                 f"background, shapes, logo, {', '.join(BOX_NAMES)}")

    digest = hashlib.sha256(raw)
    for asset in sorted({p for p in (background.image, logo.path if logo else None) if p}):
        digest.update(asset.read_bytes())
    return Template(
        name=path.stem,
        path=path,
        width=r.int("width", 1200, minimum=1),
        height=r.int("height", 630, minimum=1),
        background=background,
        boxes=tuple(boxes),
        shapes=tuple(shapes),
        logo=logo,
        description=r.str("about", ""),
        digest=digest.hexdigest(),
    )


class TemplateRegistry:
    """Every available template by name: the bundled ones, then user folders (a later folder overrides)."""

    def __init__(self, folders: Iterable[Path] = (), *, bundled: bool = True) -> None:
        self.folders = ([assets_dir() / "templates"] if bundled else []) + [Path(f) for f in folders]
        self._paths: dict[str, Path] = {}
        for folder in self.folders:
            if not folder.is_dir():
                raise TemplateError(str(folder), None, "expected a folder of template .toml files")
            for file in sorted(folder.glob("*.toml")):
                self._paths[file.stem] = file
        self._loaded: dict[str, Template] = {}

    def names(self) -> list[str]:
        """Template names, sorted."""
        return sorted(self._paths)

    def get(self, name: str) -> Template:
        """The template called ``name`` (loaded once); TemplateNotFound if there is none."""
        template = self._loaded.get(name)
        if template is None:
            path = self._paths.get(name)
            if path is None:
                raise TemplateNotFound(name, self.names())
            template = load_template(path, [assets_dir()])
            self._loaded[name] = template
        return template

    def all(self) -> list[Template]:
        """Every template, loaded (raises on the first malformed one)."""
        return [self.get(n) for n in self.names()]
