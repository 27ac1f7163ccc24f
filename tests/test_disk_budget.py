"""The disk cache is bounded by bytes, least recently used first, shared safely by processes."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ogimage.cache import DiskCache
from ogimage.cli import main
from ogimage.diskbudget import STATE

ROOT = Path(__file__).resolve().parent.parent
PAYLOAD = bytes(range(256)) * 40  # 10,240 bytes; each file is that plus a 48-byte header
FILE = len(PAYLOAD) + 48


def key(i: int) -> str:
    return hashlib.sha256(str(i).encode()).hexdigest()


def files(root: Path) -> list[Path]:
    return sorted(root.glob("??/*.png"))


def on_disk(root: Path) -> int:
    return sum(p.stat().st_size for p in files(root))


def test_the_folder_stays_under_its_bound_and_the_total_is_exact(tmp_path: Path) -> None:
    cache = DiskCache(tmp_path, max_bytes=10 * FILE)
    for i in range(40):
        assert cache.put(key(i), "png", PAYLOAD)
        assert on_disk(tmp_path) <= 10 * FILE
    assert cache.bytes() == on_disk(tmp_path) == int((tmp_path / STATE).read_text())
    assert 8 <= len(files(tmp_path)) <= 10
    assert cache.budget.pruned_files >= 30


def test_least_recently_used_goes_first(tmp_path: Path) -> None:
    cache = DiskCache(tmp_path, max_bytes=10 * FILE)
    for i in range(10):
        cache.put(key(i), "png", PAYLOAD)
        t = 1_000_000 + i  # written long ago, in order
        os.utime(cache.path(key(i), "png"), (t, t))
    assert cache.get(key(0), "png") == PAYLOAD  # a hit makes 0 the most recently used
    cache.put(key(10), "png", PAYLOAD)  # over the bound: prune to 90 %
    left = {p.stem for p in files(tmp_path)}
    assert key(0) in left and key(10) in left
    assert key(1) not in left and key(2) not in left


def test_overwrites_and_corrupt_files_keep_the_total_exact(tmp_path: Path) -> None:
    cache = DiskCache(tmp_path, max_bytes=1 << 20)
    cache.put(key(1), "png", PAYLOAD)
    cache.put(key(1), "png", PAYLOAD)  # another worker rendered the same card
    cache.put(key(2), "png", PAYLOAD)
    path = cache.path(key(2), "png")
    data = bytearray(path.read_bytes())
    data[-1] ^= 1  # a flipped bit
    path.write_bytes(bytes(data))
    assert cache.get(key(2), "png") is None  # corrupt: deleted
    assert cache.bytes() == on_disk(tmp_path) == FILE


def test_zero_bytes_stores_nothing(tmp_path: Path) -> None:
    cache = DiskCache(tmp_path, max_bytes=0)
    assert not cache.put(key(1), "png", PAYLOAD) and files(tmp_path) == []


WRITER = """
import hashlib, sys
from ogimage.cache import DiskCache
cache = DiskCache(sys.argv[1], max_bytes=int(sys.argv[2]))
for i in range(int(sys.argv[3]), int(sys.argv[3]) + 60):
    cache.put(hashlib.sha256(str(i).encode()).hexdigest(), "png", bytes(range(256)) * 40)
"""


def test_processes_share_the_bound(tmp_path: Path) -> None:
    bound = 20 * FILE
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path), str(bound), str(start)], cwd=ROOT)
             for start in (0, 1000, 2000, 3000)]
    assert [p.wait(timeout=60) for p in procs] == [0, 0, 0, 0]
    assert on_disk(tmp_path) <= int((tmp_path / STATE).read_text()) <= bound  # the record errs high, never low
    left = DiskCache(tmp_path, max_bytes=bound).budget.prune()  # alone now: exact
    assert left.bytes == on_disk(tmp_path) == int((tmp_path / STATE).read_text())


def test_a_disk_that_refuses_writes_is_counted_not_raised(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("a file where the cache folder should be")
    errors: list[int] = []
    cache = DiskCache(tmp_path / "file" / "cache", on_error=lambda: errors.append(1))
    assert cache.put(key(1), "png", PAYLOAD) is False
    assert cache.get(key(1), "png") is None
    assert cache.errors >= 1 and errors and cache.bytes() == 0


def test_cache_command(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("OGIMAGE_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("OGIMAGE_DISK_CACHE_BYTES", str(100 * FILE))
    cache = DiskCache(tmp_path, max_bytes=100 * FILE)
    for i in range(12):
        cache.put(key(i), "png", PAYLOAD)
    (tmp_path / "notes.txt").write_text("not ours")
    (tmp_path / "ab").mkdir(exist_ok=True)
    (tmp_path / "ab" / "keep.png").write_text("not a cache entry")

    assert main(["cache", "stats", "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["files"] == 12 and stats["bytes"] == 12 * FILE == stats["recorded_bytes"]
    assert stats["max_bytes"] == 100 * FILE

    assert main(["cache", "prune", "--max-bytes", str(5 * FILE)]) == 0
    assert "removed 7 files" in capsys.readouterr().out
    assert len(files(tmp_path)) == 6  # 5 entries + keep.png (not an entry: never counted or deleted)

    assert main(["cache", "clear"]) == 0
    assert "removed 5 files" in capsys.readouterr().out
    assert (tmp_path / "notes.txt").exists() and (tmp_path / "ab" / "keep.png").exists()
    assert int((tmp_path / STATE).read_text()) == 0


def test_cache_command_on_a_missing_folder(tmp_path: Path, capsys) -> None:
    assert main(["cache", "stats", "--cache-dir", str(tmp_path / "none")]) == 0
    assert "0 files, 0 bytes" in capsys.readouterr().out
    assert main(["cache", "clear", "--cache-dir", str(tmp_path / "none")]) == 0


def test_bad_bound_is_a_settings_error(monkeypatch, capsys) -> None:
    monkeypatch.setenv("OGIMAGE_DISK_CACHE_BYTES", "-1")
    assert main(["cache", "stats"]) == 3
    assert "OGIMAGE_DISK_CACHE_BYTES" in capsys.readouterr().err


@pytest.mark.parametrize("bound", ["1G", "512M"])
def test_bound_setting(monkeypatch, bound: str) -> None:
    from ogimage.settings import Settings

    monkeypatch.setenv("OGIMAGE_DISK_CACHE_BYTES", bound)
    assert Settings.from_env().disk_cache_bytes == {"1G": 1 << 30, "512M": 512 << 20}[bound]
    assert Settings().disk_cache_bytes == 1 << 30


def test_a_writer_never_waits_for_another_processes_prune(tmp_path: Path) -> None:
    import fcntl
    import threading

    from ogimage.diskbudget import PRUNING

    cache = DiskCache(tmp_path, max_bytes=5 * FILE)
    cache.put(key(0), "png", PAYLOAD)
    fd = os.open(tmp_path / PRUNING, os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)  # as if another process were pruning
    try:
        writer = threading.Thread(target=lambda: [cache.put(key(i), "png", PAYLOAD) for i in range(1, 10)])
        writer.start()
        writer.join(60)
        assert not writer.is_alive()  # it did not wait for the lock
        assert len(files(tmp_path)) == 10 and cache.bytes() == 10 * FILE  # over the bound, recorded exactly
    finally:
        os.close(fd)
    cache.put(key(10), "png", PAYLOAD)  # the lock is free: this write prunes
    assert on_disk(tmp_path) <= 5 * FILE and cache.bytes() == on_disk(tmp_path)
