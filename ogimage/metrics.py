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

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry, Counter, Histogram

# prometheus-client is imported when a Metrics is built, not with this module: the CLI
# (NoMetrics) never loads it (~50 ms of `ogimage render`).

CACHE_LEVELS = ("memory", "disk", "shared")

# Renders take milliseconds to a second; requests on a hit take microseconds.
_RENDER_BUCKETS = (0.002, 0.005, 0.01, 0.02, 0.035, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1.0, 2.5, 5.0)
# A shared-cache (Redis) round trip takes ~0.1-1 ms; its timeout is ~50 ms.
_SHARED_BUCKETS = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25)
_REQUEST_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


def multiprocess_dir() -> str | None:
    """The shared metrics folder of a multi-worker server, if any."""
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or os.environ.get("prometheus_multiproc_dir") or None


class Metrics:
    """Every metric ogimage exports, with pre-bound children for the hot path."""

    def __init__(self) -> None:
        from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, disable_created_metrics

        # The `_created` series double every counter for little use; leave them out.
        disable_created_metrics()
        from prometheus_client import CONTENT_TYPE_LATEST

        self.content_type: str = CONTENT_TYPE_LATEST
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
        self.cache_errors = Counter(
            "ogimage_cache_errors", "Cache operations that failed or were refused (a down Redis, a read-only or full disk), answered from the next level, by level.",
            ["level"], registry=r,
        )
        self.cache_written_bytes = Counter(
            "ogimage_cache_written_bytes", "Bytes of images written into the cache, by level.", ["level"], registry=r,
        )
        self.shared_corrupt = Counter(
            "ogimage_shared_cache_corrupt", "Shared-cache values found corrupt, deleted and re-rendered.", registry=r
        )
        self.shared_seconds = Histogram(
            "ogimage_shared_cache_duration_seconds", "Time of one shared-cache (Redis) operation, by op.",
            ["op"], buckets=_SHARED_BUCKETS, registry=r,
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
        self.internal_cache_bytes = Gauge(
            "ogimage_internal_cache_bytes", "Bytes (or mask pixels) held by each in-process cache, by name.",
            ["cache"], registry=r, **live  # type: ignore[arg-type]
        )
        self.internal_cache_entries = Gauge(
            "ogimage_internal_cache_entries", "Entries held by each in-process cache, by name.",
            ["cache"], registry=r, **live  # type: ignore[arg-type]
        )
        self.rejected = Counter(
            "ogimage_rejected_requests", "Requests refused before any work, by reason.", ["reason"], registry=r,
        )
        self.hit = {level: self.cache_hits.labels(level) for level in CACHE_LEVELS}
        self.miss = {level: self.cache_misses.labels(level) for level in CACHE_LEVELS}
        self.error = {level: self.cache_errors.labels(level) for level in CACHE_LEVELS}
        self.written = {level: self.cache_written_bytes.labels(level) for level in CACHE_LEVELS}
        self._memory_size: tuple[Callable[[], float], Callable[[], float]] | None = None
        self._disk_size: Callable[[], float] | None = None
        self._route_children: dict[tuple[str, int], Counter] = {}
        self._route_timers: dict[str, Histogram] = {}

    def watch_memory_cache(self, nbytes: Callable[[], float], entries: Callable[[], float]) -> None:
        """Read the memory cache's size when scraped (no bookkeeping on the hot path)."""
        self._memory_size = (nbytes, entries)
        if not self.multiprocess:
            self.cache_bytes.labels("memory").set_function(nbytes)
            self.cache_entries.labels("memory").set_function(entries)

    def watch_disk_cache(self, nbytes: Callable[[], float]) -> None:
        """Report the disk cache's shared total when scraped. The folder is shared by every
        worker, so in multiprocess mode it is added once to the summed output (not summed)."""
        self._disk_size = nbytes
        self.cache_errors.labels("disk")  # exported as 0 from the start
        child = self.cache_bytes.labels("disk")  # multiprocess: the family exists before any put
        if not self.multiprocess:
            child.set_function(nbytes)

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

    def update_caches(self) -> None:
        """Copy every registered cache's size (:data:`ogimage.caches.registry`) into the gauges.

        Called on each scrape; in multiprocess mode each worker's last scraped sizes add up."""
        from .caches import registry

        for name, size in registry.sizes().items():
            self.internal_cache_bytes.labels(name).set(size["bytes"])
            self.internal_cache_entries.labels(name).set(size["entries"])

    def render(self) -> bytes:
        """The Prometheus text exposition of every metric (of every worker, in multiprocess mode)."""
        from prometheus_client import CollectorRegistry, generate_latest

        self.update_caches()

        if self.multiprocess:
            from prometheus_client import multiprocess

            forget_dead_workers()
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
            return generate_latest(_WithDiskBytes(registry, self._disk_size))  # type: ignore[arg-type]
        return generate_latest(self.registry)


class _WithDiskBytes:
    """A registry's collection with ``ogimage_cache_bytes{level="disk"}`` read now, once.

    Every worker sees the same disk folder: its size is one value, not a sum over workers.
    """

    def __init__(self, registry: CollectorRegistry, disk_size: Callable[[], float] | None) -> None:
        self.registry = registry
        self.disk_size = disk_size

    def collect(self):  # type: ignore[no-untyped-def]
        from prometheus_client.samples import Sample

        for family in self.registry.collect():
            if family.name == "ogimage_cache_bytes" and self.disk_size is not None:
                family.samples = [s for s in family.samples if s.labels.get("level") != "disk"]
                family.samples.append(Sample("ogimage_cache_bytes", {"level": "disk"}, float(self.disk_size())))
            yield family


class _Unexported:
    """A counter, gauge or histogram nobody reads: every update is a no-op."""

    def labels(self, *values: str) -> _Unexported:
        return self

    def inc(self, amount: float = 1) -> None: ...
    def dec(self, amount: float = 1) -> None: ...
    def set(self, value: float) -> None: ...
    def observe(self, value: float) -> None: ...
    def set_function(self, f: Callable[[], float]) -> None: ...

    def __call__(self, *args: Any, **kwargs: Any) -> _Unexported:  # a watch_…() or update method
        return self

    def __getitem__(self, level: str) -> _Unexported:  # hit["disk"], error["shared"] …
        return self


class NoMetrics:
    """The :class:`Metrics` interface for edges that export none (the CLI): nothing is
    recorded and prometheus-client is never imported. ``render()`` is empty."""

    content_type = "text/plain; charset=utf-8"
    multiprocess = False

    def __init__(self) -> None:
        null = _Unexported()
        for name in ("requests", "request_seconds", "render_seconds", "renders", "cache_hits", "cache_misses",
                     "cache_corrupt", "cache_bytes", "cache_entries", "renders_in_flight", "renders_waiting",
                     "rejected"):
            setattr(self, name, null)
        self.hit = self.miss = self.error = self.written = {level: null for level in CACHE_LEVELS}

    def watch_memory_cache(self, nbytes: Callable[[], float], entries: Callable[[], float]) -> None: ...
    def memory_cache_changed(self) -> None: ...
    def observe_request(self, route: str, status: int, seconds: float) -> None: ...
    def update_caches(self) -> None: ...

    def render(self) -> bytes:
        return b""

    def __getattr__(self, name: str) -> Any:  # metrics added later (other caches) need no change here
        return _Unexported()


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
