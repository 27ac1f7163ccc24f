"""The last resort of :func:`~ogimage.typeset.layout.fit`: greedy lines measured whole, and truncation.

Used when per-unit width estimates keep misleading the balanced search (strong kerning
or shaping), and at the minimum size when the text does not fit: then the last line is
cut at a break opportunity and ends with "…", which itself obeys kinsoku.
"""

from __future__ import annotations

from typing import Callable

from . import kinsoku as K
from .box import ELLIPSIS, BoxSpec, Line, Memo, TextLayout, fits, max_lines
from .segment import graphemes, split_points


# Words an ellipsis never follows (articles, prepositions, conjunctions): "… for a…" reads
# as a mistake; the cut moves back to the word before them.
_NO_ELLIPSIS_AFTER = frozenset(
    "a an the of in on at to for with by from into onto over under about as and or nor but "
    "after before behind between through during without within against across among around "
    "toward towards upon beyond since until like near so "
    "vs vs. via per than le la les un une des du de der die das den dem ein eine el los las "
    "y o e et und".split())


def _weak_end(t: str) -> bool:
    """Does ``t`` end with a word an ellipsis must not follow?"""
    words = t.split()
    return bool(words) and words[-1].lower() in _NO_ELLIPSIS_AFTER


def _clean_for_ellipsis(t: str) -> str:
    while True:
        u = t.rstrip(K.HANGING)
        while u and (u[-1] in K.DROP_BEFORE_ELLIPSIS or u[-1] in K.NO_END):
            u = u[:-1].rstrip(K.HANGING)
        if u == t:
            return t
        t = u


def fallback(text: str, segs, box: BoxSpec, m: Memo, size: float, lang: str) -> TextLayout:
    """Greedy at ``size`` with every line measured whole; truncate with "…" if needed."""
    limit = max(1, max_lines(box, size))
    ends, hard, pos, cost = [], set(), 0, {}
    for s in segs:
        pos += len(s.text)
        ends.append(pos)
        cost[pos] = s.cost
        if s.hard_break:
            hard.add(pos)
    W = box.width

    def clean(q0: int, q1: int) -> str:
        return text[q0:q1].strip(K.HANGING)

    lines: list[Line] = []
    p, truncated = 0, False
    while p < len(text) and len(lines) < limit:
        cands = []
        for q in ends:
            if q > p:
                cands.append(q)
                if q in hard:
                    break
        if len(lines) == limit - 1:  # the last line allowed: all the rest, or "…"
            rest = clean(p, len(text))
            whole = not any(p < h < len(text) for h in hard)
            if whole and (fits(m(rest, size), W) or len(graphemes(rest)) == 1):
                lines.append(Line(rest, m(rest, size)))
            else:
                lines.append(_ellipsis_line(text, p, cands, m, size, W))
                truncated = True
            break
        q = _last_fitting(cands, lambda q: fits(m(clean(p, q), size), W))
        if q is not None and cost.get(q, 0.0) >= _COSTLY:
            q = _cheaper_before(cands, q, cost, lambda q: m(clean(p, q), size) >= _FULL * W)
        if q is None:
            q = _emergency(text, p, cands[0], lambda q: fits(m(clean(p, q), size), W))
        t = clean(p, q)
        lines.append(Line(t, m(t, size)))
        p = q
    clipped: list[Line] = []
    for ln in lines:  # a clipped line ends the text: its "…" is the truncation, so nothing follows it
        clipped.append(clip_line(ln, m, size, W))
        if clipped[-1] is not ln:
            truncated = True
            break
    return TextLayout(size, size * box.line_height, tuple(clipped), truncated, lang)


_TRAILING_JOINERS = "\u200d\ufe0f\ufe0e\u034f"


