"""The disk cache's byte bound: least recently used files go first, whichever process wrote them.

Every process that uses a cache folder (uvicorn workers, the batch CLI, ``ogimage cache``)
shares three things in it:

- ``.ogimage-size``: the folder's total bytes, as decimal text, updated under a short
  exclusive ``flock`` on the file itself after every write and deletion.
- ``.ogimage-prune``: held (``flock``) by the one process that is scanning and pruning;
  a writer that finds it taken leaves the pruning to that process and goes on.
- the files' modification times: :class:`~ogimage.cache.DiskCache` sets a file's mtime
  to now on every hit, so the oldest mtime is the least recently used file.

When a write takes the recorded total over ``max_bytes``, that writer (if no one else
is pruning) scans the folder without holding the size lock, deletes the least recently
used files until at most :data:`LOW_WATER` of the bound is left, and records what is
left plus whatever was written meanwhile (a file written during the scan may be counted
twice: the recorded total errs high, never low, and the next scan makes it exact). The
folder can exceed the bound by what is written during one scan, until that scan ends. Without a size file (a new folder, or one
from an older version) the first write recounts the folder the same way.

Costs, measured on the shared development machine's disk (2 cores, busy): recording a
write ~0.1 ms (open, flock, read, write, close); a scan ~40-50 µs per file (~2 s for
40,000 cards, about a 1 GiB folder) in one writer's I/O thread, once per ~10 % of the
bound written (~0.5 ms per write on average). Reads never take a lock.

Only files named like cache entries (``ab/<64 hex>.<format>``) and stale temporary
files are ever counted or deleted: pointing the cache at a folder with other files in
it never deletes them.
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
PRUNING = ".ogimage-prune"
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
        # flock does not exclude threads sharing one open file: a thread lock for each file too.
        self._size_lock = threading.Lock()
        self._prune_lock = threading.Lock()
        self.pruned_files = 0
        self.pruned_bytes = 0

    # -- the shared total ------------------------------------------------------

    @contextmanager
    def _locked(self) -> Iterator[int]:
        """The size file, locked (briefly: no scan ever happens under this lock)."""
        with self._size_lock:
            fd = os.open(self.root / STATE, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                yield fd
            finally:
                os.close(fd)  # closing releases the flock

    @contextmanager
    def _pruning(self, wait: bool) -> Iterator[bool]:
        """The right to scan and delete; ``False`` if another thread or process has it (``wait=False``)."""
        if not self._prune_lock.acquire(blocking=wait):
            yield False
            return
        try:
            fd = os.open(self.root / PRUNING, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
                except BlockingIOError:
                    yield False
                    return
                yield True
            finally:
                os.close(fd)
        finally:
            self._prune_lock.release()

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
                recorded = self._read(fd)
                total = (recorded or 0) + delta
                self._write(fd, total)
            if recorded is None or total > self.max_bytes:
                self._keep_bound()
        except OSError as exc:
            self._failed("update the size of", exc)

    def _keep_bound(self, attempts: int = 3) -> None:
        """Prune unless another pruner is at it. After each prune, with the lock released,
        the total is read again: a writer that found the lock taken recorded its bytes before
        trying it, so either it got the lock itself or this re-read sees its bytes."""
        for _ in range(attempts):
            if self._recount(int(self.max_bytes * LOW_WATER), self.max_bytes, wait=False) is None:
                return  # the pruner in charge re-reads the total after it lets go
            if (self.total() or 0) <= self.max_bytes:
                return

    def _recount(self, target: int, bound: int, *, wait: bool) -> Usage | None:
        """Scan, prune to ``target`` if over ``bound``, record the exact total; None if someone
        else is at it (``wait=False``)."""
        with self._pruning(wait) as mine:
            if not mine:
                return None
            with self._locked() as fd:
                before = self._read(fd) or 0
            entries = list(self._entries())
            total = sum(st.st_size for _p, st in entries)
            left = self._evict(entries, target) if total > bound else Usage(len(entries), total)
            with self._locked() as fd:  # plus what other processes recorded during the scan
                self._write(fd, left.bytes + (self._read(fd) or 0) - before)
            return left

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

    def _evict(self, entries: list[tuple[Path, os.stat_result]], target: int) -> Usage:
        """Delete the oldest of ``entries`` (by mtime) down to ``target`` bytes; what is left."""
        entries.sort(key=lambda e: e[1].st_mtime_ns)
        total = sum(st.st_size for _p, st in entries)
        removed = 0
        for path, st in entries:
            if total <= target:
                break
            try:
                path.unlink()
            except FileNotFoundError:
                pass
            total -= st.st_size
            removed += 1
            self.pruned_files += 1
            self.pruned_bytes += st.st_size
        return Usage(len(entries) - removed, total)

    def prune(self, max_bytes: int | None = None) -> Usage:
        """Bring the folder under ``max_bytes`` now, waiting for any other pruner; what is left.

        Default: the bound, pruned to :data:`LOW_WATER` of it if over; an explicit
        ``max_bytes`` is pruned to exactly that.
        """
        bound = self.max_bytes if max_bytes is None else max_bytes
        target = int(bound * LOW_WATER) if max_bytes is None else bound
        left = self._recount(target, bound, wait=True)
        assert left is not None
        return left

    def clear(self) -> Usage:
        """Delete every entry (and stale temporary files); what was deleted."""
        files, size = self.pruned_files, self.pruned_bytes
        left = self._recount(0, -1, wait=True)
        assert left is not None
        for shard in self.root.iterdir():
            if _SHARD.match(shard.name) and shard.is_dir() and not shard.is_symlink():
                try:
                    shard.rmdir()  # only when empty
                except OSError:
                    pass
        return Usage(self.pruned_files - files, self.pruned_bytes - size)
