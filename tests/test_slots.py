"""Render slots: the render thread yields to the event loop (issue 10, floods)."""

import asyncio
import os
import sys
import threading

import pytest

from ogimage.metrics import NoMetrics
from ogimage.slots import RENDER_NICE, RenderSlots


def _nice(tid: int) -> int:
    return os.getpriority(os.PRIO_PROCESS, tid)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice values are Linux's")
def test_a_render_thread_runs_below_the_event_loop() -> None:
    slots = RenderSlots(1, 1, 5.0, NoMetrics())
    loop_tid = threading.get_native_id()

    async def main() -> tuple[int, int, str]:
        return await slots.run(lambda: (threading.get_native_id(), _nice(threading.get_native_id()),
                                        threading.current_thread().name))

    try:
        tid, nice, name = asyncio.run(main())
    finally:
        slots.close()
    assert tid != loop_tid and name.startswith("ogimage-render")
    assert nice == min(19, _nice(loop_tid) + RENDER_NICE)  # the caller's own priority is untouched
    assert _nice(loop_tid) < nice


def test_a_serving_app_hands_the_gil_over_every_millisecond(tmp_path, engine) -> None:
    from service_fakes import make_app

    before = sys.getswitchinterval()
    try:
        sys.setswitchinterval(0.005)
        make_app(tmp_path, engine)
        assert sys.getswitchinterval() == pytest.approx(0.001)
    finally:
        sys.setswitchinterval(before)
