"""Warming an engine in the background, so the first cards do not pay for loading.

:func:`start` runs the engine's ``warm_up`` (template bases, font files, character maps,
BudouX models: a few hundred ms) in a daemon thread, gives freed heap back, then computes
the fonts digest every cache key holds. The service's readiness waits for the thread.
"""

from __future__ import annotations

import ctypes
import logging
import threading
from typing import Any

log = logging.getLogger("ogimage.service")


def trim_heap() -> None:
    """Give freed heap memory back to the system (glibc's ``malloc_trim``; elsewhere a no-op).

    Warm-up frees much of what it allocates (quantiser buffers, sample layouts); without this
    a worker keeps ~10 MB it will not use again."""
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):
        pass


def start(engine: Any) -> threading.Thread | None:
    """Start warming ``engine`` (anything with ``warm_up()``; None if it has none) in a thread."""
    warm = getattr(engine, "warm_up", None)
    if warm is None:
        return None
    thread = threading.Thread(target=_run, args=(engine, warm), name="ogimage-warm-up", daemon=True)
    thread.start()
    return thread


def _run(engine: Any, warm: Any) -> None:
    try:
        warm()
    except Exception:  # a broken template shows up on its own requests; readiness must not hang
        log.exception("warm-up failed")
    trim_heap()
    # Every cache key holds the fonts digest (sha256 over ~50 MB of font files, ~0.1-0.2 s):
    # compute it now, beside readiness rather than before it, so the first request rarely waits.
    threading.Thread(target=_digest, args=(engine,), name="ogimage-warm-digest", daemon=True).start()


def _digest(engine: Any) -> None:
    try:
        engine.fonts_digest  # noqa: B018 - computed once and cached by the font book
    except Exception:  # noqa: BLE001 - the first request computes it (and reports any error)
        pass
