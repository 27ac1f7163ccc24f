"""Fit text into a box: font size, line breaks, balance and ellipsis.

The caller supplies ``measure(text, size) -> advance width in px``; its fonts layer does
fallback, shaping and kerning. Widths of two strings do NOT add up exactly (kerning,
shaping, hinting), so this module uses per-unit widths, measured once at a reference size
and scaled linearly, only to *choose* a size and breaks; every final line is then measured
as a whole string, and if one is too wide the search runs again with a tighter width, and
finally falls back to a greedy layout measured line by line.

Guarantee: each line's measured width is <= ``box.width``. A single grapheme cluster wider
than the box (👋 with 299 skin-tone modifiers, a long conjunct chain) is clipped with "…"
at the minimum size (fallback.clip_line), by whole clusters and then by code points.
"""

from __future__ import annotations


from . import kinsoku as K
from .costs import GOOD
from .box import ELLIPSIS, BoxSpec, Line, Measure, Memo, TextLayout, candidate_sizes, fits, max_lines
from .fallback import fallback
from .segment import detect_lang, graphemes, segments, split_points

__all__ = ["ELLIPSIS", "BoxSpec", "Line", "Measure", "TextLayout", "fit"]

# DP costs, in units of (slack / width)^2; a unit's own break cost is Segment.cost.
_PEN_TIER = {1: 0.5, 2: 1.0, 3: 50.0}  # emergency breaks inside a unit
_PEN_STUB = 20.0  # last line of 1-2 graphemes or one short word


# ---------------------------------------------------------------- atoms

class _Atoms:
    """Units (or emergency pieces of over-wide units) with widths at the reference size."""

    def __init__(self, segs, ref: float, width: float, m: Memo) -> None:
        self.full: list[str] = []
        self.core: list[str] = []
        self.wf: list[float] = []
        self.wc: list[float] = []
        self.pen: list[float | None] = []  # penalty to break after the atom; None: never
        self.hard: list[bool] = []
        self.unit: list[int] = []  # emergency break after this atom: unit index, else -1
        self.unit_w: list[float] = []
        self.ngraph: list[int] = []
        for u, seg in enumerate(segs):
            core = seg.text.rstrip(K.HANGING)
            tail = seg.text[len(core):]
            wc = m(core, ref)
            self.unit_w.append(wc)
            pen = seg.cost  # what a break after this unit costs (typeset/costs.py)
            pieces = [core]
            tiers: list[int] = []
            if wc > width and len(core) > 1:
                pieces, tiers = self._split(core, ref, width, m)
            for k, piece in enumerate(pieces):
                final = k == len(pieces) - 1
                text = piece + tail if final else piece
                self.full.append(text)
                self.core.append(piece)
                pwc = wc if len(pieces) == 1 else m(piece, ref)
                self.wc.append(pwc)
                # trailing spaces: add their own width (one memoised call for " "), so a
                # unit costs one measure; the final lines are measured whole anyway
                spaced = final and tail and not seg.hard_break
                self.wf.append(pwc + m(tail, ref) if spaced else pwc)
                self.pen.append(pen if final else _PEN_TIER[tiers[k]])
                self.hard.append(seg.hard_break if final else False)
                self.unit.append(-1 if final else u)
                self.ngraph.append(len(graphemes(piece)))
        self.n = len(self.full)
        self.prefix = [0.0]
        for w in self.wf:
            self.prefix.append(self.prefix[-1] + w)
        # sentence ends before atom k (a line that runs across one pays _RUN_ACROSS)
        self.ends_before = [0]
        for k in range(self.n):
            good = self.pen[k] is not None and self.pen[k] <= GOOD and not self.hard[k]
            self.ends_before.append(self.ends_before[-1] + good)

    @staticmethod
    def _split(core: str, ref: float, width: float, m: Memo) -> tuple[list[str], list[int]]:
        """Cut an over-wide unit at tier-1 points, then pieces still too wide at every grapheme."""
        pts = split_points(core)
        cuts = [(o, t) for o, t in pts if t == 1]
        pieces, tiers, start = [], [], 0
        for o, t in cuts + [(len(core), 0)]:
            piece = core[start:o]
            if m(piece, ref) > width:
                inner = [(po - start, pt) for po, pt in pts if start < po < o]
                s0 = 0
                for po, pt in inner:
                    pieces.append(piece[s0:po])
                    tiers.append(pt)
                    s0 = po
                piece = piece[s0:]
            pieces.append(piece)
            tiers.append(t)
            start = o
        return pieces, tiers

    def width(self, i: int, j: int) -> float:
        """Estimated width of atoms i..j inclusive (at the reference size)."""
        return self.prefix[j] - self.prefix[i] + self.wc[j]

    def allowed(self, scale: float, width: float, strict: bool) -> list[bool]:
        """Breaks usable at this scale; strict: none that breaks kinsoku (tier 3)."""
        out = []
        for k in range(self.n):
            u, pen = self.unit[k], self.pen[k]
            ok = pen is not None and (u < 0 or self.unit_w[u] * scale > width)
            ok = ok and not (strict and pen >= _PEN_TIER[3])
            out.append(ok or self.hard[k])
        return out

    def text(self, i: int, j: int) -> str:
        return "".join(self.full[i:j]) + self.core[j]


