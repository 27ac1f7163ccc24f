"""Arrange a card on a template: where every line and chip goes, before any pixel.

:func:`arrange` runs the typesetting core on each text box of a template with the
fonts layer's measurer, resolves boxes that follow the box above them, and
returns a :class:`CardLayout`. The renderer draws exactly this object, and
``ogimage layout --json`` / ``GET /api/layout/…`` print it, so what you inspect
is what is drawn.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Callable

from .card import Card
from .fonts import FontBook, Run
from .fonts.halt import HALT_END, HALT_START
from .template import RGBA, Template, TextBox
from .typeset.layout import BoxSpec, fit
from .typeset.segment import base_direction, detect_lang

# Where the baseline sits in a line box: centred on the middle of capitals and
# ideographs (about 0.35 em above the baseline in Inter and Noto Sans CJK).
_BASELINE_FROM_MIDDLE = 0.35


@dataclass(frozen=True)
class PlacedLine:
    """One line of text, placed: ``x`` is its left edge, ``baseline`` its baseline, ``y`` its line-box top."""

    text: str
    width: float
    x: float
    y: float
    baseline: float
    direction: str
    runs: tuple[Run, ...] = ()  # the fallback runs the line is drawn with, in logical order


@dataclass(frozen=True)
class Chip:
    """One tag chip: its rectangle and its single line of text."""

    x: float
    y: float
    width: float
    height: float
    line: PlacedLine


@dataclass(frozen=True)
class PlacedBox:
    """A text box after layout."""

    name: str
    text: str
    lang: str
    family: str
    weight: str
    color: RGBA
    font_size: float
    line_height: float
    lines: tuple[PlacedLine, ...]
    truncated: bool
    x: float
    y: float
    width: float
    height: float
    chips: tuple[Chip, ...] = ()

    @property
    def bottom(self) -> float:
        """The bottom of the last line (or of the chips)."""
        if self.chips:
            return max(c.y + c.height for c in self.chips)
        if self.lines:
            return self.lines[-1].y + self.line_height
        return self.y


@dataclass(frozen=True)
class CardLayout:
    """Everything the renderer needs to draw a card, and what ``--json`` prints."""

    template: Template
    card: Card
    boxes: tuple[PlacedBox, ...]
    missing_glyphs: tuple[str, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        """The layout as a JSON-able dict (see README "Layout as JSON")."""

        def line(ln: PlacedLine) -> dict[str, Any]:
            out: dict[str, Any] = {
                "text": ln.text, "width": round(ln.width, 2), "x": round(ln.x, 2), "y": round(ln.y, 2),
                "baseline": round(ln.baseline, 2), "direction": ln.direction}
            if ln.runs:
                main = max(ln.runs, key=lambda r: len(r.text))
                out["family"] = main.face.family  # the face that draws most of the line
                out["runs"] = [{"text": r.text, "family": r.face.family, "weight": r.face.weight,
                                "font": r.face.path.name, "index": r.face.index, "lang": r.lang,
                                "direction": r.direction} for r in ln.runs]
            return out

        boxes: dict[str, Any] = {}
        for b in self.boxes:
            entry: dict[str, Any] = {
                "text": b.text, "lang": b.lang, "font_size": b.font_size, "line_height": round(b.line_height, 2),
                "family": b.family, "weight": b.weight, "truncated": b.truncated,
                "box": {"x": b.x, "y": round(b.y, 2), "width": b.width, "height": round(b.height, 2)},
                "lines": [line(ln) for ln in b.lines],
            }
            used = [r.face.family for ln in b.lines for r in ln.runs]
            if used:
                entry["families"] = sorted(set(used), key=used.index)  # every face drawing the box
            if b.chips:
                entry["chips"] = [{"x": round(c.x, 2), "y": round(c.y, 2), "width": round(c.width, 2),
                                   "height": round(c.height, 2), "text": c.line.text} for c in b.chips]
            boxes[b.name] = entry
        return {
            "template": self.template.name,
            "width": self.template.width,
            "height": self.template.height,
            "card": self.card.canonical(),
            "boxes": boxes,
            "missing_glyphs": list(self.missing_glyphs),
        }


def box_text(box: TextBox, card: Card) -> str:
    """The text a box shows for a card (``site`` falls back to the box default)."""
    if box.name == "title":
        return card.title
    if box.name == "description":
        return card.description
    if box.name == "site":
        return card.site or box.default
    if box.name == "meta":
        parts = [", ".join(card.author)] if card.author else []
        if card.date:
            parts.append(card.date.strftime(box.date_format))
        return box.separator.join(parts)
    return ""


def physical_align(align: str, direction: str) -> str:
    """``start``/``end`` resolved against the paragraph direction to ``left``/``right``."""
    if align == "start":
        return "right" if direction == "rtl" else "left"
    if align == "end":
        return "left" if direction == "rtl" else "right"
    return align


def _offset(align: str, slack: float) -> float:
    return slack / 2 if align == "center" else slack if align == "right" else 0.0


# Ink alignment moves a line by at most this much of the em beyond the halt trim.
INK_SHIFT_MAX_EM = 0.2


def _pen_x(box: TextBox, align: str, text: str, width: float, size: float, lang: str,
           base: int, book: FontBook) -> float:
    """Where a line's pen starts so that its *ink* meets the box: the first glyph's ink at
    the left edge, the last glyph's at the right, the ink span centred. ``width`` is the
    line's measured width (less the halt blanks at its edges, fonts/halt.py); the blank
    beside the ink beyond them (fonts/ink.py) moves the line by at most INK_SHIFT_MAX_EM."""
    trim_l, trim_r = book.edge_trims(text, box.family, box.weight, lang, size) if base == 0 else (0.0, 0.0)
    ink_l, ink_r = book.ink_sides(text, box.family, box.weight, lang, size, base)
    cap = INK_SHIFT_MAX_EM * size
    left = trim_l + min(max(0.0, ink_l - trim_l), cap)  # pen to ink, at most halt + cap
    right = trim_r + min(max(0.0, ink_r - trim_r), cap)
    advance = width + trim_l + trim_r
    if align == "right":
        return box.x + box.width - advance + right
    if align == "center":
        return box.x + (box.width - (advance - left - right)) / 2 - left
    return box.x - left


def _place_lines(box: TextBox, lines: Any, size: float, line_h: float, top: float,
                 direction: str, lang: str, book: FontBook) -> tuple[PlacedLine, ...]:
    align = physical_align(box.align, direction)
    base = 1 if direction == "rtl" else 0  # as the renderer asks for them (shared cache entry)
    placed = []
    for i, ln in enumerate(lines):
        y = top + i * line_h
        x = _pen_x(box, align, ln.text, ln.width, size, lang, base, book)
        runs = book.runs_for(ln.text, box.family, box.weight, lang, base)
        placed.append(PlacedLine(ln.text, ln.width, x, y, y + line_h / 2 + _BASELINE_FROM_MIDDLE * size,
                                 direction, tuple(runs)))
    return tuple(placed)


def _valign(box: TextBox, y: float, content: float) -> float:
    if box.height is None or box.valign == "top":
        return y
    slack = box.height - content
    return y + (slack / 2 if box.valign == "middle" else slack)


def _edge_trimmed(book: FontBook, box: TextBox, lang: str) -> Callable[[str, float], float]:
    """The measurer, less the blank half-em of punctuation at the text's edges (fonts/halt.py):
    a line is measured as wide as its ink spans, so ``、。：」`` at its end do not skew balance."""
    measure = book.measurer(box.family, box.weight, lang)

    def trimmed(text: str, size: float) -> float:
        width = measure(text, size)
        if text and (text[0] in HALT_START or text[-1] in HALT_END):
            left, right = book.edge_trims(text, box.family, box.weight, lang, size)
            width -= left + right
        return width

    return trimmed


def _text_box(box: TextBox, text: str, lang: str, y: float, book: FontBook, may_grow: bool = False) -> PlacedBox:
    spec = BoxSpec(width=box.width, min_size=box.min_size, max_size=box.max_size,
                   max_lines=box.max_lines, line_height=box.line_height, height=box.height)
    measure = _edge_trimmed(book, box, lang)
    result = fit(text, spec, measure, lang)
    if may_grow and result.truncated:
        # the boxes it may grow into are empty on this card: take their space (template.py: grow_into)
        grown = replace(box, height=box.grow_height, max_lines=box.grow_lines or box.max_lines)
        result = fit(text, replace(spec, height=grown.height, max_lines=grown.max_lines), measure, lang)
        box = grown
    line_h = result.line_height
    content = line_h * len(result.lines)
    top = _valign(box, y, content)
    return PlacedBox(box.name, text, lang, box.family, box.weight, box.color, result.font_size, line_h,
                     _place_lines(box, result.lines, result.font_size, line_h, top, base_direction(text),
                                  lang, book),
                     result.truncated,
                     box.x, y, box.width, box.height if box.height is not None else content)


def _tags_box(box: TextBox, tags: tuple[str, ...], card_lang: str | None, y: float, book: FontBook) -> PlacedBox:
    chips_style = box.chips
    assert chips_style is not None
    size = box.max_size
    chip_h = round(size * box.line_height) + 2 * chips_style.padding_y
    widths = []
    for tag in tags:
        text = f"{chips_style.prefix}{tag}"
        lang = card_lang or detect_lang(tag)
        width = book.measurer(box.family, box.weight, lang)(text, size)
        widths.append((text, lang, width))
    # Keep as many chips as fit on one row, in order.
    kept, total = [], 0.0
    for text, lang, width in widths:
        w = width + 2 * chips_style.padding_x
        extra = w + (chips_style.gap if kept else 0)
        if total + extra > box.width:
            break
        kept.append((text, lang, width, w))
        total += extra
    top = _valign(box, y, chip_h)
    x = box.x + _offset(physical_align(box.align, "ltr"), box.width - total)
    chips = []
    for text, _lang, width, w in kept:
        line_top = top + chips_style.padding_y
        line_h = chip_h - 2 * chips_style.padding_y
        line = PlacedLine(text, width, x + chips_style.padding_x, line_top,
                          line_top + line_h / 2 + _BASELINE_FROM_MIDDLE * size, base_direction(text))
        chips.append(Chip(x, top, w, chip_h, line))
        x += w + chips_style.gap
    return PlacedBox(box.name, ", ".join(tags), card_lang or "", box.family, box.weight, box.color, size,
                     chip_h, (), len(kept) < len(tags), box.x, y, box.width,
                     box.height if box.height is not None else chip_h, tuple(chips))


def _may_grow(box: TextBox, card: Card, template: Template) -> bool:
    """Whether every box ``box`` may grow into (``grow_into``) is empty on ``card``."""
    if not box.grow_into:
        return False
    for name in box.grow_into:
        other = template.box(name)
        if other is None:
            continue
        if (bool(card.tags) if name == "tags" else bool(box_text(other, card))):
            return False
    return True


def arrange(card: Card, template: Template, book: FontBook) -> CardLayout:
    """Lay out every box of ``template`` for ``card``."""
    placed: dict[str, PlacedBox] = {}
    shown: list[str] = []
    for box in template.boxes:
        if box.y is not None:
            y = float(box.y)
        else:
            above = placed[box.follows]  # type: ignore[index]
            # An empty box above gives up its place: this one moves up to where it would have started.
            y = above.bottom + box.gap if (above.lines or above.chips) else above.y
        if box.name == "tags":
            if card.tags:
                placed[box.name] = _tags_box(box, card.tags, card.lang, y, book)
            else:
                placed[box.name] = PlacedBox(box.name, "", card.lang or "", box.family, box.weight, box.color,
                                             box.max_size, 0, (), False, box.x, y, box.width, 0)
            shown.append(placed[box.name].text)
            continue
        text = box_text(box, card)
        lang = card.lang or detect_lang(text)
        placed[box.name] = _text_box(box, text, lang, y, book, _may_grow(box, card, template))
        shown.append(text)
    missing = book.missing("".join(shown))
    return CardLayout(template, card, tuple(placed.values()), tuple(missing))
