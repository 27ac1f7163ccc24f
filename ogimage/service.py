"""The facade between the edges (HTTP, CLI) and the engine: card in, bytes out.

:class:`Service` answers an image from the memory cache, then the disk cache,
then the shared tier (Redis, when ``OGIMAGE_SHARED_CACHE`` names one; see
:mod:`ogimage.shared`), then by rendering, in that order:

- A memory hit is answered at once, on the event loop, without touching any
  lock the renders hold: cached cards are never blocked behind renders.
- Misses are single-flight: N concurrent requests for the same uncached card
  share one fill (disk read or render); the others await it. The fill runs as
  its own task, so a client that disconnects does not cancel it for the rest.
- Renders run in a thread pool of ``max_renders`` threads. At most
  ``max_queue`` more may wait for a slot; past that the service raises
  :class:`~ogimage.errors.OverloadedError` (HTTP 503 with ``Retry-After``)
  instead of piling up work.
- With a shared tier, misses are also single-flight across processes: one replica
  (or batch worker) renders a key while the others wait briefly for its value.

:meth:`Service.render_cached` is the synchronous path for the CLI (and batch edges); it
shares the caches and the content key with the server.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable, Generator, Hashable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, TypeVar

from . import warmup
from .answers import ImageAnswer, ImageRequest, Rendered, Resolved, etag_for
from .cache import DiskCache, MemoryCache, content_key
from .caches import SizedCache
from .card import Card
from .drive import drive, drive_async
from .errors import TemplateNotFound
from .formats import normalise_format, split_suffix
from .metrics import Metrics, NoMetrics
from .settings import Settings
from .shared import Claim, open_shared
from .slots import RenderSlots

if TYPE_CHECKING:
    from .engine import Engine

__all__ = ["ImageAnswer", "ImageRequest", "Rendered", "Resolved", "Service", "etag_for"]

log = logging.getLogger("ogimage.service")

T = TypeVar("T")

# URLs -> content keys remembered, bounded by their size: a URL may carry up to
# 16 KiB of query (ignored parameters included), and its card holds the decoded text.
RESOLVED_BYTES = 1 << 20
_RESOLVED_OVERHEAD = 1024  # card, key, ETag and the entry itself, beyond the URL's text
# What an entry costs in memory beyond its bytes (object headers, key, strings).
_ENTRY_OVERHEAD = 512


def _token_cost(token: Hashable) -> int:
    """What remembering ``token`` costs: twice its text (the URL, and the card decoded from it)."""
    parts = token if isinstance(token, tuple) else (token,)
    return _RESOLVED_OVERHEAD + 2 * sum(len(p) for p in parts if isinstance(p, (str, bytes)))


class Service:
    """Card in, image out, through the caches; bounded, single-flight renders."""

    def __init__(
        self,
        engine: Engine,
        settings: Settings | None = None,
        metrics: Metrics | NoMetrics | None = None,
    ) -> None:
        self.engine = engine
        # Part of every content key; a stand-in engine (tests) declares its own.
        self.renderer_version: str = engine.renderer_version
        self.formats: dict[str, str] = dict(engine.formats)
        self.settings = settings if settings is not None else Settings()
        self.metrics = metrics if metrics is not None else Metrics()
        s = self.settings
        self.memory: MemoryCache[Rendered] = MemoryCache(
            s.memory_cache_bytes, sizeof=lambda r: len(r.body) + _ENTRY_OVERHEAD
        )
        self.disk: DiskCache | None = DiskCache(
            s.cache_dir, s.disk_cache_bytes, self.metrics.cache_errors.labels("disk").inc
        ) if s.disk_cache else None
        # [shared tier] hook 1/6: the Redis tier, or None when OGIMAGE_SHARED_CACHE is empty.
        self.shared = open_shared(s, self.metrics)
        self.renders = 0  # images drawn, for tests and logs
        self._count_lock = threading.Lock()
        self.slots = RenderSlots(s.max_renders, s.max_queue, s.render_timeout, self.metrics)
        # Disk reads and writes never wait behind renders.
        self._io_pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="ogimage-io")
        self._inflight: dict[str, asyncio.Future[Rendered]] = {}
        self._pending_writes: set[asyncio.Future[Any]] = set()
        self._template_names: frozenset[str] | None = None
        self._resolved: SizedCache[Hashable, Any] = SizedCache(
            "resolved_urls", RESOLVED_BYTES, lambda token, value: _token_cost(token)
        )
        self._warm: threading.Thread | None = None
        self.metrics.watch_memory_cache(lambda: self.memory.bytes, lambda: len(self.memory))
        if self.disk is not None:
            self.metrics.watch_disk_cache(self.disk.bytes)

    # -- card and key -------------------------------------------------------

    def card(self, data: Mapping[str, Any], template: str) -> Card:
        """Validate the fields for ``template`` (:class:`CardError`, :class:`TemplateNotFound`)."""
        names = self._names()
        if template not in names:
            raise TemplateNotFound(template, sorted(names))
        return self.engine.card(data, template)

    def _names(self) -> frozenset[str]:
        names = self._template_names
        if names is None:
            names = self._template_names = frozenset(self.engine.template_names())
        return names

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
        self._resolved.put(token, value)  # one larger than the whole memo is not remembered
        return value

    def peek_resolved(self, token: Hashable) -> Any | None:
        """What :meth:`resolved` remembers for ``token``, or ``None``; never resolves."""
        return self._resolved.get(token)

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

    async def answer(
        self,
        token: Hashable,
        parse: Callable[[], ImageRequest],
        current: Callable[[str], bool] | None = None,
    ) -> ImageAnswer:
        """One call per image request: what the URL names, then its image (or "not modified").

        ``token`` identifies the URL (the HTTP edge passes its path and raw query);
        ``parse()`` turns it into an :class:`ImageRequest` (the edge's query parsing and
        signature check) and runs only for a token not seen before: resolving a URL to a
        content key is most of a cache hit's work, and depends only on the URL (see
        :meth:`resolved`). ``current(etag)`` says whether the client's copy is current
        (``If-None-Match``): then the answer has no image and no cache is touched.
        Raises the typed errors of :meth:`resolve` and :meth:`image`.
        """
        resolved: Resolved = self.resolved(token, lambda: self.resolve(parse()))
        if current is not None and current(resolved.etag):
            return ImageAnswer(resolved, None)
        return ImageAnswer(resolved, await self.image(resolved.card, resolved.fmt, resolved.key))

    def resolve(self, request: ImageRequest) -> Resolved:
        """The card, format and content key an image request names (no memo, no image).

        Raises :class:`CardError` (a field, ``format``), :class:`TemplateNotFound`."""
        name, fmt = split_suffix(request.template, request.fields.get("format"), self.formats, self._names())
        card = self.card(request.fields, name)
        key = self.key(card, fmt)
        return Resolved(card, fmt, key, etag_for(key), self.formats[fmt], request.versioned)

    async def layout_of(self, request: ImageRequest) -> dict[str, Any]:
        """The layout JSON of the card an image request names (as :meth:`layout`)."""
        name, _fmt = split_suffix(request.template, request.fields.get("format"), self.formats, self._names())
        return await self.layout(self.card(request.fields, name))

    # -- memory -> disk -> render, once for both paths ---------------------------

    async def image(self, card: Card, fmt: str = "png", key: str | None = None) -> Rendered:
        """The encoded image of ``card``: memory, else disk, else one shared render."""
        if key is None:
            key = self.key(card, fmt)
        hit = self._memory_get(key)
        if hit is not None:
            return hit
        fut = self._inflight.get(key)
        if fut is None:
            fut = asyncio.ensure_future(self._fill(key, card, fmt))
            self._inflight[key] = fut
            fut.add_done_callback(lambda f, key=key: self._fill_done(key, f))
        # shield: a cancelled request must not cancel the fill the others await.
        return await asyncio.shield(fut)

    def render_cached(self, card: Card, fmt: str = "png") -> Rendered:
        """The synchronous equivalent of :meth:`image`, for the CLI and batch (no bound, no
        single-flight): the same caches, key and steps, run on the calling thread."""
        key = self.key(card, fmt)
        hit = self._memory_get(key)
        if hit is not None:
            return hit
        return drive(self._steps(key, card, fmt))

    def _fill_done(self, key: str, fut: asyncio.Future[Rendered]) -> None:
        if self._inflight.get(key) is fut:
            del self._inflight[key]
        if not fut.cancelled():
            fut.exception()  # retrieved: no "never retrieved" warning if all waiters left

    async def _fill(self, key: str, card: Card, fmt: str) -> Rendered:
        """:meth:`_steps` on the event loop: disk I/O in the I/O pool, renders bounded in the
        render pool, disk writes in the background (:meth:`flush` waits for them)."""
        loop = asyncio.get_running_loop()
        shared = self.shared

        def background(kind: str, work: Callable[[], Any]) -> None:  # flush() waits for these
            pool = shared.pool if kind == "finish" and shared is not None else self._io_pool
            self._track(loop.run_in_executor(pool, work))

        return await drive_async(
            self._steps(key, card, fmt), render=self._bounded, background=background,
            claim=lambda: shared.aclaim(key, fmt),  # type: ignore[union-attr] - only with a tier
            io=lambda work: loop.run_in_executor(self._io_pool, work),
        )

    def _steps(self, key: str, card: Card, fmt: str) -> Generator[tuple[str, Callable[[], Any]], Any, Rendered]:
        """The fill after a memory miss, written once: disk, else the shared tier (a hit, or the
        cross-replica render lock), else render; store in memory, Redis and on disk.

        Yields ``(kind, work)`` (``disk``, ``claim``, ``render``, ``finish`` or ``write``) for
        the caller to run its own way and send the result back (or throw the step's
        exception in, so a failed render still releases the lock); returns the :class:`Rendered`."""
        disk = self.disk
        if disk is not None:
            data = yield "disk", lambda: self._disk_get(key, fmt)
            if data is not None:
                return self._remember(key, fmt, data, "disk")
        shared = self.shared
        claim: Claim | None = None
        if shared is not None:  # a hit from Redis, or the right to render it (single-flight across processes)
            claim = yield "claim", lambda: shared.claim(key, fmt)
            if claim is not None and claim.body is not None:
                found = claim.body
                entry = self._remember(key, fmt, found, "shared")
                if disk is not None:
                    yield "write", lambda: self._disk_put(key, fmt, found)
                return entry
        try:
            body = yield "render", lambda: self._render(card, fmt)
        except BaseException:
            if shared is not None:  # release the lock: the others render themselves
                yield "finish", lambda: shared.finish(key, fmt, None, claim)
            raise
        entry = self._remember(key, fmt, body, "render")
        if shared is not None:  # store in Redis and release the lock
            yield "finish", lambda: shared.finish(key, fmt, body, claim)
        if disk is not None:
            yield "write", lambda: self._disk_put(key, fmt, body)
        return entry

    def _memory_get(self, key: str) -> Rendered | None:
        hit = self.memory.get(key)
        if hit is None:
            self.metrics.miss["memory"].inc()
            return None
        self.metrics.hit["memory"].inc()
        return hit.at("memory")

    def _remember(self, key: str, fmt: str, body: bytes, level: str) -> Rendered:
        entry = Rendered(body, self.formats[fmt], key, etag_for(key), level)
        self.memory.put(key, entry)
        self.metrics.memory_cache_changed()
        return entry

    def _track(self, write: asyncio.Future[Any]) -> None:
        """Keep a background write until it is done, so :meth:`flush` can wait for it."""
        self._pending_writes.add(write)
        write.add_done_callback(self._pending_writes.discard)

    def _disk_put(self, key: str, fmt: str, body: bytes) -> None:
        assert self.disk is not None
        if self.disk.put(key, fmt, body):  # a refused write is counted by the disk cache's on_error
            self.metrics.written["disk"].inc(len(body))

    def _disk_get(self, key: str, fmt: str) -> bytes | None:
        assert self.disk is not None
        corrupt = self.disk.corrupt
        data = self.disk.get(key, fmt)  # a refused read is counted by the disk cache's on_error
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
        self.slots.observed(elapsed)
        self.metrics.renders.inc()
        self.metrics.render_seconds.observe(elapsed)
        return body

    async def layout(self, card: Card) -> dict[str, Any]:
        """The layout JSON of ``card``: CPU work, so bounded like a render."""
        return await self._bounded(lambda: self.engine.layout(card))

    async def _bounded(self, work: Callable[[], T]) -> T:
        """Run ``work`` in a render slot (see :mod:`ogimage.slots`): 503 when the queue is full or the budget spent."""
        return await self.slots.run(work)

    def retry_after(self) -> int:
        """Seconds a refused client should wait: the queue ahead of it, drained."""
        return self.slots.retry_after()

    async def flush(self) -> None:
        """Wait for background disk writes (shutdown, tests)."""
        if self._pending_writes:
            await asyncio.gather(*list(self._pending_writes), return_exceptions=True)

    def layout_now(self, card: Card) -> dict[str, Any]:
        """The layout JSON of ``card`` on the calling thread (CLI and batch; no bound)."""
        return self.engine.layout(card)

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
        # [shared tier] hook 6/6 (with close()): its state in /readyz; never affects readiness.
        status["shared_cache"] = self.shared.status() if self.shared is not None else None
        if self.disk is not None:  # a failing disk is reported, and the service stays ready
            status["disk_cache_bytes"] = int(self.disk.bytes())
            status["disk_cache_max_bytes"] = self.disk.max_bytes
            status["disk_cache_errors"] = self.disk.errors
        return status

    def start_warm_up(self) -> None:
        """Warm the engine (templates, fonts, models) in a background thread; ready() waits for it."""
        if self._warm is None:
            self._warm = warmup.start(self.engine)

    def ready(self) -> bool:
        if self._warm is not None and self._warm.is_alive():
            return False
        status = self.engine.status()
        return bool(status.get("fonts")) and bool(status.get("templates"))

    def close(self) -> None:
        self.slots.close()
        self._io_pool.shutdown(wait=True)
        if self.shared is not None:  # [shared tier] hook 6/6
            self.shared.close()