def _greedy(a: _Atoms, ok: list[bool], cap: float) -> list[int] | None:
    """Fewest lines (greedy is optimal for it): the index of each line's last atom."""
    ends, i, n = [], 0, a.n
    while i < n:
        best = -1
        for j in range(i, n):
            if a.width(i, j) > cap:
                break
            if j == n - 1 or ok[j]:
                best = j
            if a.hard[j]:
                break
        if best < 0:
            return None
        ends.append(best)
        i = best + 1
    return ends


def _stub(a: _Atoms, i: int, j: int) -> bool:
    g = sum(a.ngraph[i:j + 1])
    if g <= 2:
        return True
    line = a.text(i, j)
    return i == j and g <= 6 and not any(ch in K.SPACES for ch in line) and not any(
        "\u2e80" <= ch <= "\u9fff" or "\uac00" <= ch <= "\ud7af" for ch in line)


def _balance(a: _Atoms, ok: list[bool], cap: float, kmin: int,
             kmax: int) -> dict[int, tuple[float, list[int]]]:
    """For each line count k in [kmin, kmax], the breaks into exactly k lines that minimise
    the sum of squared slack + break costs: {k: (cost, the index of each line's last atom)}
    (a k with no such layout is absent). One dynamic programme serves every k.
    """
    n, inf = a.n, float("inf")
    best = [[inf] * (kmax + 1) for _ in range(n + 1)]  # best[j][k]: atoms < j in k lines
    back = [[-1] * (kmax + 1) for _ in range(n + 1)]
    best[0][0] = 0.0
    for j in range(1, n + 1):  # a line ends after atom j-1
        e = j - 1
        if j < n and not ok[e]:
            continue
        end_par = j == n or a.hard[e]
        here, here_back = best[j], back[j]
        brk = (a.pen[e] or 0.0) if j < n and not a.hard[e] else 0.0
        for i in range(e, -1, -1):  # the line is atoms i..e
            if i < e and a.hard[i]:
                break
            w = a.width(i, e)
            if w > cap:
                break
            if i > 0 and not ok[i - 1]:
                continue
            slack = (cap - w) / cap
            cost = slack * slack + brk
            cost += _RUN_ACROSS * (a.ends_before[e] - a.ends_before[i])  # 。？： inside the line
            if end_par and i > 0 and not a.hard[i - 1] and _stub(a, i, e):
                cost += _PEN_STUB
            prev = best[i]
            for k in range(1, kmax + 1):
                c = prev[k - 1] + cost
                if c < here[k]:
                    here[k] = c
                    here_back[k] = i
    out = {}
    for k in range(kmin, kmax + 1):
        if best[n][k] == inf:
            continue
        ends, j = [], n
        for kk in range(k, 0, -1):
            ends.append(j - 1)
            j = back[j][kk]
        out[k] = (best[n][k], ends[::-1])
    return out


# ---------------------------------------------------------------- public API

def fit(text: str, box: BoxSpec, measure: Measure, lang: str | None = None) -> TextLayout:
    """Lay ``text`` out at the best whole-px size in [min_size, max_size] and the best breaks.

    Sizes and breaks are scored together (:func:`_search`): the largest size that fits and
    sizes down to 15 % smaller, each with its fewest lines and one more, balanced (similar
    widths, no stub last line); a layout's score adds its break costs (typeset/costs.py:
    after 。？：is good, inside a compound bad), its evenness, a little per extra line and a
    little per px smaller, and a line running across a sentence end pays. At ``min_size``,
    text that still does not fit is cut at a break opportunity and ended with "…"
    (``truncated=True``), never after an article, a preposition or an opening bracket.
    Empty text gives zero lines.

    Edge cases: a single grapheme cluster wider than the box is clipped with "…" (no line
    ever exceeds ``box.width`` unless "…" alone does); if ``box.height`` leaves room for no line even
    at ``min_size``, one line is still set; spaces at line edges are dropped; "\n" (and
    the other UAX #14 mandatory breaks) force a break and count against ``max_lines``.
    Cost: a handful of balancing passes, each O(units^2 * lines), plus one measure per unit
    and per final line.
    """
    text = text.rstrip(K.HANGING)
    lang = lang or detect_lang(text)
    sizes = candidate_sizes(box)
    if not text or box.max_lines < 1:
        s = sizes[-1] if not text else sizes[0]
        return TextLayout(s, s * box.line_height, (), bool(text), lang)
    m = Memo(measure)
    segs = segments(text, lang)
    ref = sizes[-1]
    eff = box.width
    # a box whose height holds no line even at the smallest size (a 28 px site line in a
    # 24 px box) gets nowhere in the search: every size's attempt gives up at once
    searching = max_lines(box, sizes[0]) >= 1
    atoms = _Atoms(segs, ref, box.width, m) if searching else None
    for _ in range(4 if searching else 0):
        assert atoms is not None
        # kinsoku-breaking emergency breaks only if no size works without them
        found = _search(atoms, sizes, box, eff, ref, True) or _search(atoms, sizes, box, eff, ref, False)
        if found is None:
            break
        size, ends = found
        lines, worst = [], 1.0
        start = 0
        for e in ends:
            t = atoms.text(start, e).strip(K.HANGING)
            w = m(t, size)
            lines.append(Line(t, w))
            if not fits(w, box.width):
                worst = min(worst, box.width / w)
            start = e + 1
        if worst == 1.0:
            return TextLayout(size, size * box.line_height, tuple(lines), False, lang)
        eff *= worst * (1 - 1e-6)
    # Estimates keep misleading us (strong kerning or shaping): measure every line instead,
    # at the largest size where that fits untruncated, else truncate at the min size.
    lo, hi, best, smallest = 0, len(sizes) - 1, None, None
    while lo <= hi:
        mid = (lo + hi) // 2
        lay = fallback(text, segs, box, m, sizes[mid], lang)
        if mid == 0:
            smallest = lay  # what the last resort below would compute again
        if lay.truncated or len(lay.lines) > max_lines(box, sizes[mid]):
            hi = mid - 1
        else:
            best, lo = lay, mid + 1
    return best or smallest or fallback(text, segs, box, m, sizes[0], lang)


