"""Running the service's fill steps (``Service._steps``): once on the calling thread, once on
the event loop. The steps are written once (memory -> disk -> shared tier -> render); a
driver only decides *where* each step runs, and throws a failed step's exception back into
the steps, so they can clean up (release the shared render lock) before it propagates.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Generator
from typing import Any, TypeVar

R = TypeVar("R")
Steps = Generator[tuple[str, Callable[[], Any]], Any, R]


def drive(steps: Steps[R]) -> R:
    """Every step on this thread, in order (the CLI and batch path)."""
    result: Any = None
    resume = steps.send
    while True:
        try:
            _kind, work = resume(result)
        except StopIteration as done:
            return done.value
        try:
            result, resume = work(), steps.send
        except Exception as exc:  # the steps see it, then it propagates
            result, resume = exc, steps.throw


async def drive_async(
    steps: Steps[R],
    *,
    render: Callable[[Callable[[], Any]], Awaitable[Any]],
    claim: Callable[[], Awaitable[Any]],
    background: Callable[[str, Callable[[], Any]], None],
    io: Callable[[Callable[[], Any]], Awaitable[Any]],
) -> R:
    """The steps on the event loop: ``render`` bounds renders, ``claim`` is the shared tier's
    async claim, ``write``/``finish`` go to ``background(kind, work)``, anything else to ``io``."""
    result: Any = None
    resume = steps.send
    while True:
        try:
            kind, work = resume(result)
        except StopIteration as done:
            return done.value
        resume = steps.send
        try:
            if kind == "render":
                result = await render(work)
            elif kind == "claim":
                result = await claim()
            elif kind in ("write", "finish"):
                background(kind, work)
                result = None
            else:
                result = await io(work)
        except BaseException as exc:  # the steps see it, then it propagates
            result, resume = exc, steps.throw
