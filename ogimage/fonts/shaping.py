"""Advances from HarfBuzz directly (uharfbuzz), for measuring.

Pillow measures through raqm, which builds a HarfBuzz font from the FreeType face on
every call: ~0.1-0.2 ms for a word, most of it set-up. Fitting a title measures dozens of
new pieces, so that set-up was most of a first-seen card's layout. uharfbuzz keeps one
HarfBuzz face per font file (memory-mapped) and one font per size, and shapes a piece in
~10 µs, with the same shaper raqm uses: advances agree with Pillow's to 1/64 px (equal at
most sizes; rounding differs on a few glyphs at others).

Drawing still goes through Pillow, and the renderer places pieces at these advances, so
measured and drawn widths agree exactly whichever shaper measured.
"""

from __future__ import annotations

import threading
from typing import Any

from .faces import Face

try:
    import uharfbuzz as hb
except ImportError:  # pragma: no cover - a dependency; Pillow measures without it
    hb = None

__all__ = ["Shaper", "available"]


def available() -> bool:
    """Whether uharfbuzz can be imported."""
    return hb is not None


def _blank(font: Any, glyph: int | None) -> bool:
    """Whether ``glyph`` draws no ink (a space): no outline, so no extents."""
    if glyph is None:
        return False
    ext = font.get_glyph_extents(glyph)
    return ext is None or (ext.width == 0 and ext.height == 0)


class Shaper:
    """Shapes text with HarfBuzz and returns its advance in px (thread-safe)."""

    def __init__(self) -> None:
        if hb is None:
            raise RuntimeError("uharfbuzz is not installed")
        self._faces: dict[tuple[str, int], Any] = {}
        self._fonts: dict[tuple[Face, float], Any] = {}
        self._lock = threading.Lock()

    def _font(self, face: Face, size: float) -> Any:
        key = (face, size)
        font = self._fonts.get(key)
        if font is None:
            with self._lock:
                font = self._fonts.get(key)
                if font is None:
                    fkey = (str(face.path), face.index)
                    hb_face = self._faces.get(fkey)
                    if hb_face is None:
                        hb_face = self._faces[fkey] = hb.Face(hb.Blob.from_file_path(fkey[0]), face.index)
                    font = hb.Font(hb_face)
                    scale = round(size * 64)  # 26.6 units, as FreeType (and so raqm) positions
                    font.scale = (scale, scale)
                    if len(self._fonts) > 512:
                        self._fonts.clear()
                    self._fonts[key] = font
        return font

    def _shape(self, face: Face, size: float, text: str, direction: str, lang: str,
               features: dict[str, Any] | None = None) -> Any:
        buf = hb.Buffer()
        buf.add_str(text)
        buf.guess_segment_properties()
        buf.direction = direction
        if lang:
            buf.language = lang
        hb.shape(self._font(face, size), buf, features)
        return buf

    def advance(self, face: Face, size: float, text: str, direction: str, lang: str,
                features: dict[str, Any] | None = None) -> float:
        """The advance of ``text`` shaped in one run at ``size`` px (with OpenType ``features``
        on or off, e.g. ``{"halt": True}``, or on for code point ranges,
        ``{"halt": [(3, 4, True)]}``; the font's defaults otherwise)."""
        positions = self._shape(face, size, text, direction, lang, features).glyph_positions
        return sum(p.x_advance for p in positions) / 64

    def blank_sides(self, face: Face, size: float, char: str, lang: str) -> tuple[float, float]:
        """(left, right) px between ``char``'s advance box and its ink, shaped alone."""
        buf = self._shape(face, size, char, "ltr", lang)
        font = self._font(face, size)
        if len(buf.glyph_infos) != 1:
            return 0.0, 0.0
        ext = font.get_glyph_extents(buf.glyph_infos[0].codepoint)
        advance = buf.glyph_positions[0].x_advance
        if ext is None or ext.width <= 0:
            return 0.0, 0.0
        return max(0, ext.x_bearing) / 64, max(0, advance - ext.x_bearing - ext.width) / 64

    def ink_sides(self, face: Face, size: float, text: str, direction: str, lang: str,
                  features: dict[str, Any] | None = None) -> tuple[float, float]:
        """(left, right) px between the advance box of ``text`` shaped as one run and the
        ink of all its glyphs (HarfBuzz's glyph extents at their shaped positions, in visual
        order); 0 on a side where ink reaches past the box, (0, 0) for a run with no ink."""
        buf = self._shape(face, size, text, direction, lang, features)
        font = self._font(face, size)
        pen, lo, hi = 0, None, None
        for info, pos in zip(buf.glyph_infos, buf.glyph_positions):
            ext = font.get_glyph_extents(info.codepoint)
            if ext is not None and ext.width > 0:
                x0 = pen + pos.x_offset + ext.x_bearing
                lo = x0 if lo is None else min(lo, x0)
                hi = x0 + ext.width if hi is None else max(hi, x0 + ext.width)
            pen += pos.x_advance
        if lo is None or hi is None:
            return 0.0, 0.0
        return max(0, lo) / 64, max(0, pen - hi) / 64

    def own_advance(self, face: Face, size: float, char: str, lang: str) -> float | None:
        """The advance in px of ``char`` shaped alone when HarfBuzz sets it as its own (cmap)
        glyph, not moved (what :meth:`advance_and_pens` gives pens for); else None."""
        advance, pens = self.advance_and_pens(face, size, char, lang)
        return advance if pens == ((char, 0),) else None

    def advance_and_pens(self, face: Face, size: float, text: str, lang: str,
                         features: dict[str, Any] | None = None) -> tuple[float, tuple[tuple[str, int], ...] | None]:
        """The :meth:`advance` of ``text`` shaped left to right, and from the same shaping its
        pens: (character, pen x in 1/64 px) per glyph when every glyph is its character's own
        (cmap) glyph, one per character and not moved vertically, so each can be drawn alone;
        None when shaping substituted, merged or moved glyphs (ligatures, contextual forms,
        marks). ``features`` as for :meth:`advance`. A blank glyph put for a blank character
        (the Korean face's ``locl`` space) counts as its own: both ink nothing."""
        buf = self._shape(face, size, text, "ltr", lang, features)
        advance = sum(p.x_advance for p in buf.glyph_positions) / 64
        pens = self._pens(face, size, text, buf)
        return advance, None if pens is None else tuple(pens)

    def _pens(self, face: Face, size: float, text: str, buf: Any) -> list[tuple[str, int]] | None:
        font = self._font(face, size)
        infos, positions = buf.glyph_infos, buf.glyph_positions
        if len(infos) != len(text):
            return None
        pens: list[tuple[str, int]] = []
        pen = 0
        for info, pos in zip(infos, positions):
            char = text[info.cluster]
            if pos.y_offset:
                return None
            nominal = font.get_nominal_glyph(ord(char))
            if nominal != info.codepoint and not (_blank(font, info.codepoint) and _blank(font, nominal)):
                return None  # (a blank glyph for a blank one, e.g. the Korean face's own space, inks the same: nothing)
            pens.append((char, pen + pos.x_offset))
            pen += pos.x_advance
        return pens
