"""What the service hands the edges: requests, their resolutions and encoded images.

Plain frozen data (no HTTP, no pixels), re-exported by :mod:`ogimage.service`, the
facade the edges import.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .card import Card


@dataclass(frozen=True, slots=True)
class ImageRequest:
    """What an image (or layout) URL asks for, as the edge parsed it.

    ``template`` is the path segment (it may end in ``.png``, ``.jpg``, ``.webp``);
    ``fields`` every query parameter (card fields, ``format``; others are ignored);
    ``versioned``: the URL is signed or carries ``v`` (its answer may be immutable)."""

    template: str
    fields: Mapping[str, str]
    versioned: bool = False


@dataclass(frozen=True, slots=True)
class Resolved:
    """What an image URL resolves to: card, format, content key, ETag, content type.

    The service remembers these per URL (:meth:`Service.resolved`); the edges build
    their headers from them (nothing here is HTTP bytes)."""

    card: Card
    fmt: str
    key: str
    etag: str
    content_type: str
    versioned: bool


@dataclass(frozen=True, slots=True)
class ImageAnswer:
    """The answer to one image request: its resolution, and the image unless the client's copy is current."""

    resolved: Resolved
    rendered: Rendered | None


@dataclass(frozen=True, slots=True)
class Rendered:
    """An encoded image and where it came from (``memory``, ``disk``, ``shared`` or ``render``)."""

    body: bytes
    content_type: str
    key: str
    etag: str
    level: str

    def at(self, level: str) -> Rendered:
        return Rendered(self.body, self.content_type, self.key, self.etag, level)


def etag_for(key: str) -> str:
    """The strong ETag of the image with this content key."""
    return f'"{key[:32]}"'
