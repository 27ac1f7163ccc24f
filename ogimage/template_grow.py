"""Template growth: a text box may take the space of boxes that are empty on a card.

``grow_into = ["description"]``, ``grow_height`` and ``grow_lines`` in a box of a template
say that, when every box named is empty on a card and the text would otherwise be
truncated, the box may be up to ``grow_height`` px high and hold ``grow_lines`` lines
(README "Templates"). Read and checked here, like every other key
(:mod:`ogimage.template_read` calls these); applied by :mod:`ogimage.cardlayout`.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from typing import Any

from .template import TextBox

__all__ = ["check_growth", "read_growth"]


def read_growth(r: Any, name: str, height: int | None, max_lines: int) -> tuple[tuple[str, ...], int | None, int | None]:
    """``grow_into``, ``grow_height``, ``grow_lines`` of a box (the names are checked once
    every box is read: :func:`check_growth`)."""
    if not r.has("grow_into"):
        for key in ("grow_height", "grow_lines"):
            if r.has(key):
                raise r.fail(key, "needs grow_into (the boxes whose space this one may take)")
        return (), None, None
    if name == "tags":
        raise r.fail("grow_into", "tags are one row of chips: they do not grow")
    into = r.table.get("grow_into")
    if isinstance(into, str):
        into = [into]
    if not isinstance(into, list) or not into or not all(isinstance(n, str) for n in into):
        raise r.fail("grow_into", f"expected a list of box names, got {into!r}")
    if name in into:
        raise r.fail("grow_into", f"a box cannot grow into itself ({name!r})")
    grow_height = r.int("grow_height", minimum=(height or 0) + 1)
    grow_lines = r.int("grow_lines", max_lines, minimum=max_lines)
    return tuple(dict.fromkeys(into)), grow_height, grow_lines


def check_growth(r: Any, boxes: Sequence[TextBox], canvas: tuple[int, int]) -> None:
    """Every ``grow_into`` names a box of the template, and the grown box stays on the
    canvas and off every fixed box it does not grow into."""
    names = [b.name for b in boxes]
    for box in boxes:
        if not box.grow_into:
            continue
        br = r.sub(box.name)
        for target in box.grow_into:
            if target not in names:
                close = difflib.get_close_matches(target, [n for n in names if n != box.name], n=1, cutoff=0.6)
                hint = f"did you mean {close[0]!r}?" if close else f"this template's boxes: {', '.join(names)}"
                raise br.fail("grow_into", f"{target!r} is not a box of this template; {hint}")
        if box.y is None or box.grow_height is None:
            continue
        if box.y + box.grow_height > canvas[1]:
            raise br.fail("grow_height", f"grown to y = {box.y}..{box.y + box.grow_height}, the {box.name} box "
                                         f"leaves the {canvas[1]} px high canvas")
        for other in boxes:
            if other is box or other.name in box.grow_into or other.y is None:
                continue
            other_h = other.height if other.height is not None else round(other.max_size * other.line_height)
            if box.x < other.x + other.width and other.x < box.x + box.width and \
                    box.y < other.y + other_h and other.y < box.y + box.grow_height:
                raise br.fail("grow_height", f"grown to y = {box.y}..{box.y + box.grow_height}, the {box.name} "
                                             f"box would overlap [{other.name}] (y = {other.y}..{other.y + other_h})")
