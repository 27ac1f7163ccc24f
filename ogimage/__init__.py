"""ogimage: Open Graph card images with real typesetting.

    >>> import ogimage
    >>> png = ogimage.render({"title": "Hello"}, template="plain")
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__version__ = "0.1.0"

__all__ = ["__version__", "layout", "render"]


def render(card: Mapping[str, Any], template: str | None = None, format: str = "png") -> bytes:
    """Render a card to image bytes (PNG by default), with no cache.

    ``card`` holds the card fields (``title`` required; ``description``, ``site``,
    ``author``, ``date``, ``tags``, ``lang``). ``template`` defaults to the card's
    ``template`` field, then ``"default"``. Raises :class:`ogimage.errors.CardError`
    or :class:`ogimage.errors.TemplateNotFound` on bad input.
    """
    from .engine import default_engine

    engine = default_engine()
    return engine.render(engine.card(card, template), format)


def layout(card: Mapping[str, Any], template: str | None = None) -> dict[str, Any]:
    """The card's layout as a JSON-able dict: boxes, lines, sizes, missing glyphs."""
    from .engine import default_engine

    engine = default_engine()
    return engine.layout(engine.card(card, template))
