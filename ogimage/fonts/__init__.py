"""Fonts: the bundled font files, coverage, fallback runs, per-language faces, measuring.

A :class:`FontBook` reads ``fonts/manifest.toml`` (families, weights, faces, the fallback
order, which family is emoji). Text is itemised by grapheme cluster into :class:`Run`\\ s:
each cluster goes to the first face, in the chain *requested family, then the manifest's
fallback order*, whose cmap holds every code point of the cluster. Spaces and punctuation
stay in the run they follow when its face has them; emoji presentation sequences go to the
emoji family; Han characters take the Noto Sans CJK face of the card's language
(``ja`` → JP, ``ko`` → KR, ``zh``/``zh-Hans``/``zh-CN`` → SC, ``zh-Hant``/``zh-TW`` → TC,
``zh-HK`` → HK). With no CJK language given, kana in the text picks JP, hangul picks KR,
and otherwise the manifest's ``default_lang`` (JP).

Runs also carry their bidi embedding level (Unicode Bidirectional Algorithm, resolved by
python-bidi), so a run never mixes directions; runs are in logical order and
:meth:`FontBook.plan_line` puts their plans in visual order.

Measuring warns about the trap Pillow's docs warn about: the widths of two strings do not
add up (kerning, shaping, ligatures). Each run is therefore planned once
(:mod:`.plan`: cut into pieces that shaping cannot reach across, each shaped with its
language and direction): :meth:`FontBook.measurer` sums the plan's advances and
:func:`ogimage.draw.text.line_pieces` rasterises the same plan, so measured and drawn
widths agree exactly at the same size.

Caveats:

* Noto Color Emoji is a bitmap font with one strike at 109 px: :meth:`FontBook.font`
  always opens it at that size, and emoji widths are its advances scaled by
  ``size / 109``.
* Lone surrogates (possible in a Python ``str``, not in one decoded from JSON/UTF-8) are
  replaced by U+FFFD for shaping and drawing, and reported by :meth:`FontBook.missing`.
* Without raqm (no libfribidi on the system) Pillow falls back to basic layout: no
  shaping, no right-to-left. :meth:`FontBook.layout_engine` says which one is in use.
"""

from __future__ import annotations

from .book import FontBook
from .faces import Face, Run
from .unicode import bidi_levels, shapeable

__all__ = ["Face", "FontBook", "Run", "bidi_levels", "shapeable"]