def clip_line(line: Line, m: Memo, size: float, W: float) -> Line:
    """A line no wider than ``W``: unchanged if it fits, else its longest prefix + "…".

    The last resort for a single grapheme cluster wider than the box (👋 with 299 skin-tone
    modifiers, 150 👩 joined by ZWJ, ᄀ with 299 ᅡ, a long conjunct chain), which no
    break can help: whole clusters are kept while they fit, then the first cluster is cut
    between code points (never leaving a dangling ZWJ or variation selector). If not even
    "…" fits, the line is "…" alone. Cost: O(log n) measures of prefixes.
    """
    if fits(line.width, W):
        return line
    gs = graphemes(line.text)

    def ok(t: str) -> bool:
        return fits(m(t.rstrip(K.HANGING) + ELLIPSIS, size), W)

    # whole clusters first (binary search: the width grows with the prefix)
    lo, hi, keep = 1, len(gs) - 1, 0
    while lo <= hi:
        mid = (lo + hi) // 2
        if ok("".join(gs[:mid])):
            keep, lo = mid, mid + 1
        else:
            hi = mid - 1
    head = "".join(gs[:keep])
    if not keep:  # cut inside the first cluster, by code points
        first = gs[0]
        lo, hi = 1, len(first) - 1
        while lo <= hi:
            mid = (lo + hi) // 2
            if ok(first[:mid].rstrip(_TRAILING_JOINERS)):
                keep, lo = mid, mid + 1
            else:
                hi = mid - 1
        head = first[:keep].rstrip(_TRAILING_JOINERS)
    text = _clean_for_ellipsis(head).rstrip(K.HANGING) + ELLIPSIS if head else ELLIPSIS
    return Line(text, m(text, size))


_COSTLY = 0.35  # a break this costly (costs.WEAK_PHRASE and up: "for a|", "風景|写真") …
_FULL = 0.8  # … moves back to a cheaper one if that still fills 80 % of the line


def _cheaper_before(cands: list[int], q: int, cost: dict[int, float], full: Callable[[int], bool]) -> int:
    """The last candidate before ``q`` with a cheaper break whose line is still full, else ``q``."""
    for c in reversed([c for c in cands if c < q]):
        if not full(c):
            break
        if cost.get(c, 0.0) < cost.get(q, 0.0):
            return c
    return q


def _last_fitting(cands: list[int], ok: Callable[[int], bool]) -> int | None:
    """The last candidate for which ok() holds, by binary search (widths grow with q)."""
    lo, hi, best = 0, len(cands) - 1, None
    while lo <= hi:
        mid = (lo + hi) // 2
        if ok(cands[mid]):
            best, lo = cands[mid], mid + 1
        else:
            hi = mid - 1
    return best


def _emergency(text: str, p: int, q_end: int, ok: Callable[[int], bool]) -> int:
    """Split inside the unit text[p:q_end]: best tier first, never inside a grapheme."""
    pts = [(p + o, t) for o, t in split_points(text[p:q_end])]
    q1 = _last_fitting([o for o, t in pts if t == 1], ok)
    q2 = _last_fitting([o for o, t in pts if t <= 2], ok)
    if q1 is not None and (q2 is None or q1 - p >= (q2 - p) / 2):
        return q1  # after / - _ . ? & = if that fills at least half of what fits
    if q2 is not None:
        return q2
    q3 = _last_fitting([o for o, _ in pts], ok)  # breaks kinsoku: nothing else fits
    if q3 is not None:
        return q3
    return pts[0][0] if pts else q_end  # a single grapheme wider than the box


def _ellipsis_line(text: str, p: int, cands: list[int], m: Memo, size: float, W: float) -> Line:
    def line(q: int) -> str:
        return _clean_for_ellipsis(text[p:q]).lstrip(K.HANGING) + ELLIPSIS

    ok = lambda q: fits(m(line(q), size), W) and line(q) != ELLIPSIS
    q = _last_fitting(cands, ok)
    if q is not None and _weak_end(line(q)[:-1]):  # "… for a…": cut before "for a"
        strong = [c for c in cands if c < q and not _weak_end(line(c)[:-1]) and ok(c)]
        q = strong[-1] if strong else q
    if q is None:
        pts = [(p + o, t) for o, t in split_points(text[p:cands[0]])]
        for tiers in ((1, 2), (1, 2, 3)):
            q = _last_fitting([o for o, t in pts if t in tiers], ok)
            if q is not None:
                break
    t = line(q) if q is not None else ELLIPSIS
    return Line(t, m(t, size))
