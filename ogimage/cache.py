"""The two caches of encoded images, and the content key they share.

The key is the content, not the URL: the normalised card, the template's
digest, the fonts' digest, the renderer version and the format. Change any of
them and the key changes, so a new template or font never serves a stale card;
the server and the CLI compute the same key for the same card.

Both caches are plain synchronous objects, safe to share between threads:

- :class:`MemoryCache` is an LRU bounded by the total bytes it holds, not by
  its number of entries (a 12 KiB palette PNG and a 300 KiB photo are not
  the same cost).
- :class:`DiskCache` is a content-addressed folder (``ab/abcdef….png``).
  Writes go to a temporary file that is renamed into place, and every file
  carries the SHA-256 of its payload, so a crash, a truncated copy or a flipped
  bit is detected on read: the file is deleted and the card re-rendered. The
  folder is bounded by bytes, least recently used first, across every process
  that shares it (:mod:`ogimage.diskbudget`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import struct
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Generic, TypeVar


from .caches import SizedCache
from .card import Card
from .diskbudget import DiskBudget
from .settings import Settings

log = logging.getLogger("ogimage.cache")

V = TypeVar("V")

KEY_VERSION = 1  # bump when the shape of the key's JSON changes
WARN_INTERVAL = 10.0  # seconds between two disk-failure log lines
DISK_CACHE_BYTES: int = Settings.disk_cache_bytes  # the default bound (declared in settings)


def content_key(
    card: Card, template_digest: str, fonts_digest: str, renderer_version: str, fmt: str
) -> str:
    """The SHA-256 (hex) of everything that decides an image's bytes."""
    doc: dict[str, Any] = {
        "k": KEY_VERSION,
        "card": card.canonical(),
        "template": template_digest,
        "fonts": fonts_digest,
        "renderer": renderer_version,
        "format": fmt,
    }
    text = json.dumps(doc, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class MemoryCache(Generic[V]):
    """A thread-safe LRU of values bounded by their total size in bytes (the ``images``
    :class:`~ogimage.caches.SizedCache`, reported on ``/metrics`` like the others).

    ``sizeof`` gives a value's cost (``len`` for ``bytes``). A value larger
    than the whole cache is not stored.
    """

    def __init__(self, max_bytes: int, sizeof: Callable[[V], int] = len) -> None:  # type: ignore[assignment]
        self.max_bytes = max_bytes
        self._entries: SizedCache[str, V] = SizedCache("images", max_bytes, lambda key, value: sizeof(value))
        self.hits = 0
        self.misses = 0

    def get(self, key: str) -> V | None:
        """The value for ``key`` (now the most recently used), or ``None``."""
        value = self._entries.get(key)
        if value is None:
            self.misses += 1
        else:
            self.hits += 1
        return value

    def peek(self, key: str) -> V | None:
        """Like :meth:`get`, but a miss is not counted: for a fast path that falls back to ``get``."""
        value = self._entries.get(key)
        if value is not None:
            self.hits += 1
        return value

    def put(self, key: str, value: V) -> bool:
        """Store ``value``, evicting the least recently used; ``False`` if too big."""
        return self._entries.put(key, value)

    def clear(self) -> None:
        self._entries.clear()

    @property
    def bytes(self) -> int:
        """Total size of the values held now."""
        return self._entries.bytes

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: str) -> bool:
        return key in self._entries


# File layout: MAGIC, payload length (8 bytes, big-endian), SHA-256 of the
# payload (32 bytes), payload. Anything else is corrupt.
_MAGIC = b"OGIMGC1\n"
_HEADER = struct.Struct(">8sQ32s")


