"""The facade between the edges (HTTP, CLI) and the engine: card in, bytes out.

:class:`Service` answers an image from the memory cache, then the disk cache,
then by rendering, in that order:

- A memory hit is answered at once, on the event loop, without touching any
  lock the renders hold: cached cards are never blocked behind renders.
- Misses are single-flight: N concurrent requests for the same uncached card
  share one fill (disk read or render); the others await it. The fill runs as
  its own task, so a client that disconnects does not cancel it for the rest.
- Renders run in a thread pool of ``max_renders`` threads. At most
  ``max_queue`` more may wait for a slot; past that the service raises
  :class:`~ogimage.errors.OverloadedError` (HTTP 503 with ``Retry-After``)
  instead of piling up work.

:meth:`Service.render_cached` is the synchronous path for the batch CLI; it
shares the caches and the content key with the server.
"""

from __future__ import annotations

import asyncio
import ctypes
import logging
import math
import threading
import time
from collections.abc import Callable, Hashable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from cachetools import LRUCache

from . import budget
from .cache import DiskCache, MemoryCache, content_key
from .card import Card
from .errors import OverloadedError, RenderTimeout, TemplateNotFound
from .formats import normalise_format
from .metrics import Metrics
from .settings import Settings

if TYPE_CHECKING:
    from .engine import Engine

log = logging.getLogger("ogimage.service")

T = TypeVar("T")

# URLs -> content keys remembered, bounded by their size: a URL may carry up to
# 16 KiB of query (ignored parameters included), and its card holds the decoded text.
RESOLVED_BYTES = 8 << 20
_RESOLVED_OVERHEAD = 1024  # card, key, headers and the entry itself, beyond the URL's text
# What an entry costs in memory beyond its bytes (object headers, key, strings).
_ENTRY_OVERHEAD = 512


@dataclass(frozen=True, slots=True)
class Rendered:
    """An encoded image and where it came from (``memory``, ``disk`` or ``render``)."""

    body: bytes
    content_type: str
    key: str
    etag: str
    level: str

    def at(self, level: str) -> Rendered:
        return Rendered(self.body, self.content_type, self.key, self.etag, level)


def etag_for(key: str) -> str:
    """The strong ETag of the image with this content key."""
    return f'"{key[:32]}"'


def _token_cost(token: Hashable) -> int:
    """What remembering ``token`` costs: twice its text (the URL, and the card decoded from it)."""
    parts = token if isinstance(token, tuple) else (token,)
    return _RESOLVED_OVERHEAD + 2 * sum(len(p) for p in parts if isinstance(p, (str, bytes)))


def trim_heap() -> None:
    """Give freed heap memory back to the system (glibc's ``malloc_trim``; elsewhere a no-op).

    Warm-up frees much of what it allocates (quantiser buffers, sample layouts); without this
    a worker keeps ~10 MB it will not use again."""
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):
        pass


