"""The engine: card + template + fonts -> layout -> image bytes. No cache, no I/O beyond loading.

One :class:`Engine` serves the CLI, the Python API and the HTTP service (which
adds caching on top, in :mod:`ogimage.service`). It is thread-safe: templates
and fonts are loaded once and read-only afterwards.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from . import __version__
from .card import Card
from .cardlayout import CardLayout, arrange
from .draw.canvas import base_for
from .draw.compose import draw_card, draw_layout
from .draw.encode import DEFLATE, encode
from .fonts import FontBook
from .formats import CONTENT_TYPES, normalise_format
from .resources import fonts_dir
from .template import Template, TemplateRegistry

# Bump when the same card and template would draw different pixels.
RENDERER_VERSION = f"{__version__}+r5.{DEFLATE}"
FORMATS: dict[str, str] = dict(CONTENT_TYPES)


# One short title per script the bundled fonts serve, with its language, so warm-up opens
# the regional CJK faces and loads each BudouX model (a first Chinese card otherwise pays
# ~30 ms for the zh model, a first Korean card for the KR face's character map).
WARM_UP_SAMPLES: tuple[tuple[str | None, str], ...] = (
    ("en", "Typesetting, fonts & “quotes” — 2026"),
    ("ja", "日本語の組版：カタカナ「テスト」"),
    ("zh-Hans", "中文排版：开源模型"),
    ("zh-Hant", "中文排版：開源模型"),
    ("ko", "한국어 줄바꿈"),
    ("th", "ภาษาไทย"),
    ("ar", "العربية"),
    ("he", "עברית"),
    ("hi", "हिन्दी"),
    (None, "😀 🚀"),
)


class Engine:
    """Templates and fonts, loaded once, and the pure path from a card to an image."""

    renderer_version: str = RENDERER_VERSION  # bumped when the same card would draw other pixels
    formats: dict[str, str] = FORMATS  # format name -> content type (ogimage.formats)

    def __init__(self, template_dirs: Sequence[Path] = (), fonts: FontBook | None = None,
                 font_dirs: Sequence[Path] = ()) -> None:
        self.templates = TemplateRegistry(template_dirs)
        if fonts is None:
            fonts = FontBook(fonts_dir() / "manifest.toml", font_dirs) if font_dirs else FontBook.bundled()
        self.fonts = fonts
        self._warm_lock = threading.Lock()
        self._warmed = False

    @property
    def fonts_digest(self) -> str:
        """The digest of every bundled font file and the manifest."""
        return self.fonts.digest

    def template_names(self) -> list[str]:
        """Every template name, sorted."""
        return self.templates.names()

    def template(self, name: str) -> Template:
        """The template called ``name``; TemplateNotFound if there is none."""
        return self.templates.get(name)

    def template_digest(self, name: str) -> str:
        """The digest of a template's TOML and assets."""
        return self.templates.get(name).digest

    def describe_templates(self) -> list[dict[str, Any]]:
        """Name, description, size and fields of every template."""
        return [t.describe() for t in self.templates.all()]

    def card(self, data: Mapping[str, Any], template: str | None = None) -> Card:
        """Validate card fields and check that the template exists."""
        card = Card.from_mapping(data, template=template)
        self.templates.get(card.template)
        return card

    def arrange(self, card: Card) -> CardLayout:
        """Lay the card out on its template."""
        return arrange(card, self.templates.get(card.template), self.fonts)

    def layout(self, card: Card) -> dict[str, Any]:
        """The layout as a JSON-able object (``ogimage layout --json``)."""
        return self.arrange(card).to_json()

    def render(self, card: Card, fmt: str = "png") -> bytes:
        """Draw and encode the card."""
        fmt = normalise_format(fmt)
        drawn = draw_card(self.arrange(card), self.fonts)
        return encode(drawn.image, fmt, drawn.base, drawn.changed_rows)

    def warm_up(self) -> None:
        """Load what the first cards would otherwise pay for: every template's static layers,
        the font files and character maps, and BudouX's models (a few hundred ms, once).
        A call while another is warming waits for it; later calls return at once."""
        with self._warm_lock:
            if self._warmed:
                return
            names = self.templates.names()
            # Static layers first, two at a time: quantising a gradient base releases the GIL.
            with ThreadPoolExecutor(max_workers=2, thread_name_prefix="ogimage-warm-base") as pool:
                list(pool.map(lambda name: base_for(self.templates.get(name)), names))
            for name in names:  # each template's sizes
                card = Card(title="Ag", description="Ag", author=("A",), tags=("t",), template=name)
                draw_layout(self.arrange(card), self.fonts)
            for lang, text in WARM_UP_SAMPLES:  # each script's faces, character maps and BudouX model
                card = Card(title=text, description=text, lang=lang, template=names[0] if names else None)
                draw_layout(self.arrange(card), self.fonts)
            self._warmed = True

    def status(self) -> dict[str, Any]:
        """What /readyz reports: layout engine, fonts and templates loaded."""
        return {
            "layout_engine": self.fonts.layout_engine(),
            "fonts": len(self.fonts.families),
            "templates": len(self.templates.names()),
        }


_prewarmed: dict[tuple[tuple[Path, ...], tuple[Path, ...]], Engine] = {}


def prewarm(template_dirs: Sequence[Path] = (), font_dirs: Sequence[Path] = ()) -> None:
    """Build an engine and start warming it in a background thread, for a server that is
    about to import its web framework: the warm-up's image work (quantising template
    bases, rasterising glyphs) releases the GIL and overlaps the import. The app then takes
    this engine with :func:`take_prewarmed` instead of building its own."""
    key = (tuple(template_dirs), tuple(font_dirs))
    if key in _prewarmed:
        return
    engine = Engine(template_dirs, font_dirs=font_dirs)
    _prewarmed[key] = engine

    def warm() -> None:
        try:
            engine.warm_up()
        except Exception:  # noqa: BLE001 - the app's own warm-up reports it (and readiness)
            pass

    threading.Thread(target=warm, name="ogimage-prewarm", daemon=True).start()


def take_prewarmed(template_dirs: Sequence[Path] = (), font_dirs: Sequence[Path] = ()) -> Engine | None:
    """The engine :func:`prewarm` built for these folders, once (None if there is none)."""
    return _prewarmed.pop((tuple(template_dirs), tuple(font_dirs)), None)


_default: Engine | None = None
_default_lock = threading.Lock()


def default_engine() -> Engine:
    """A process-wide engine: bundled templates and fonts plus ``OGIMAGE_TEMPLATE_DIRS`` and ``OGIMAGE_FONT_DIRS``."""
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                from .settings import Settings

                settings = Settings.from_env()
                _default = Engine(settings.template_dirs, font_dirs=settings.font_dirs)
    return _default