class DiskCache:
    """A content-addressed folder of images with atomic writes and integrity checks.

    Safe to share between threads and between processes (uvicorn workers, CLI
    runs): writers never collide on a temporary file, and ``os.replace``
    makes a finished file appear at once or not at all. I/O errors (a full or
    read-only disk) are logged, counted (``errors``, and ``on_error()``) and
    treated as a miss: the cache is an optimisation, never a reason to fail a
    request. A hit sets the file's mtime to now (the LRU order); a write over
    ``max_bytes`` in total prunes the least recently used files.
    """

    def __init__(self, root: Path, max_bytes: int = DISK_CACHE_BYTES,
                 on_error: Callable[[], None] | None = None) -> None:
        self.root = Path(root)
        self.max_bytes = max_bytes
        self.on_error = on_error
        self.budget = DiskBudget(self.root, max_bytes, self._error)
        self.hits = 0
        self.misses = 0
        self.corrupt = 0
        self.errors = 0
        self._last_warn = -WARN_INTERVAL
        self._warned = 0

    def _error(self) -> None:
        self.errors += 1
        if self.on_error is not None:
            self.on_error()

    def _warn(self, message: str, *args: object) -> None:
        """Log an I/O failure, at most one line per :data:`WARN_INTERVAL` s (a refusing disk
        fails every request; ``errors`` and the metric count them all)."""
        now = time.monotonic()
        if now - self._last_warn >= WARN_INTERVAL:
            more = self.errors - self._warned - 1
            held = f" ({more} more since the last line)" if self._warned and more > 0 else ""
            self._last_warn, self._warned = now, self.errors
            log.warning(message + held, *args)

    def bytes(self) -> float:
        """The folder's total bytes as last recorded by any process (0 before the first write)."""
        return float(self.budget.total() or 0)

    def path(self, key: str, fmt: str) -> Path:
        return self.root / key[:2] / f"{key}.{fmt}"

    def get(self, key: str, fmt: str) -> bytes | None:
        """The payload stored for ``key``, or ``None`` (missing or corrupt: deleted)."""
        path = self.path(key, fmt)
        try:
            with open(path, "rb") as fh:
                data = fh.read()
        except (FileNotFoundError, NotADirectoryError):
            self.misses += 1
            return None
        except OSError as exc:
            self._error()
            self.misses += 1
            self._warn("disk cache read failed for %s: %s", path, exc)
            return None
        payload = self._verify(data)
        if payload is None:
            self.corrupt += 1
            self.misses += 1
            log.warning("disk cache file %s is corrupt; deleting it", path)
            try:
                path.unlink()
                self.budget.changed(-len(data))
            except OSError:
                pass
            return None
        self.hits += 1
        try:
            os.utime(path)  # now the most recently used
        except OSError:
            pass  # a read-only disk still serves its hits
        return payload

    @staticmethod
    def _verify(data: bytes) -> bytes | None:
        if len(data) < _HEADER.size:
            return None
        magic, length, digest = _HEADER.unpack_from(data)
        payload = data[_HEADER.size :]
        if magic != _MAGIC or length != len(payload):
            return None
        if hashlib.sha256(payload).digest() != digest:
            return None
        return payload

    def put(self, key: str, fmt: str, payload: bytes) -> bool:
        """Store ``payload`` atomically; ``False`` (logged) if the disk refused.

        Then records the bytes in the shared total, pruning least recently used files
        when the folder is over ``max_bytes`` (see :mod:`ogimage.diskbudget`).
        """
        if self.max_bytes <= 0:
            return False
        path = self.path(key, fmt)
        header = _HEADER.pack(_MAGIC, len(payload), hashlib.sha256(payload).digest())
        tmp: str | None = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{key[:16]}.", suffix=".tmp", dir=path.parent)
            with os.fdopen(fd, "wb") as fh:
                fh.write(header)
                fh.write(payload)
            try:
                replaced = path.stat().st_size
            except FileNotFoundError:
                replaced = 0
            os.replace(tmp, path)
            tmp = None
        except OSError as exc:
            self._error()
            self._warn("disk cache write failed for %s: %s", path, exc)
            return False
        finally:
            if tmp is not None:
                try:
                    os.unlink(tmp)
                except OSError:
                    pass
        self.budget.changed(len(header) + len(payload) - replaced)
        return True