class Service:
    """Card in, image out, through the caches; bounded, single-flight renders."""

    def __init__(
        self,
        engine: Engine,
        settings: Settings | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self.engine = engine
        # The engine module's renderer version and formats; a stand-in engine
        # (tests) may declare its own. Imported here: the engine pulls in fonts.
        if hasattr(engine, "renderer_version") and hasattr(engine, "formats"):
            self.renderer_version: str = engine.renderer_version
            self.formats: dict[str, str] = dict(engine.formats)
        else:
            from . import engine as engine_module

            self.renderer_version = engine_module.RENDERER_VERSION
            self.formats = dict(engine_module.FORMATS)
        self.settings = settings if settings is not None else Settings()
        self.metrics = metrics if metrics is not None else Metrics()
        s = self.settings
        self.memory: MemoryCache[Rendered] = MemoryCache(
            s.memory_cache_bytes, sizeof=lambda r: len(r.body) + _ENTRY_OVERHEAD
        )
        self.disk: DiskCache | None = DiskCache(s.cache_dir) if s.disk_cache else None
        self.max_renders = s.max_renders
        self.max_queue = s.max_queue
        self.renders = 0  # images drawn, for tests and logs
        self._count_lock = threading.Lock()
        self._render_pool = ThreadPoolExecutor(max_workers=s.max_renders, thread_name_prefix="ogimage-render")
        # Disk reads and writes never wait behind renders.
        self._io_pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="ogimage-io")
        self._inflight: dict[str, asyncio.Future[Rendered]] = {}
        self._pending_writes: set[asyncio.Future[Any]] = set()
        self._running = 0
        self._waiting = 0
        self._sem: asyncio.Semaphore | None = None
        self._sem_loop: asyncio.AbstractEventLoop | None = None
        self._render_ewma = 0.05
        self._template_names: frozenset[str] | None = None
        # Values are (resolved value, cost in bytes).
        self._resolved: LRUCache[Hashable, tuple[Any, int]] = LRUCache(
            maxsize=RESOLVED_BYTES, getsizeof=lambda entry: entry[1]
        )
        self._resolved_lock = threading.Lock()
        self._warm: threading.Thread | None = None
        self.metrics.watch_memory_cache(lambda: self.memory.bytes, lambda: len(self.memory))

    # -- card and key -------------------------------------------------------

    def card(self, data: Mapping[str, Any], template: str) -> Card:
        """Validate the fields for ``template`` (:class:`CardError`, :class:`TemplateNotFound`)."""
        names = self._template_names
        if names is None:
            names = self._template_names = frozenset(self.engine.template_names())
        if template not in names:
            raise TemplateNotFound(template, sorted(names))
        return self.engine.card(data, template)

    def format(self, fmt: str | None) -> str:
        """The format name for ``fmt`` (``jpg`` → ``jpeg``); CardError(field="format") if unknown."""
        return normalise_format(fmt, self.formats)

    @staticmethod
    def etag(key: str) -> str:
        return etag_for(key)

    def key(self, card: Card, fmt: str) -> str:
        """The content key of ``card`` in ``fmt`` (raises TemplateNotFound)."""
        return content_key(
            card,
            self.engine.template_digest(card.template),
            self.engine.fonts_digest,
            self.renderer_version,
            fmt,
        )

    def resolved(self, token: Hashable, resolve: Callable[[], T]) -> T:
        """``resolve()``, memoised by ``token`` (e.g. the request's path and raw query).

        Turning a URL into a content key (parse, validate, normalise, hash) is
        most of the work of a cache hit, and it depends only on the URL: the
        templates and fonts do not change while the service runs. So the edge
        asks once per distinct URL. Errors are not memoised.
        """
        hit = self.peek_resolved(token)
        if hit is not None:
            return hit
        value = resolve()
        entry = (value, _token_cost(token))
        with self._resolved_lock:
            try:
                self._resolved[token] = entry
            except ValueError:  # larger than the whole memo: not remembered
                pass
        return value

    def peek_resolved(self, token: Hashable) -> Any | None:
        """What :meth:`resolved` remembers for ``token``, or ``None``; never resolves."""
        with self._resolved_lock:
            hit = self._resolved.get(token)
        return None if hit is None else hit[0]

    def memory_hit(self, key: str) -> Rendered | None:
        """The image for ``key`` if the memory cache holds it (a hit is counted, a miss is not).

        For a fast path that answers repeated URLs without the full route; on
        ``None`` it falls back to :meth:`image`, which counts the miss.
        """
        hit = self.memory.peek(key)
        if hit is not None:
            self.metrics.hit["memory"].inc()
        return hit

    # -- async path (server) --------------------------------------------------

    async def image(self, card: Card, fmt: str = "png", key: str | None = None) -> Rendered:
        """The encoded image of ``card``: memory, else disk, else one shared render."""
        if key is None:
            key = self.key(card, fmt)
        hit = self.memory.get(key)
        if hit is not None:
            self.metrics.hit["memory"].inc()
            return hit.at("memory")
        self.metrics.miss["memory"].inc()
        fut = self._inflight.get(key)
        if fut is None:
            fut = asyncio.ensure_future(self._fill(key, card, fmt))
            self._inflight[key] = fut
            fut.add_done_callback(lambda f, key=key: self._fill_done(key, f))
        # shield: a cancelled request must not cancel the fill the others await.
        return await asyncio.shield(fut)

    def _fill_done(self, key: str, fut: asyncio.Future[Rendered]) -> None:
        if self._inflight.get(key) is fut:
            del self._inflight[key]
        if not fut.cancelled():
            fut.exception()  # retrieved: no "never retrieved" warning if all waiters left

    async def _fill(self, key: str, card: Card, fmt: str) -> Rendered:
        loop = asyncio.get_running_loop()
        content_type = self.formats[fmt]
        if self.disk is not None:
            data = await loop.run_in_executor(self._io_pool, self._disk_get, key, fmt)
            if data is not None:
                entry = Rendered(data, content_type, key, etag_for(key), "disk")
                self.memory.put(key, entry)
                self.metrics.memory_cache_changed()
                return entry
        body = await self._bounded(lambda: self._render(card, fmt))
        entry = Rendered(body, content_type, key, etag_for(key), "render")
        self.memory.put(key, entry)
        self.metrics.memory_cache_changed()
        if self.disk is not None:
            write = loop.run_in_executor(self._io_pool, self.disk.put, key, fmt, body)
            self._pending_writes.add(write)
            write.add_done_callback(self._pending_writes.discard)
        return entry

    def _disk_get(self, key: str, fmt: str) -> bytes | None:
        assert self.disk is not None
        corrupt = self.disk.corrupt
        data = self.disk.get(key, fmt)
        if data is None:
            self.metrics.miss["disk"].inc()
            if self.disk.corrupt != corrupt:
                self.metrics.cache_corrupt.inc()
        else:
            self.metrics.hit["disk"].inc()
        return data

    def _render(self, card: Card, fmt: str) -> bytes:
        start = time.perf_counter()
        body = self.engine.render(card, fmt)
        elapsed = time.perf_counter() - start
        with self._count_lock:
            self.renders += 1
        self._render_ewma = 0.8 * self._render_ewma + 0.2 * elapsed
        self.metrics.renders.inc()
        self.metrics.render_seconds.observe(elapsed)
        return body

    async def layout(self, card: Card) -> dict[str, Any]:
        """The layout JSON of ``card``: CPU work, so bounded like a render."""
        return await self._bounded(lambda: self.engine.layout(card))

    async def _bounded(self, work: Callable[[], T]) -> T:
        """Run ``work`` in the render pool, waiting for a slot or refusing (503)."""
        sem = self._semaphore()
        if sem.locked():
            if self._waiting >= self.max_queue:
                self.metrics.rejected.labels("overloaded").inc()
                raise OverloadedError(self.retry_after())
            self._waiting += 1
            self.metrics.renders_waiting.inc()
            try:
                await sem.acquire()
            finally:
                self._waiting -= 1
                self.metrics.renders_waiting.dec()
        else:
            await sem.acquire()  # free slot: returns at once
        self._running += 1
        self.metrics.renders_in_flight.inc()
        # Issue 10, render budget: the work runs under a deadline it checks itself (budget.py);
        # the slot is freed when the thread is really done (done callback), and the caller stops
        # waiting at the deadline plus a grace even if the thread is inside one long call.
        seconds = self.settings.render_timeout
        try:
            fut = asyncio.get_running_loop().run_in_executor(self._render_pool, budget.run_within, seconds, work)
        except BaseException:
            self._slot_done(sem)
            raise
        fut.add_done_callback(lambda _f: self._slot_done(sem))
        try:
            return await asyncio.wait_for(asyncio.shield(fut), seconds + budget.GRACE)
        except (RenderTimeout, TimeoutError):
            self.metrics.rejected.labels("timeout").inc()
            raise RenderTimeout(seconds, self.retry_after()) from None

    def _slot_done(self, sem: asyncio.Semaphore) -> None:
        self._running -= 1
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
        estimate = (self._waiting + self._running) * self._render_ewma / self.max_renders
        return max(1, min(60, math.ceil(estimate)))

    async def flush(self) -> None:
        """Wait for background disk writes (shutdown, tests)."""
        if self._pending_writes:
            await asyncio.gather(*list(self._pending_writes), return_exceptions=True)

    # -- sync path (batch CLI) -----------------------------------------------

    def render_cached(self, card: Card, fmt: str = "png") -> Rendered:
        """The synchronous equivalent of :meth:`image`, for the CLI (no bound, no single-flight)."""
        key = self.key(card, fmt)
        hit = self.memory.get(key)
        if hit is not None:
            return hit.at("memory")
        content_type = self.formats[fmt]
        if self.disk is not None:
            data = self.disk.get(key, fmt)
            if data is not None:
                entry = Rendered(data, content_type, key, etag_for(key), "disk")
                self.memory.put(key, entry)
                self.metrics.memory_cache_changed()
                return entry
        body = self._render(card, fmt)
        entry = Rendered(body, content_type, key, etag_for(key), "render")
        self.memory.put(key, entry)
        self.metrics.memory_cache_changed()
        if self.disk is not None:
            self.disk.put(key, fmt, body)
        return entry

    # -- passthrough for the edges ------------------------------------------

    def templates(self) -> list[dict[str, Any]]:
        return self.engine.describe_templates()

    def template_names(self) -> list[str]:
        return self.engine.template_names()

    def status(self) -> dict[str, Any]:
        """Readiness: the engine's status plus the cache configuration."""
        status = dict(self.engine.status())
        status["memory_cache_bytes"] = self.memory.bytes
        status["memory_cache_max_bytes"] = self.memory.max_bytes
        status["signed_urls"] = bool(self.settings.signing_key)
        status["disk_cache"] = str(self.disk.root) if self.disk is not None else None
        return status

    def start_warm_up(self) -> None:
        """Warm the engine (templates, fonts, models) in a background thread; ready() waits for it."""
        warm = getattr(self.engine, "warm_up", None)
        if warm is None or self._warm is not None:
            return
        self._warm = threading.Thread(target=self._run_warm_up, args=(warm,), name="ogimage-warm-up", daemon=True)
        self._warm.start()

    def _run_warm_up(self, warm: Callable[[], None]) -> None:
        try:
            warm()
        except Exception:  # a broken template shows up on its own requests; readiness must not hang
            log.exception("warm-up failed")
        trim_heap()
        # Every cache key holds the fonts digest (sha256 over ~50 MB of font files, ~0.1-0.2 s):
        # compute it now, beside readiness rather than before it, so the first request rarely waits.
        threading.Thread(target=self._digests, name="ogimage-warm-digest", daemon=True).start()

    def _digests(self) -> None:
        try:
            self.engine.fonts_digest  # noqa: B018 - computed once and cached by the font book
        except Exception:  # noqa: BLE001 - the first request computes it (and reports any error)
            pass

    def ready(self) -> bool:
        if self._warm is not None and self._warm.is_alive():
            return False
        status = self.engine.status()
        return bool(status.get("fonts")) and bool(status.get("templates"))

    def close(self) -> None:
        self._render_pool.shutdown(wait=False, cancel_futures=True)
        self._io_pool.shutdown(wait=True)