def _search(a: _Atoms, sizes: list[float], box: BoxSpec, eff: float,
            ref: float, strict: bool) -> tuple[float, list[int]] | None:
    """The best layout over sizes and breaks together (see :func:`_score`).

    The largest size whose greedy line count fits (binary search), then a few sizes down
    to ``_SIZE_RANGE`` below it, each with its fewest lines and one more: balanced breaks
    at each, scored by break costs, evenness, line count and size. Cost: up to
    ``2 * _SIZE_STEPS`` balancing passes, each O(atoms^2 * lines).
    """
    def attempt(size: float):
        scale = size / ref
        limit = max_lines(box, size)
        if limit < 1:
            return None
        ok = a.allowed(scale, eff, strict)
        ends = _greedy(a, ok, eff / scale)
        if ends is None or len(ends) > limit:
            return None
        return ok, ends, limit

    lo, hi, found = 0, len(sizes) - 1, None
    while lo <= hi:
        mid = (lo + hi) // 2
        r = attempt(sizes[mid])
        if r is None:
            hi = mid - 1
        else:
            found, lo = (mid, r), mid + 1
    if found is None:
        return None
    top, first = found
    best: tuple[float, float, list[int]] | None = None
    for idx in _size_candidates(sizes, top):
        r = first if idx == top else attempt(sizes[idx])
        if r is None:
            continue
        ok, ends, limit = r
        # no layout at this size can beat the best so far: its size cost alone exceeds it
        floor = _SIZE_COST * (sizes[top] - sizes[idx]) / sizes[top] + min(0.0, _LINE_COST + GOOD) * limit
        if best is not None and floor >= best[0]:
            continue
        cap = eff / (sizes[idx] / ref)
        kmin, kmax = len(ends), min(len(ends) + 1, limit)
        found_k = _balance(a, ok, cap, max(kmin, 2), kmax) if kmax > 1 else {}
        if kmin == 1:
            found_k[1] = (_slack_cost(a, cap, ends), ends)
        for nl, got in found_k.items():
            score = _score(got[0], nl, sizes[idx], sizes[top])
            if best is None or score < best[0] - 1e-12:
                best = (score, sizes[idx], got[1])
    assert best is not None  # the top size itself always gives a layout
    return best[1], best[2]


# Scoring layouts over sizes and line counts (units of the balancer's cost).
_SIZE_RANGE = 0.15  # look at sizes down to 15 % below the largest that fits, no further
_SIZE_STEPS = 5  # at most this many sizes (the largest included)
_SIZE_COST = 2.5  # per 100 % smaller: 6 % smaller costs 0.15, a little more than one plain break
_LINE_COST = 0.1  # each extra line: more lines only to avoid a bad break
_RUN_ACROSS = 0.3  # a line of several that runs across a sentence or title end (。？：——)


def _size_candidates(sizes: list[float], top: int) -> list[int]:
    """Indices of the largest fitting size and a few evenly spaced smaller ones."""
    floor = sizes[top] * (1 - _SIZE_RANGE)
    low = top
    while low > 0 and sizes[low - 1] >= floor:
        low -= 1
    span = top - low
    if span < _SIZE_STEPS:
        return list(range(top, low - 1, -1))
    return sorted({top - round(k * span / (_SIZE_STEPS - 1)) for k in range(_SIZE_STEPS)}, reverse=True)


def _slack_cost(a: _Atoms, cap: float, ends: list[int]) -> float:
    slack = (cap - a.width(0, ends[0])) / cap
    return slack * slack


def _score(cost: float, nlines: int, size: float, top: float) -> float:
    """A layout's score: breaks and evenness, plus a little for each extra line and smaller size."""
    return cost + _LINE_COST * (nlines - 1) + _SIZE_COST * (top - size) / top
