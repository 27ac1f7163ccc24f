"""Pillow font objects, one per face and size, bounded by count and by memory."""

from __future__ import annotations

import struct
import threading
from collections import OrderedDict
from pathlib import Path

from PIL import ImageFont, features

from ..caches import registry
from ..errors import FontError
from .faces import Face

__all__ = ["FontObjects", "basic_twin"]

FONT_CACHE_SIZE = 256
# Pillow font objects are bounded by their memory too: each holds a FreeType face and its
# own mapping of the file, about the size of its share of the file once used (~3.7 MB for
# one CJK face), and the drawing side keeps a basic-layout twin of it (draw/pieces.py), so
# an object counts twice that. 16 MiB holds two CJK sizes with their twins: a words title
# set uses four, so faces are reopened (~0.3 ms each), but every touched page of every object's
# mapping counts in the worker's RSS: one serve worker after 5,000 new cards measured 142.6 MiB
# at 16 MiB, 150.0 at 24 and 162.5 at 32, whose first-seen cards were 9-13 % faster.
FONT_CACHE_BYTES = 16 << 20


def face_cost(path: Path) -> int:
    """Roughly what a Pillow font object of a face in ``path`` holds: the file's size over its faces."""
    try:
        with open(path, "rb") as fh:
            tag, _version, faces = struct.unpack(">4sII", fh.read(12))
        size = path.stat().st_size
    except (OSError, struct.error):
        return 1 << 20
    return size // faces if tag == b"ttcf" and faces else size


class FontObjects:
    """``get(face, size)``: a Pillow ``FreeTypeFont``, least recently used evicted first.

    Bounded by the fonts' estimated memory (and a count, as FreeType keeps per-object
    state); listed in :data:`ogimage.caches.registry` as ``fonts``."""

    name = "fonts"

    def __init__(self, max_bytes: int = FONT_CACHE_BYTES) -> None:
        self.max_bytes = max_bytes  # OGIMAGE_FONT_CACHE_BYTES (root.build_service sets it)
        self._fonts: OrderedDict[tuple[Face, float], ImageFont.FreeTypeFont] = OrderedDict()
        self.bytes = 0  # the estimated cost of the fonts held
        self._costs: dict[Path, int] = {}
        self._lock = threading.Lock()
        registry.register(self)

    def __len__(self) -> int:
        return len(self._fonts)

    def clear(self) -> None:
        """Close nothing, forget every font object (they are reopened on demand)."""
        with self._lock:
            self._fonts.clear()
            self.bytes = 0

    def __contains__(self, key: object) -> bool:
        return key in self._fonts

    def keys(self) -> list[tuple[Face, float]]:
        """The (face, size) pairs held, least recently used first."""
        with self._lock:
            return list(self._fonts)

    def cost(self, face: Face) -> int:
        """The estimated memory of one font object of ``face``."""
        cost = self._costs.get(face.path)
        if cost is None:
            # x2: the drawing side keeps a basic-layout twin of each object (draw/pieces.py)
            cost = self._costs[face.path] = 2 * face_cost(face.path)
        return cost

    def get(self, face: Face, size: float) -> ImageFont.FreeTypeFont:
        """The font object for ``face`` at ``size`` px, opened if needed (FontError if it cannot be)."""
        key = (face, size)
        with self._lock:
            font = self._fonts.get(key)
            if font is not None:
                self._fonts.move_to_end(key)
                return font
        engine = ImageFont.Layout.RAQM if features.check("raqm") else ImageFont.Layout.BASIC
        try:
            font = ImageFont.truetype(str(face.path), size=size, index=face.index, layout_engine=engine)
        except OSError as exc:
            raise FontError(f"{face.path}[{face.index}] at {size}px: {exc}", field="fonts") from None
        with self._lock:
            if key not in self._fonts:
                self.bytes += self.cost(face)
            self._fonts[key] = font
            while len(self._fonts) > 1 and (len(self._fonts) > FONT_CACHE_SIZE or self.bytes > self.max_bytes):
                (old, _size), _font = self._fonts.popitem(last=False)
                self.bytes -= self.cost(old)
        return font


def basic_twin(font: ImageFont.FreeTypeFont) -> ImageFont.FreeTypeFont:
    """The same face and size with Pillow's basic layout (no raqm), made once per font object.

    A character's own cmap glyph (``Shaper.nominal_pens`` checks it) is exactly what basic
    layout draws for that character alone: the same bitmap at the same offset as raqm
    (checked over ~40,000 CJK, kana, Hangul and Latin glyphs, and by tests), without raqm's
    per-call shaping (~0.1 ms of the ~0.2 ms a glyph costs). Drawing pastes new pieces from
    such glyphs (draw/pieces.py); ink edges read a line's edge glyph from them (fonts/ink.py)."""
    if font.layout_engine == ImageFont.Layout.BASIC:
        return font
    basic = getattr(font, "_ogimage_basic", None)
    if basic is None:
        basic = font.font_variant(layout_engine=ImageFont.Layout.BASIC)
        font._ogimage_basic = basic  # type: ignore[attr-defined]  # dies with its font object
    return basic
