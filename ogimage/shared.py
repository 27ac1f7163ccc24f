"""The shared cache tier: encoded images in Redis, shared by every replica and the batch.

The third level after memory and disk (``OGIMAGE_SHARED_CACHE=redis://…``), keyed by
the same content key, so a card that any replica or ``ogimage batch`` rendered is a
hit for all of them. Redis is an optimisation, never a dependency of an answer:

- **Tight and bounded.** Every operation has ``timeout`` (default 50 ms) to connect
  and to reply, and is never retried. Values above ``max_value_bytes`` are not stored.
- **Errors are swallowed and counted.** A Redis error or timeout is a miss (or a write
  not made), counted in ``ogimage_cache_errors_total{level="shared"}`` and logged once
  per outage. A full Redis (``OOM``) fails writes only.
- **Circuit breaker.** After a connection failure or a timeout the tier is skipped for
  :data:`BREAKER_SECONDS`, so while Redis is down a miss costs no extra wait; then the
  next operation tries again and the connection pool reconnects by itself.
- **Verified values.** A value is a header (magic, payload length, SHA-256 over the
  content key, format and payload) and the payload; anything else is corrupt: counted
  (``ogimage_shared_cache_corrupt_total``), deleted and treated as a miss.
- **Single-flight across processes.** :meth:`SharedCache.claim` looks the key up and,
  on a miss, takes a short lock (``SET NX PX``), both in one atomic script (one round trip). The holder renders and
  :meth:`~SharedCache.finish` stores the value, then releases the lock; other processes
  poll for the value for up to ``wait`` seconds, then render themselves. The lock
  expires by itself if its holder dies.

The client is synchronous (redis-py, with hiredis when installed) and thread-safe;
the async methods run its calls in the tier's own small thread pool, so a slow Redis
never holds up disk reads or renders.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import secrets
import struct
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .settings import Settings, redact_url

if TYPE_CHECKING:
    from .metrics import Metrics

log = logging.getLogger("ogimage.shared")

BREAKER_SECONDS = 1.0  # how long the tier is skipped after a connection failure or timeout
PREFIX = "ogimage:"
_POLL_FIRST = 0.005  # a waiter polls for the value after 5 ms, then 10, 20, 40, 50, 50 … ms
_POLL_MAX = 0.05
_MAGIC = b"OGIMGR1\n"
_HEADER = struct.Struct(">8sQ32s")  # magic, payload length, SHA-256(key, format, payload)
# Delete a key only if it still holds what we saw (a lock token, or a corrupt value).
_DELETE_IF = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"
# A claim's round, atomically: the value if there is one, else take the lock if it is free.
_GET_OR_LOCK = """
local value = redis.call('get', KEYS[1])
if value then return {1, value} end
if redis.call('set', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then return {2, ''} end
return {0, ''}
"""
_FOUND, _LOCKED = 1, 2  # … else 0: another process holds the lock


class _Failed:
    """The result of an operation that failed or was skipped (breaker open)."""

    def __repr__(self) -> str:
        return "FAILED"


FAILED = _Failed()


@dataclass(slots=True)
class _Waiting:
    """The state of one claim across its rounds."""

    token: str
    deadline: float | None = None
    delay: float = _POLL_FIRST
    corrupt: bool = False


@dataclass(frozen=True, slots=True)
class Claim:
    """What :meth:`SharedCache.claim` found: the image, or the right (``token``) to render it.

    ``body`` is set on a shared hit. Otherwise the caller renders, and ``token`` is set
    when it holds the cross-process lock; either way it then calls ``finish``.
    """

    body: bytes | None = None
    token: str | None = None


def pack(key: str, fmt: str, payload: bytes) -> bytes:
    """The stored form of ``payload``: a verifiable header, then the payload."""
    return _HEADER.pack(_MAGIC, len(payload), _digest(key, fmt, payload)) + payload


def unpack(key: str, fmt: str, value: bytes) -> bytes | None:
    """The payload of a stored value, or ``None`` if it is corrupt or belongs to another key."""
    if len(value) < _HEADER.size:
        return None
    magic, length, digest = _HEADER.unpack_from(value)
    payload = value[_HEADER.size :]
    if magic != _MAGIC or length != len(payload) or _digest(key, fmt, payload) != digest:
        return None
    return payload


def _digest(key: str, fmt: str, payload: bytes) -> bytes:
    h = hashlib.sha256(f"{key}.{fmt}\n".encode())
    h.update(payload)
    return h.digest()


def open_shared(settings: Settings, metrics: Metrics) -> SharedCache | None:
    """The shared tier the settings name (``None`` when ``shared_cache`` is empty).

    Never connects here (the first operation does), so a down Redis never delays start-up.
    """
    if not settings.shared_cache:
        return None
    return SharedCache(connect(settings), settings, metrics)


def connect(settings: Settings) -> Any:
    """A redis-py client for ``settings.shared_cache``: timeouts of ``shared_cache_timeout``, no retries.

    Connects lazily (on the first command); the pool reconnects after a failure by itself.
    """
    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    timeout = settings.shared_cache_timeout or None
    return redis.Redis.from_url(
        settings.shared_cache,
        socket_timeout=timeout,
        socket_connect_timeout=timeout,
        retry=Retry(NoBackoff(), 0),
        retry_on_timeout=False,
    )


class SharedCache:
    """Images in Redis by content key; every method is bounded and never raises for Redis' sake."""

    def __init__(self, client: Any, settings: Settings, metrics: Metrics, clock: Callable[[], float] = time.monotonic):
        self.client = client
        self.url = redact_url(settings.shared_cache)
        self.ttl = max(1, int(settings.shared_cache_ttl))
        self.max_value_bytes = settings.shared_cache_max_value_bytes
        self.timeout = settings.shared_cache_timeout
        self.wait = settings.shared_cache_wait
        self.lock_ms = max(1000, int(2000 * self.wait))  # outlives a waiter's patience; expires if its holder dies
        self.metrics = metrics
        self._clock = clock
        self._timers = {op: metrics.shared_seconds.labels(op) for op in ("get", "claim", "set", "delete", "ping")}
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="ogimage-shared")
        self._delete_if = client.register_script(_DELETE_IF)
        self._get_or_lock = client.register_script(_GET_OR_LOCK)
        self._open_until = 0.0  # breaker: skip Redis until this clock time
        self._quiet_until = 0.0  # no warning for a failed command (Redis answered) before then
        self._state_lock = threading.Lock()
        self.state = "unknown"  # "up" after a success, "down" after a connection failure
        self.errors = 0
        self.skipped = 0
        self.corrupt = 0
        self.too_big = 0
        self.waited = 0  # claims that waited for another process's render
        self.gave_up = 0  # … and rendered themselves when it did not arrive in time
        self.last_error: str | None = None

    # -- plain operations ---------------------------------------------------

    @property
    def pool(self) -> ThreadPoolExecutor:
        """The tier's own threads: Redis calls from the event loop run here, never behind disk I/O."""
        return self._pool

    def available(self) -> bool:
        """Whether the breaker lets operations through now (no I/O)."""
        return self._clock() >= self._open_until

    def get(self, key: str, fmt: str) -> bytes | None:
        """The verified image for ``key``, or ``None`` (missing, corrupt, or Redis failing). Counted."""
        body = self._fetch(key, fmt)
        if isinstance(body, bytes):
            self.metrics.hit["shared"].inc()
            return body
        self.metrics.miss["shared"].inc()
        return None

    def put(self, key: str, fmt: str, body: bytes) -> bool:
        """Store ``body`` for ``ttl`` seconds; ``False`` if too big or Redis failed (counted)."""
        if len(body) > self.max_value_bytes:
            self.too_big += 1
            return False
        value = pack(key, fmt, body)
        ok = self._run("set", lambda: self.client.set(self.value_key(key, fmt), value, ex=self.ttl))
        if ok is FAILED:
            return False
        self.metrics.written["shared"].inc(len(body))
        return True

    @staticmethod
    def value_key(key: str, fmt: str) -> str:
        """The Redis key of an image (the braces keep an image and its lock in one Redis Cluster slot)."""
        return f"{PREFIX}img:{{{key}.{fmt}}}"

    @staticmethod
    def lock_key(key: str, fmt: str) -> str:
        """The Redis key of the render lock of an image."""
        return f"{PREFIX}lock:{{{key}.{fmt}}}"

    def _fetch(self, key: str, fmt: str) -> bytes | None | _Failed:
        name = self.value_key(key, fmt)
        value = self._run("get", lambda: self.client.get(name))
        if value is None or value is FAILED:
            return value
        return self._verified(key, fmt, value)

    def _verified(self, key: str, fmt: str, value: bytes) -> bytes | None:
        """The payload of ``value``, or ``None``: then it is counted as corrupt and deleted."""
        body = unpack(key, fmt, value)
        if body is None:
            name = self.value_key(key, fmt)
            self.corrupt += 1
            self.metrics.shared_corrupt.inc()
            log.warning("shared cache value %s is corrupt (%d bytes); deleting it and rendering", name, len(value))
            self._run("delete", lambda: self._delete_if(keys=[name], args=[value]))
        return body

    def release(self, key: str, fmt: str, token: str) -> None:
        """Release the render lock if this holder (``token``) still has it."""
        self._run("delete", lambda: self._delete_if(keys=[self.lock_key(key, fmt)], args=[token]))

    # -- single-flight across processes ------------------------------------------

    def claim(self, key: str, fmt: str) -> Claim:
        """Look ``key`` up; on a miss take the render lock, or wait up to ``wait`` s for its holder.

        Blocking (for the batch and other synchronous callers). One round trip on a hit
        or a miss (a script reads the value or takes the lock, atomically), one more per
        poll while waiting; nothing while the breaker is open. Always follow a claim
        without ``body`` by :meth:`finish` once rendered (or failed).
        """
        if not self.available():
            return self._outcome(None, skipped=True)
        wait = _Waiting(token=secrets.token_hex(8))
        while True:
            step = self._round(key, fmt, wait)
            if isinstance(step, Claim):
                return step
            time.sleep(step)

    async def aclaim(self, key: str, fmt: str) -> Claim:
        """:meth:`claim` for the event loop: each round in the tier's threads, waits as ``asyncio.sleep``."""
        if not self.available():
            return self._outcome(None, skipped=True)
        loop = asyncio.get_running_loop()
        wait = _Waiting(token=secrets.token_hex(8))
        while True:
            step = await loop.run_in_executor(self._pool, self._round, key, fmt, wait)
            if isinstance(step, Claim):
                return step
            await asyncio.sleep(step)

    def _round(self, key: str, fmt: str, wait: _Waiting) -> Claim | float:
        """One round of a claim: the outcome, or the seconds to sleep before the next round."""
        names = [self.value_key(key, fmt), self.lock_key(key, fmt)]
        got = self._run("claim", lambda: self._get_or_lock(keys=names, args=[wait.token, self.lock_ms]))
        if got is FAILED:
            return self._outcome(None)
        kind, value = int(got[0]), got[1]
        if kind == _FOUND:
            body = self._verified(key, fmt, value)
            if body is not None:
                return self._outcome(body)
            if wait.corrupt:  # corrupt twice in a row: someone keeps writing it; render without the lock
                return self._outcome(None)
            wait.corrupt = True
            return 0.0  # deleted: the next round takes the lock
        if kind == _LOCKED:
            return self._outcome(None, token=wait.token)
        now = self._clock()  # another process holds the lock: poll for its value, briefly
        if wait.deadline is None:
            self.waited += 1
            wait.deadline = now + self.wait
        if now >= wait.deadline:
            self.gave_up += 1
            log.info("shared cache: waited %.2f s for another process to render %s; rendering", self.wait, key[:16])
            return self._outcome(None)
        delay = min(wait.delay, wait.deadline - now)
        wait.delay = min(wait.delay * 2, _POLL_MAX)
        return delay

    def _outcome(self, body: bytes | None | _Failed, token: str | None = None, skipped: bool = False) -> Claim:
        if skipped:
            self.skipped += 1
        if isinstance(body, bytes):
            self.metrics.hit["shared"].inc()
            return Claim(body=body)
        self.metrics.miss["shared"].inc()
        return Claim(token=token)

    def finish(self, key: str, fmt: str, body: bytes | None, claim: Claim | None) -> None:
        """After a render: store ``body`` (if any), then release the claim's lock (if held). Blocking."""
        if body is not None:
            self.put(key, fmt, body)
        if claim is not None and claim.token is not None:
            self.release(key, fmt, claim.token)

    def finish_soon(self, key: str, fmt: str, body: bytes | None, claim: Claim | None) -> asyncio.Future[None]:
        """:meth:`finish` in the tier's threads, from the event loop; the future never raises for Redis."""
        return asyncio.get_running_loop().run_in_executor(self._pool, self.finish, key, fmt, body, claim)

    # -- health --------------------------------------------------------------

    def _run(self, op: str, call: Callable[[], Any]) -> Any:
        """``call()``, timed; FAILED (counted) on a Redis error, or at once while the breaker is open."""
        if self._clock() < self._open_until:
            self.skipped += 1
            return FAILED
        from redis.exceptions import ConnectionError, RedisError, TimeoutError

        start = time.perf_counter()
        try:
            value = call()
        except (ConnectionError, TimeoutError, OSError) as exc:
            self._failed(exc, trip=True)
            return FAILED
        except RedisError as exc:  # Redis answered, with an error (OOM when full, READONLY, …)
            self._failed(exc, trip=False)
            return FAILED
        finally:
            self._timers[op].observe(time.perf_counter() - start)
        if self.state != "up":
            with self._state_lock:
                if self.state == "down":
                    log.warning("shared cache %s is back", self.url)
                self.state = "up"
        return value

    def _failed(self, exc: Exception, trip: bool) -> None:
        self.errors += 1
        self.metrics.error["shared"].inc()
        self.last_error = f"{type(exc).__name__}: {exc}"
        if not trip:
            now = self._clock()
            if now >= self._quiet_until:  # a full Redis fails every write: log once a minute
                self._quiet_until = now + 60.0
                log.warning("shared cache %s: %s", self.url, self.last_error)
            return
        with self._state_lock:
            self._open_until = self._clock() + BREAKER_SECONDS
            if self.state != "down":
                log.warning(
                    "shared cache %s is unreachable (%s); answering from memory, disk and renders, "
                    "retrying every %.0f s", self.url, self.last_error, BREAKER_SECONDS,
                )
            self.state = "down"

    def ping(self) -> bool:
        """One bounded round trip to Redis (skipped while the breaker is open)."""
        return self._run("ping", self.client.ping) is True

    def status(self) -> dict[str, Any]:
        """For ``/readyz``: the URL (password hidden), state, counters of this process, settings.

        Pings Redis (at most ``timeout``) unless the breaker is open. Never affects readiness.
        """
        from redis.utils import HIREDIS_AVAILABLE

        if self.available():
            self.ping()
        return {
            "url": self.url, "state": self.state, "errors": self.errors, "skipped": self.skipped,
            "corrupt": self.corrupt, "too_big": self.too_big, "waited": self.waited, "gave_up": self.gave_up,
            "last_error": self.last_error, "timeout_ms": round(self.timeout * 1000, 1), "ttl_s": self.ttl,
            "max_value_bytes": self.max_value_bytes, "wait_s": self.wait, "hiredis": bool(HIREDIS_AVAILABLE),
        }

    def close(self) -> None:
        """Stop the tier's threads and close its connections."""
        self._pool.shutdown(wait=True)
        try:
            self.client.close()
        except Exception:  # noqa: BLE001 - closing a broken connection is not an error worth raising
            pass
