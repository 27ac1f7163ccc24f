"""One size-bounded cache primitive, and the registry every in-process cache is listed in.

A :class:`SizedCache` is bounded by what its entries cost in memory (bytes, or pixels
for 8-bit masks, where the two are the same), never by how many there are: one emoji
image may cost 10,000 times a word's advance. Each cache states its limit where it is
made; the :data:`registry` sums them (the per-worker ceiling, in ARCHITECTURE.md),
reports each cache's size to ``/metrics`` (``ogimage_internal_cache_bytes`` and
``_entries`` by ``cache``) and can clear them all.

Reads take no lock (a dict lookup is atomic under the GIL; ~20 lookups a card on the
hot path); writes and evictions take the cache's lock. A read racing an eviction may
miss: the caller computes the value again. Values are shared: do not mutate them.

This module imports nothing from ogimage, Pillow or the web stack, so every layer
(the pure typesetting core included) may use it.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from typing import Any, Generic, Protocol, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
_MISSING: Any = object()

# What a small entry costs beyond the text it holds: the dict slot, the key tuple and
# the value's object header (CPython, measured with tracemalloc: 150-300 bytes).
ENTRY_OVERHEAD = 200


def text_cost(*parts: object) -> int:
    """A rough memory cost of an entry keyed by these parts: the overhead plus 2 bytes a character."""
    chars = 0
    for p in parts:  # (a plain loop: this runs for every entry a first-seen card writes)
        if isinstance(p, str):
            chars += len(p)
    return ENTRY_OVERHEAD + 2 * chars


class Sized(Protocol):
    """What the registry reads from a cache."""

    name: str
    max_bytes: int

    @property
    def bytes(self) -> int: ...
    def __len__(self) -> int: ...
    def clear(self) -> None: ...


class SizedCache(Generic[K, V]):
    """A map bounded by the summed ``cost(key, value)`` of its entries (bytes or pixels).

    ``lru=True`` evicts the least recently used entry first; ``lru=False`` the oldest
    (first in, first out; a read costs one dict lookup). An entry costing more than
    ``max_bytes`` is not kept. ``max_bytes <= 0`` keeps nothing. Registered under
    ``name`` in :data:`registry` (weakly: a cache dies with its owner).
    """

    def __init__(self, name: str, max_bytes: int, cost: Callable[[K, V], int], *, lru: bool = True) -> None:
        self.name = name
        self.max_bytes = max_bytes
        self._cost = cost
        self._lru = lru
        self._entries: OrderedDict[K, tuple[V, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        registry.register(self)

    @property
    def bytes(self) -> int:
        """The summed cost of the entries held."""
        return self._bytes

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def __iter__(self) -> Iterator[K]:
        return iter(list(self._entries))

    def get(self, key: K, default: Any = None) -> Any:
        """The value for ``key``, or ``default``; an LRU read marks the entry recently used."""
        entry = self._entries.get(key)
        if entry is None:
            return default
        if self._lru:
            try:
                self._entries.move_to_end(key)
            except KeyError:  # evicted meanwhile: the value read is still good
                pass
        return entry[0]

    def put(self, key: K, value: V) -> bool:
        """Keep ``value`` under ``key`` (replacing any), evicting until the cost fits;
        ``False`` (and nothing kept) when it alone costs more than ``max_bytes``."""
        cost = self._cost(key, value)
        if cost > self.max_bytes:
            return False
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= old[1]
            self._entries[key] = (value, cost)
            self._bytes += cost
            while self._bytes > self.max_bytes:
                _, (_, freed) = self._entries.popitem(last=False)
                self._bytes -= freed
        return True

    def get_or_make(self, key: K, make: Callable[[], V]) -> V:
        """The value for ``key``, made by ``make()`` (outside the lock) and kept on a miss."""
        value = self.get(key, _MISSING)
        if value is _MISSING:
            value = make()
            self.put(key, value)
        return value

    def clear(self) -> None:
        """Forget every entry."""
        with self._lock:
            self._entries.clear()
            self._bytes = 0


class Registry:
    """Every live in-process cache, by name (several instances may share one: their sizes add up)."""

    def __init__(self) -> None:
        self._caches: weakref.WeakSet[Any] = weakref.WeakSet()
        self._lock = threading.Lock()

    def register(self, cache: Sized) -> None:
        """List ``cache`` (held weakly). Caches not made with :class:`SizedCache` register themselves."""
        with self._lock:
            self._caches.add(cache)

    def caches(self) -> list[Sized]:
        with self._lock:
            return list(self._caches)

    def sizes(self) -> dict[str, dict[str, int]]:
        """``{name: {"bytes", "entries", "max_bytes"}}``, summed over instances of a name."""
        out: dict[str, dict[str, int]] = {}
        for cache in self.caches():
            row = out.setdefault(cache.name, {"bytes": 0, "entries": 0, "max_bytes": 0})
            row["bytes"] += cache.bytes
            row["entries"] += len(cache)
            row["max_bytes"] += cache.max_bytes
        return dict(sorted(out.items()))

    def clear(self) -> None:
        """Empty every registered cache (tests; a font book or template replaced at run time)."""
        for cache in self.caches():
            cache.clear()


registry = Registry()
