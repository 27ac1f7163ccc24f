"""Prometheus metrics, one registry per app so tests never collide.

Each uvicorn worker is its own process. When ``PROMETHEUS_MULTIPROC_DIR`` is
set (``ogimage serve`` sets it to a fresh folder when it starts more than one
worker), every worker writes its values there and ``/metrics`` in any worker
answers the sum over all of them, as prometheus-client's multiprocess mode
does. Without it, a scrape sees the one process that answered.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from prometheus_client import (
    disable_created_metrics,
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

# The `_created` series double every counter for little use; leave them out.
disable_created_metrics()

CACHE_LEVELS = ("memory", "disk")

# Renders take milliseconds to a second; requests on a hit take microseconds.
_RENDER_BUCKETS = (0.002, 0.005, 0.01, 0.02, 0.035, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1.0, 2.5, 5.0)
_REQUEST_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


def multiprocess_dir() -> str | None:
    """The shared metrics folder of a multi-worker server, if any."""
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or os.environ.get("prometheus_multiproc_dir") or None


class Metrics:
    """Every metric ogimage exports, with pre-bound children for the hot path."""

    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.multiprocess = multiprocess_dir() is not None
        r = self.registry
        self.requests = Counter(
            "ogimage_requests", "HTTP requests answered, by route and status.",
            ["route", "status"], registry=r,
        )
        self.request_seconds = Histogram(
            "ogimage_request_duration_seconds", "Time to answer a request, by route.",
            ["route"], buckets=_REQUEST_BUCKETS, registry=r,
        )
        self.render_seconds = Histogram(
            "ogimage_render_duration_seconds", "Time to draw and encode one image.",
            buckets=_RENDER_BUCKETS, registry=r,
        )
        self.renders = Counter("ogimage_renders", "Images drawn (cache misses that rendered).", registry=r)
        self.cache_hits = Counter("ogimage_cache_hits", "Cache hits, by level.", ["level"], registry=r)
        self.cache_misses = Counter("ogimage_cache_misses", "Cache misses, by level.", ["level"], registry=r)
        self.cache_corrupt = Counter(
            "ogimage_cache_corrupt", "Disk cache files found corrupt, deleted and re-rendered.", registry=r
        )
        # Gauges add up over live workers in multiprocess mode.
        live = {"multiprocess_mode": "livesum"}
        self.cache_bytes = Gauge(
            "ogimage_cache_bytes", "Bytes held by the cache, by level.", ["level"], registry=r, **live  # type: ignore[arg-type]
        )
        self.cache_entries = Gauge(
            "ogimage_cache_entries", "Entries held by the cache, by level.", ["level"], registry=r, **live  # type: ignore[arg-type]
        )
        self.renders_in_flight = Gauge(
            "ogimage_renders_in_flight", "Renders running now.", registry=r, **live  # type: ignore[arg-type]
        )
        self.renders_waiting = Gauge(
            "ogimage_renders_waiting", "Renders waiting for a free slot.", registry=r, **live  # type: ignore[arg-type]
        )
        self.rejected = Counter(
            "ogimage_rejected_requests", "Requests refused before any work, by reason.", ["reason"], registry=r,
        )
        self.hit = {level: self.cache_hits.labels(level) for level in CACHE_LEVELS}
        self.miss = {level: self.cache_misses.labels(level) for level in CACHE_LEVELS}
        self._memory_size: tuple[Callable[[], float], Callable[[], float]] | None = None
        self._route_children: dict[tuple[str, int], Counter] = {}
        self._route_timers: dict[str, Histogram] = {}

    def watch_memory_cache(self, nbytes: Callable[[], float], entries: Callable[[], float]) -> None:
        """Read the memory cache's size when scraped (no bookkeeping on the hot path)."""
        self._memory_size = (nbytes, entries)
        if not self.multiprocess:
            self.cache_bytes.labels("memory").set_function(nbytes)
            self.cache_entries.labels("memory").set_function(entries)

    def memory_cache_changed(self) -> None:
        """After a put: in multiprocess mode the size is written out (no callbacks there)."""
        if self.multiprocess and self._memory_size is not None:
            nbytes, entries = self._memory_size
            self.cache_bytes.labels("memory").set(nbytes())
            self.cache_entries.labels("memory").set(entries())

    def observe_request(self, route: str, status: int, seconds: float) -> None:
        child = self._route_children.get((route, status))
        if child is None:
            child = self._route_children[(route, status)] = self.requests.labels(route, str(status))
        child.inc()
        timer = self._route_timers.get(route)
        if timer is None:
            timer = self._route_timers[route] = self.request_seconds.labels(route)
        timer.observe(seconds)

    def render(self) -> bytes:
        """The Prometheus text exposition of every metric (of every worker, in multiprocess mode)."""
        if self.multiprocess:
            from prometheus_client import multiprocess

            forget_dead_workers()
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
            return generate_latest(registry)
        return generate_latest(self.registry)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def forget_dead_workers(path: str | None = None) -> list[int]:
    """Drop the live gauges of workers that have exited (prometheus-client's ``mark_process_dead``).

    uvicorn replaces a worker that dies, but the dead one's gauge files stay in the shared
    folder; ``livesum`` only ignores them once marked dead, else a scrape adds a dead worker's
    cache bytes and entries to the live ones. No supervisor hook exists for this, so each
    scrape looks: one ``kill(pid, 0)`` per worker file. Returns the pids forgotten.
    """
    import glob
    import re

    from prometheus_client import multiprocess

    folder = path or multiprocess_dir()
    if folder is None:
        return []
    dead = set()
    for name in glob.glob(os.path.join(folder, "gauge_live*_*.db")):
        match = re.search(r"_(\d+)\.db$", name)
        if match and not _alive(int(match.group(1))):
            dead.add(int(match.group(1)))
    for pid in dead:
        multiprocess.mark_process_dead(pid, folder)
    return sorted(dead)
