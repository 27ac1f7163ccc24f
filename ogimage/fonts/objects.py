"""Pillow font objects, one pair per face and size, each opened on first use, bounded by memory."""

from __future__ import annotations

import struct
import threading
from collections import OrderedDict
from pathlib import Path

from PIL import ImageFont, features

from ..caches import registry
from ..errors import FontError
from .faces import Face

__all__ = ["FontObjects", "FontPair"]

FONT_CACHE_SIZE = 256
# Pillow font objects are bounded by their memory too: each holds a FreeType face and its
# own mapping of the file, about the size of its share of the file once used (~3.7 MB for
# one CJK face). A face at a size is a pair of objects, each opened only when first asked
# for: the basic-layout one draws single glyphs (nearly every CJK glyph), the raqm one
# shapes the rest (a Korean word with its punctuation, a run of dashes), so a CJK face
# usually costs one object. 16 MiB holds four CJK faces at a size (ja, ko, zh-Hans,
# zh-Hant: a words title set uses them all); every touched page of every object's mapping
# counts in the worker's RSS.
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


def _open(face: Face, size: float, engine: ImageFont.Layout) -> ImageFont.FreeTypeFont:
    try:
        return ImageFont.truetype(str(face.path), size=size, index=face.index, layout_engine=engine)
    except OSError as exc:
        raise FontError(f"{face.path}[{face.index}] at {size}px: {exc}", field="fonts") from None


class FontPair:
    """``face`` at ``size`` px as Pillow font objects, each opened on first use (~0.3 ms):
    :meth:`shaped` lays text out with raqm (when Pillow has it), :meth:`basic` with Pillow's
    basic layout. Basic layout draws a character's own (cmap) glyph exactly as raqm does for
    the character shaped alone: the same bitmap at the same offset (checked over ~40,000 CJK,
    kana, Hangul and Latin glyphs, and by tests), without raqm's per-call shaping (~0.1 ms of
    the ~0.2 ms a glyph costs); without raqm both are one object."""

    __slots__ = ("face", "size", "_owner", "_shaped", "_basic", "_lock")

    def __init__(self, owner: FontObjects, face: Face, size: float) -> None:
        self.face, self.size, self._owner = face, size, owner
        self._lock = threading.Lock()  # one opening of each object, whatever the threads
        self._shaped: ImageFont.FreeTypeFont | None = None
        self._basic: ImageFont.FreeTypeFont | None = None

    @property
    def opened(self) -> int:
        """How many Pillow objects this pair holds (0, 1 or 2)."""
        return (self._shaped is not None) + (self._basic is not None and self._basic is not self._shaped)

    def shaped(self) -> ImageFont.FreeTypeFont:
        """The font object with raqm layout if available (else basic): FontError if it cannot be opened."""
        return self._shaped or self._open_once("_shaped")

    def basic(self) -> ImageFont.FreeTypeFont:
        """The font object with Pillow's basic layout: FontError if it cannot be opened."""
        return self._basic or self._open_once("_basic")

    def _open_once(self, which: str) -> ImageFont.FreeTypeFont:
        """Open the object in slot ``which`` (``_shaped`` or ``_basic``) unless another thread
        has; without raqm both slots hold one object."""
        with self._lock:
            font = getattr(self, which)
            if font is None:
                raqm = which == "_shaped" and features.check("raqm")
                engine = ImageFont.Layout.RAQM if raqm else ImageFont.Layout.BASIC
                other = self._basic if which == "_shaped" else self._shaped
                if other is not None and other.layout_engine == engine:
                    font = other
                    setattr(self, which, font)
                else:
                    font = _open(self.face, self.size, engine)
                    setattr(self, which, font)
                    self._owner._opened(self)  # after setting it: an eviction counts what the pair holds
            return font


class FontObjects:
    """``get(face, size)``: the :class:`FontPair` of ``face`` at ``size``, least recently used
    evicted first.

    Bounded by the estimated memory of the objects the pairs have opened (and a count, as
    FreeType keeps per-object state); listed in :data:`ogimage.caches.registry` as ``fonts``."""

    name = "fonts"

    def __init__(self, max_bytes: int = FONT_CACHE_BYTES) -> None:
        self.max_bytes = max_bytes  # OGIMAGE_FONT_CACHE_BYTES (root.build_service sets it)
        self._pairs: OrderedDict[tuple[Face, float], FontPair] = OrderedDict()
        self.bytes = 0  # the estimated cost of the objects held
        self._costs: dict[Path, int] = {}
        self._lock = threading.Lock()
        registry.register(self)

    def __len__(self) -> int:
        return len(self._pairs)

    def clear(self) -> None:
        """Close nothing, forget every font object (they are reopened on demand)."""
        with self._lock:
            self._pairs.clear()
            self.bytes = 0

    def __contains__(self, key: object) -> bool:
        return key in self._pairs

    def keys(self) -> list[tuple[Face, float]]:
        """The (face, size) pairs held, least recently used first."""
        with self._lock:
            return list(self._pairs)

    def cost(self, face: Face) -> int:
        """The estimated memory of one font object of ``face``."""
        cost = self._costs.get(face.path)
        if cost is None:
            cost = self._costs[face.path] = face_cost(face.path)
        return cost

    def held(self, key: tuple[Face, float]) -> int:
        """The estimated memory of the objects the pair at ``key`` has opened (0 if not held)."""
        with self._lock:
            pair = self._pairs.get(key)
            return 0 if pair is None else pair.opened * self.cost(pair.face)

    def get(self, face: Face, size: float) -> FontPair:
        """The pair for ``face`` at ``size`` px (its objects open when first used)."""
        key = (face, size)
        with self._lock:
            pair = self._pairs.get(key)
            if pair is not None:
                self._pairs.move_to_end(key)
                return pair
            pair = self._pairs[key] = FontPair(self, face, size)
            while len(self._pairs) > FONT_CACHE_SIZE:
                self._evict()
        return pair

    def _opened(self, pair: FontPair) -> None:
        """A pair opened an object: count it, and evict the least recently used pairs over the bound."""
        with self._lock:
            if self._pairs.get((pair.face, pair.size)) is not pair:
                return  # evicted meanwhile: it dies with its users
            self.bytes += self.cost(pair.face)
            while len(self._pairs) > 1 and self.bytes > self.max_bytes:
                self._evict()

    def _evict(self) -> None:
        (_face, _size), old = self._pairs.popitem(last=False)
        self.bytes -= old.opened * self.cost(old.face)
