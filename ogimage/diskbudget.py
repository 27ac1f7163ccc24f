"""The disk cache's byte bound: least recently used files go first, whichever process wrote them.

Every process that uses a cache folder (uvicorn workers, the batch CLI, ``ogimage cache``)
shares two things in it:

- ``.ogimage-size``: the folder's total bytes, as decimal text, updated under an
  exclusive ``flock`` on the file itself after every write and deletion (a few µs).
- the files' modification times: :class:`~ogimage.cache.DiskCache` sets a file's mtime
  to now on every hit, so the oldest mtime is the least recently used file.

When a write takes the total over ``max_bytes``, the writer (still holding the lock)
scans the folder, deletes the least recently used files until the total is at most
:data:`LOW_WATER` of the bound, and writes the exact total back. A scan costs ~2 µs per
file (~80 ms for 40,000 cards, i.e. a 1 GiB folder), once per ~10 % of the bound written.
Without a size file (a new folder, or one from an older version) the first write scans.

Only files named like cache entries (``ab/<64 hex>.<format>``) and their temporary
files are ever counted or deleted: pointing the cache at a folder with other files in it
never deletes them.
"""

from __future__ import annotations

import fcntl
import logging
import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger("ogimage.cache")

STATE = ".ogimage-size"
LOW_WATER = 0.9  # a prune leaves the folder at 90 % of its bound
STALE_TMP_SECONDS = 3600  # an unfinished write older than this is a crash's leftover
_ENTRY = re.compile(r"^[0-9a-f]{64}\.[a-z]+$")
_TMP = re.compile(r"^\.[0-9a-f]{16}\..*\.tmp$")
_SHARD = re.compile(r"^[0-9a-f]{2}$")


@dataclass(frozen=True)
class Usage:
    """What a scan found: entry files and their bytes (temporary files not counted)."""

    files: int
    bytes: int


class DiskBudget:
    """Keeps one cache folder under ``max_bytes``; safe across threads and processes.

    I/O errors (a read-only or full disk) never raise: they are logged, counted through
    ``on_error`` and the bound is simply not kept until the disk accepts writes again.
    """

    def __init__(self, root: Path, max_bytes: int, on_error: Callable[[], None] | None = None) -> None:
        self.root = Path(root)
        self.max_bytes = max_bytes
        self.on_error = on_error
        self._lock = threading.Lock()  # flock does not exclude threads sharing one descriptor
        self.pruned_files = 0
        self.pruned_bytes = 0

    # -- the shared total ------------------------------------------------------

    @contextmanager
    def _locked(self) -> Iterator[int]:
        with self._lock:
            fd = os.open(self.root / STATE, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                yield fd
            finally:
                os.close(fd)  # closing releases the flock

    @staticmethod
    def _read(fd: int) -> int | None:
        text = os.pread(fd, 32, 0).strip()
        return int(text) if text.isdigit() else None

    @staticmethod
    def _write(fd: int, total: int) -> None:
        data = str(max(0, total)).encode()
        os.pwrite(fd, data, 0)
        os.ftruncate(fd, len(data))

    def total(self) -> int | None:
        """The folder's bytes as last recorded (no lock, no scan); None when not recorded yet."""
        try:
            with open(self.root / STATE, "rb") as fh:
                text = fh.read(32).strip()
        except OSError:
            return None
        return int(text) if text.isdigit() else None

    def changed(self, delta: int) -> None:
        """Record ``delta`` bytes written (or, negative, deleted); prune when over the bound."""
        try:
            with self._locked() as fd:
                total = self._read(fd)
                total = self.scan().bytes if total is None else total + delta
                if total > self.max_bytes:
                    total = self._prune(int(self.max_bytes * LOW_WATER))
                self._write(fd, total)
        except OSError as exc:
            self._failed("update the size of", exc)

    def _failed(self, what: str, exc: OSError) -> None:
        if self.on_error is not None:
            self.on_error()
        log.warning("disk cache: cannot %s %s: %s", what, self.root, exc)

    # -- scanning and deleting ---------------------------------------------------

    def _entries(self) -> Iterator[tuple[Path, os.stat_result]]:
        """Every entry file with its stat; stale temporary files are deleted on the way."""
        try:
            shards = [e for e in os.scandir(self.root) if e.is_dir(follow_symlinks=False) and _SHARD.match(e.name)]
        except FileNotFoundError:
            return
        now = time.time()
        for shard in shards:
            try:
                items = list(os.scandir(shard.path))
            except OSError:
                continue
            for item in items:
                try:
                    if _ENTRY.match(item.name):
                        yield Path(item.path), item.stat(follow_symlinks=False)
                    elif _TMP.match(item.name) and now - item.stat().st_mtime > STALE_TMP_SECONDS:
                        os.unlink(item.path)
                except OSError:  # deleted meanwhile by another process
                    continue

    def scan(self) -> Usage:
        """Count the folder's entries (a full scan)."""
        files = size = 0
        for _path, st in self._entries():
            files += 1
            size += st.st_size
        return Usage(files, size)

    def _prune(self, target: int) -> int:
        """Delete least recently used entries until at most ``target`` bytes remain; the total left."""
        entries = sorted(self._entries(), key=lambda e: e[1].st_mtime_ns)
        total = sum(st.st_size for _p, st in entries)
        for path, st in entries:
            if total <= target:
                break
            try:
                path.unlink()
            except FileNotFoundError:
                pass
            total -= st.st_size
            self.pruned_files += 1
            self.pruned_bytes += st.st_size
        return total

    def prune(self, max_bytes: int | None = None) -> Usage:
        """Bring the folder under ``max_bytes`` (default: the bound) now; what is left."""
        bound = self.max_bytes if max_bytes is None else max_bytes
        with self._locked() as fd:
            total = self.scan().bytes
            if total > bound:
                total = self._prune(int(bound * LOW_WATER) if max_bytes is None else bound)
            self._write(fd, total)
        return self.scan()

    def clear(self) -> Usage:
        """Delete every entry (and stale temporary files); what was deleted."""
        files = size = 0
        with self._locked() as fd:
            for path, st in list(self._entries()):
                try:
                    path.unlink()
                except FileNotFoundError:
                    continue
                files += 1
                size += st.st_size
            self._write(fd, 0)
        for shard in self.root.iterdir():
            if _SHARD.match(shard.name) and shard.is_dir() and not shard.is_symlink():
                try:
                    shard.rmdir()  # only when empty
                except OSError:
                    pass
        return Usage(files, size)
