"""``ogimage serve``: uvicorn with one app per worker, built from the environment."""

from __future__ import annotations

import os
import shutil
import signal
import sys
import tempfile

from ..metrics import multiprocess_dir
from ..settings import Settings


def fastest_loop_and_http() -> tuple[str, str]:
    """uvloop and httptools when installed (they are dependencies), else the pure-Python ones."""
    import importlib.util

    loop = "uvloop" if importlib.util.find_spec("uvloop") is not None else "asyncio"
    http = "httptools" if importlib.util.find_spec("httptools") is not None else "h11"
    return loop, http


def run(
    settings: Settings, host: str | None = None, port: int | None = None, workers: int | None = None,
    reload: bool = False,
) -> None:
    """Serve with uvicorn (``ogimage serve``). Each worker builds its app from the environment.

    ``reload`` (``serve --reload``, development): one worker whose service is rebuilt when
    templates, assets or fonts change (:mod:`ogimage.preview.reload`)."""
    import uvicorn

    # uvicorn shuts down gracefully on SIGTERM/SIGINT, then re-raises the signal
    # to the handler it found. Make that handler a plain exit: a stop we were
    # asked for is a clean exit (0), not a death by signal (143).
    def stopped(signum: int, frame: object) -> None:
        sys.exit(0)

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, stopped)
    workers = 1 if reload else workers or settings.workers  # --reload: one worker (issue 12)
    loop, http = fastest_loop_and_http()
    http_options: dict[str, object] = {"http": http}
    if http == "httptools":
        # The same protocol with a bounded request head: size, header count, time (limits.py).
        from .limits import HeadLimitProtocol

        http_options["http"] = HeadLimitProtocol
    else:
        http_options["h11_max_incomplete_event_size"] = settings.max_head_bytes
    # Several workers: let them share metrics, so /metrics in any one shows them all.
    shared_metrics = None
    if workers > 1 and multiprocess_dir() is None:
        shared_metrics = tempfile.mkdtemp(prefix="ogimage-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = shared_metrics
    try:
        uvicorn.run(
            "ogimage.preview.reload:create_reloading_app" if reload else "ogimage.http.app:create_app",
            factory=True,
            host=host or settings.host,
            port=port or settings.port,
            workers=workers,
            loop=loop,
            **http_options,  # type: ignore[arg-type]
            log_level=settings.log_level,
            access_log=False,  # ogimage.access logs each request, with the cache level
            server_header=False,
            proxy_headers=True,
        )
    finally:
        if shared_metrics is not None:
            shutil.rmtree(shared_metrics, ignore_errors=True)
