"""Font pages a worker holds resident: released now and then, since the OS keeps them anyway.

FreeType (one mapping per Pillow font object, and one more for its basic-layout twin) and
HarfBuzz (one per file) each ``mmap`` a font file read-only. Every page a mapping has touched
counts in the process's resident set (VmRSS) once per mapping, though all of them are the
same clean page-cache pages, shared by every worker and reclaimable by the kernel: over
thousands of new CJK cards a worker's RSS grows ~15 MiB from them alone. :class:`Residency`
drops this process's references to those pages every ``every`` calls of :meth:`tick`
(``madvise(MADV_DONTNEED)`` over each read-only mapping of a font file: a mapping that cannot
be written holds no page of its own to lose, and the next read of a page maps it again from the page cache, a
minor fault of ~1 µs). Linux only; elsewhere, or without ``/proc``, it does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
import threading
from collections.abc import Iterable
from pathlib import Path

__all__ = ["Residency", "release_mapped_pages"]

_MADV_DONTNEED = 4
_libc: ctypes.CDLL | None = None


def _madvise() -> ctypes._CFuncPtr | None:  # type: ignore[name-defined]
    global _libc
    if not sys.platform.startswith("linux"):
        return None
    if _libc is None:
        try:
            _libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        except OSError:
            return None
    fn = _libc.madvise
    fn.argtypes, fn.restype = (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int), ctypes.c_int
    return fn


def release_mapped_pages(paths: Iterable[str], maps: Path = Path("/proc/self/maps")) -> int:
    """Drop this process's resident pages of every read-only mapping of a file in
    ``paths``; the bytes of address space advised (0 where not supported). Cost: one read of
    the maps file (~0.1-0.3 ms) and a system call per mapping."""
    madvise = _madvise()
    if madvise is None:
        return 0
    wanted = set(paths)
    try:
        lines = maps.read_text().splitlines()
    except OSError:
        return 0
    advised = 0
    for line in lines:
        fields = line.split(None, 5)
        if len(fields) < 6 or fields[1] not in ("r--p", "r--s") or fields[5] not in wanted:
            continue
        start, end = (int(x, 16) for x in fields[0].split("-"))
        if madvise(start, end - start, _MADV_DONTNEED) == 0:
            advised += end - start
    return advised


class Residency:
    """Calls :func:`release_mapped_pages` for ``paths`` every ``every`` ticks (thread-safe)."""

    def __init__(self, paths: Iterable[Path], every: int = 500) -> None:
        self.paths = sorted({str(Path(p).resolve()) for p in paths})
        self.every = every
        self.released = 0  # times released
        self._ticks = 0
        self._lock = threading.Lock()

    def tick(self) -> None:
        """Count one render; every ``every``-th releases the font pages (off the lock)."""
        with self._lock:
            self._ticks += 1
            due = self.every > 0 and self._ticks % self.every == 0
        if due:
            self.release()

    def release(self) -> int:
        """Release the font pages now; the bytes of address space advised."""
        self.released += 1
        return release_mapped_pages(self.paths)
