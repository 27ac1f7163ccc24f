import re
import threading
from pathlib import Path

import pytest

from ogimage.cache import DiskCache, MemoryCache, content_key
from ogimage.card import Card


def key(card: Card, **kw: str) -> str:
    args = {"template_digest": "t1", "fonts_digest": "f1", "renderer_version": "r1", "fmt": "png"} | kw
    return content_key(card, **args)


def test_content_key_is_stable_and_normalised():
    a = Card.from_mapping({"title": "  Hello\u0301 world ", "tags": "a,b"})
    b = Card.from_mapping({"title": "Hello\u0301   world", "tags": ["a", "b"]})
    assert key(a) == key(b)
    assert re.fullmatch(r"[0-9a-f]{64}", key(a))  # a SHA-256, hex
    assert key(a) != key(Card.from_mapping({"title": "Hello world", "tags": "a,b"}))  # the accent counts


@pytest.mark.parametrize("change", [
    {"template_digest": "t2"}, {"fonts_digest": "f2"}, {"renderer_version": "r2"}, {"fmt": "webp"},
])
def test_content_key_changes_with_everything_that_changes_the_bytes(change):
    card = Card.from_mapping({"title": "Hello"})
    assert key(card) != key(card, **change)


def test_content_key_changes_with_each_field():
    base = {"title": "T", "description": "D", "site": "S", "author": "A", "date": "2024-01-02", "tags": "x", "lang": "en"}
    seen = {key(Card.from_mapping(base))}
    for name, value in [("title", "T2"), ("description", "D2"), ("site", "S2"), ("author", "B"),
                        ("date", "2024-01-03"), ("tags", "y"), ("lang", "ja")]:
        seen.add(key(Card.from_mapping(base | {name: value})))
    seen.add(key(Card.from_mapping(base, template="other")))
    assert len(seen) == 9


def test_memory_cache_is_bounded_by_bytes_not_entries():
    cache: MemoryCache[bytes] = MemoryCache(1000)
    for i in range(10):
        cache.put(f"k{i}", bytes(300))
    assert cache.bytes <= 1000
    assert len(cache) == 3
    assert cache.get("k9") == bytes(300) and cache.get("k0") is None
    assert (cache.hits, cache.misses) == (1, 1)


def test_memory_cache_evicts_least_recently_used():
    cache: MemoryCache[bytes] = MemoryCache(900)
    cache.put("a", bytes(300)); cache.put("b", bytes(300)); cache.put("c", bytes(300))
    cache.get("a")
    cache.put("d", bytes(300))
    assert "a" in cache and "b" not in cache


def test_memory_cache_skips_values_larger_than_itself_and_can_be_off():
    cache: MemoryCache[bytes] = MemoryCache(100)
    assert cache.put("big", bytes(101)) is False and cache.get("big") is None
    off: MemoryCache[bytes] = MemoryCache(0)
    assert off.put("a", b"x") is False and off.get("a") is None and off.bytes == 0


def test_memory_cache_survives_threads():
    cache: MemoryCache[bytes] = MemoryCache(50_000)

    def work(n: int) -> None:
        for i in range(2000):
            cache.put(f"{n}-{i % 50}", bytes(100 + i % 7))
            cache.get(f"{(n + 1) % 4}-{i % 50}")

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert 0 < cache.bytes <= 50_000


def test_disk_cache_round_trip_is_content_addressed(tmp_path: Path):
    disk = DiskCache(tmp_path)
    k = "ab" + "0" * 62
    assert disk.get(k, "png") is None
    assert disk.put(k, "png", b"\x89PNG payload")
    assert disk.path(k, "png") == tmp_path / "ab" / f"{k}.png"
    assert disk.get(k, "png") == b"\x89PNG payload"
    assert [p.name for p in (tmp_path / "ab").iterdir()] == [f"{k}.png"]  # no temp file left
    assert (disk.hits, disk.misses) == (1, 1)


@pytest.mark.parametrize("damage", ["truncate", "flip", "empty", "garbage", "extra"])
def test_disk_cache_detects_and_deletes_corrupt_files(tmp_path: Path, damage: str):
    disk = DiskCache(tmp_path)
    k = "cd" + "1" * 62
    disk.put(k, "png", b"x" * 1000)
    path = disk.path(k, "png")
    data = bytearray(path.read_bytes())
    if damage == "truncate":
        data = data[:-10]
    elif damage == "flip":
        data[-1] ^= 0x01
    elif damage == "empty":
        data = bytearray()
    elif damage == "garbage":
        data = bytearray(b"\x89PNG\r\n\x1a\n" + b"\0" * 100)
    else:
        data += b"tail"
    path.write_bytes(bytes(data))
    assert disk.get(k, "png") is None
    assert not path.exists()
    assert disk.corrupt == 1


def test_disk_cache_write_failure_is_a_miss_not_an_error(tmp_path: Path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    disk = DiskCache(blocker)
    assert disk.put("ef" + "2" * 62, "png", b"data") is False
    assert disk.get("ef" + "2" * 62, "png") is None
    assert disk.errors == 1


def test_disk_cache_concurrent_writers_leave_one_good_file(tmp_path: Path):
    disk = DiskCache(tmp_path)
    k = "12" + "3" * 62
    payload = bytes(range(256)) * 400
    threads = [threading.Thread(target=disk.put, args=(k, "png", payload)) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert disk.get(k, "png") == payload
    assert len(list((tmp_path / "12").iterdir())) == 1
