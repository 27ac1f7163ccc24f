"""Pure typesetting core: segmentation and fitting. Imports no Pillow, no web framework.

    >>> from ogimage.typeset import fit, BoxSpec
    >>> fit("Hello", BoxSpec(600, 40, 72, 2), lambda t, s: len(t) * s * 0.55).font_size
    72.0
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .layout import BoxSpec, Line, Measure, TextLayout, fit
    from .script import base_direction, graphemes
    from .segment import Segment, detect_lang, segments

# Loaded on first use (PEP 562): a module that needs only the text facts of ``script``
# (``card.py``, and through it the site plugins) does not pay for BudouX and the fitter.
_HOME = {
    "BoxSpec": "layout", "Line": "layout", "Measure": "layout", "TextLayout": "layout", "fit": "layout",
    "base_direction": "script", "graphemes": "script",
    "Segment": "segment", "detect_lang": "segment", "segments": "segment",
}


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module 'ogimage.typeset' has no attribute {name!r}")
    value = getattr(import_module(f".{home}", __name__), name)
    globals()[name] = value
    return value


__all__ = [
    "BoxSpec", "Line", "Measure", "Segment", "TextLayout",
    "base_direction", "detect_lang", "fit", "graphemes", "segments",
]
