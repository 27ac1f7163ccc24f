"""Render slots: at most ``max_renders`` renders at once per worker, ``max_queue`` waiting, each
under a time budget; past that a typed refusal (503 with ``Retry-After``) instead of a pile-up.

The work runs in a thread pool of ``max_renders`` threads. A render checks its own deadline
(:mod:`ogimage.budget`); its slot is freed when the thread is really done, and the caller
stops waiting at the deadline plus a grace even if the thread is inside one long call.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from . import budget
from .errors import OverloadedError, RenderTimeout

T = TypeVar("T")


class RenderSlots:
    """Bounded, budgeted CPU work for the event loop (renders and layouts)."""

    def __init__(self, max_renders: int, max_queue: int, timeout: float, metrics: Any) -> None:
        self.max_renders, self.max_queue, self.timeout = max_renders, max_queue, timeout
        self.metrics = metrics
        self.running = 0
        self.waiting = 0
        self._ewma = 0.05  # seconds a render takes, smoothed (for Retry-After)
        self._pool = ThreadPoolExecutor(max_workers=max_renders, thread_name_prefix="ogimage-render")
        self._sem: asyncio.Semaphore | None = None
        self._sem_loop: asyncio.AbstractEventLoop | None = None

    def observed(self, seconds: float) -> None:
        """Record how long a render took (Retry-After estimates from it)."""
        self._ewma = 0.8 * self._ewma + 0.2 * seconds

    async def run(self, work: Callable[[], T]) -> T:
        """``work()`` in the pool: at once if a slot is free, after a wait if the queue has
        room, else :class:`OverloadedError`; :class:`RenderTimeout` past the budget."""
        sem = self._semaphore()
        if sem.locked():
            if self.waiting >= self.max_queue:
                self.metrics.rejected.labels("overloaded").inc()
                raise OverloadedError(self.retry_after())
            self.waiting += 1
            self.metrics.renders_waiting.inc()
            try:
                await sem.acquire()
            finally:
                self.waiting -= 1
                self.metrics.renders_waiting.dec()
        else:
            await sem.acquire()  # free slot: returns at once
        self.running += 1
        self.metrics.renders_in_flight.inc()
        seconds = self.timeout
        try:
            fut = asyncio.get_running_loop().run_in_executor(self._pool, budget.run_within, seconds, work)
        except BaseException:
            self._done(sem)
            raise
        fut.add_done_callback(lambda _f: self._done(sem))
        try:
            return await asyncio.wait_for(asyncio.shield(fut), seconds + budget.GRACE)
        except (RenderTimeout, TimeoutError):
            self.metrics.rejected.labels("timeout").inc()
            raise RenderTimeout(seconds, self.retry_after()) from None

    def _done(self, sem: asyncio.Semaphore) -> None:
        self.running -= 1
        self.metrics.renders_in_flight.dec()
        sem.release()

    def _semaphore(self) -> asyncio.Semaphore:
        # asyncio primitives belong to one loop; a test client may bring a new one.
        loop = asyncio.get_running_loop()
        if self._sem is None or self._sem_loop is not loop:
            self._sem = asyncio.Semaphore(self.max_renders)
            self._sem_loop = loop
        return self._sem

    def retry_after(self) -> int:
        """Seconds a refused client should wait: the queue ahead of it, drained."""
        estimate = (self.waiting + self.running) * self._ewma / self.max_renders
        return max(1, min(60, math.ceil(estimate)))

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
