"""A per-render time budget, checked cooperatively on the render's own thread.

A Python thread cannot be stopped from outside, so the render path checks a deadline
at points it passes often: each shaped run measured (:mod:`ogimage.fonts.book`), each
run of a line drawn (:mod:`ogimage.draw.text`) and each box composed
(:mod:`ogimage.draw.compose`). :func:`check` raises
:class:`~ogimage.errors.RenderTimeout` past the deadline, so the thread unwinds and
its render slot is free again. The service also stops waiting at the deadline (plus a
short grace) in case one long call inside Pillow holds the thread between checks:
the client gets its 503 on time either way.

Pure Python, no imports beyond the standard library and the errors, so any layer may
call it. Outside :func:`deadline` (the CLI, the Python API) :func:`check` does nothing.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from .errors import RenderTimeout

T = TypeVar("T")
_local = threading.local()
_clock = time.monotonic


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Run the body with a budget of ``seconds`` on this thread (nested budgets: the innermost)."""
    previous = getattr(_local, "until", None)
    _local.until = _clock() + seconds
    _local.seconds = seconds
    try:
        yield
    finally:
        _local.until = previous


def check() -> None:
    """Raise :class:`RenderTimeout` if this thread's budget is spent; ~0.1 µs otherwise."""
    until = getattr(_local, "until", None)
    if until is not None and _clock() > until:
        raise RenderTimeout(_local.seconds)


def run_within(seconds: float, work: Callable[[], T]) -> T:
    """``work()`` with a budget of ``seconds`` on this thread (what a render-pool thread runs)."""
    with deadline(seconds):
        return work()


# Past the deadline, how long the service still waits for a render that has not reached a check.
GRACE = 0.25
