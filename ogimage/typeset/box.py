"""The typesetting core's data: a box to fill, the lines that fill it, and small shared helpers."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

Measure = Callable[[str, float], float]
ELLIPSIS = "…"
_EPS = 1e-9


@dataclass(frozen=True)
class BoxSpec:
    width: float
    min_size: float
    max_size: float
    max_lines: int
    line_height: float = 1.2  # multiple of the font size
    height: float | None = None  # optional: lines * size * line_height must fit too


@dataclass(frozen=True)
class Line:
    text: str  # without the spaces at its edges (they hang at a break and are dropped)
    width: float  # measured with the whole-line string at the chosen size


@dataclass(frozen=True)
class TextLayout:
    font_size: float
    line_height: float  # in px
    lines: tuple[Line, ...]
    truncated: bool
    lang: str


def fits(w: float, width: float) -> bool:
    return w <= width + _EPS * max(1.0, abs(width))


def candidate_sizes(box: BoxSpec) -> list[float]:
    lo, hi = math.ceil(box.min_size), math.floor(box.max_size)
    if lo > hi or lo <= 0:
        return [float(max(box.min_size, 1e-3))]
    return [float(s) for s in range(lo, hi + 1)]


def max_lines(box: BoxSpec, size: float) -> int:
    n = box.max_lines
    if box.height is not None:
        n = min(n, int(box.height / (size * box.line_height) + 1e-9))
    return n


class Memo:
    """Per-call cache of measure(text, size)."""

    def __init__(self, measure: Measure) -> None:
        self.measure, self.d = measure, {}

    def __call__(self, text: str, size: float) -> float:
        key = (text, size)
        w = self.d.get(key)
        if w is None:
            w = self.d[key] = float(self.measure(text, size)) if text else 0.0
        return w
