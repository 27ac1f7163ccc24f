"""Pure typesetting core: segmentation and fitting. Imports no Pillow, no web framework.

    >>> from ogimage.typeset import fit, BoxSpec
    >>> fit("Hello", BoxSpec(600, 40, 72, 2), lambda t, s: len(t) * s * 0.55).font_size
    72.0
"""

from __future__ import annotations

from .layout import BoxSpec, Line, Measure, TextLayout, fit
from .script import base_direction, graphemes
from .segment import Segment, detect_lang, segments

__all__ = [
    "BoxSpec", "Line", "Measure", "Segment", "TextLayout",
    "base_direction", "detect_lang", "fit", "graphemes", "segments",
]
