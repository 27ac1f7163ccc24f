"""Templates: a card's design as data, loaded from TOML.

The dataclasses below are the one place the format's defaults are declared: the
TOML reader (:mod:`ogimage.template_read`) takes every default it needs from
them, and accepts no key that is not one of their fields.

A template names its canvas, background, decorative shapes, logo and the text
boxes it shows (``title``, ``description``, ``site``, ``meta``, ``tags``).
Nothing about a brand's geometry or colours lives in code. Every mistake in a
file raises :class:`~ogimage.errors.TemplateError` naming the file, the key and
what was expected. See README "Templates" for the format.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
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

    color: RGBA = (0, 0, 0, 255)
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

    color: RGBA = (255, 255, 255, 0x22)
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
    # May grow into the space of these boxes when all of them are empty on a card and the
    # text would otherwise be truncated: up to grow_height px and grow_lines lines.
    grow_into: tuple[str, ...] = ()
    grow_height: int | None = None
    grow_lines: int | None = None


@dataclass(frozen=True)
class Template:
    """A loaded, validated template. ``digest`` covers its TOML and every asset it uses."""

    name: str
    path: Path
    width: int = 1200
    height: int = 630
    background: Background = field(default_factory=Background)
    boxes: tuple[TextBox, ...] = ()
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


def parse_colour(value: Any, fail: Any = None) -> RGBA:
    """``#rgb``, ``#rrggbb`` or ``#rrggbbaa`` as an RGBA tuple; ``fail(message)`` builds the error
    (default :class:`ValueError`)."""
    if not isinstance(value, str) or not _COLOUR.match(value):
        message = f"expected a colour like '#0f172a', got {value!r}"
        raise fail(message) if fail else ValueError(message)
    h = value[1:]
    if len(h) == 3:
        h = "".join(c * 2 for c in h)
    if len(h) == 6:
        h += "ff"
    return tuple(int(h[i : i + 2], 16) for i in range(0, 8, 2))  # type: ignore[return-value]


def load_template(path: Path, asset_roots: Sequence[Path] = ()) -> Template:
    """Read and validate one template file (see :mod:`ogimage.template_read` for the rules).

    Assets resolve inside the file's folder, then ``asset_roots``; any mistake raises
    :class:`TemplateError` naming the file, the dotted key and what was expected.
    Costs one TOML parse plus a read of each asset it names (for the digest).
    """
    from .template_read import read_template

    return read_template(Path(path), asset_roots)


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
