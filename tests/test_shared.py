"""The shared tier (ogimage/shared.py) against a real redis-server on 127.0.0.1, and the
service's use of it (two in-process services over one Redis, separate disk caches)."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest
from redis_server import free_port, redis_server, start_redis  # noqa: F401 - the fixture
from service_fakes import FakeEngine

from ogimage.card import Card
from ogimage.metrics import Metrics
from ogimage.service import Service
from ogimage.settings import Settings
from ogimage.shared import BREAKER_SECONDS, Claim, SharedCache, connect, pack, unpack

KEY = "ab" * 32


class Clock:
    """A clock the test moves by hand (the breaker's)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def tier(url: str, clock: Clock | None = None, **overrides) -> SharedCache:
    settings = Settings(shared_cache=url, **{"shared_cache_timeout": 1.0, **overrides})
    if clock is None:
        return SharedCache(connect(settings), settings, Metrics())
    return SharedCache(connect(settings), settings, Metrics(), clock=clock)


def metric(m: Metrics, text: str) -> float:
    for line in m.render().decode().splitlines():
        if line.startswith(text + " "):
            return float(line.split()[-1])
    raise AssertionError(f"{text} not in metrics")


def test_put_get_round_trip_with_ttl_and_size_limit(redis_server):
    shared = tier(redis_server.url, shared_cache_ttl=3600, shared_cache_max_value_bytes=1000)
    assert shared.get(KEY, "png") is None
    assert shared.put(KEY, "png", b"\x89PNG body") is True
    assert shared.get(KEY, "png") == b"\x89PNG body"
    assert shared.get(KEY, "webp") is None  # the format is part of the key
    ttl = redis_server.client().ttl(SharedCache.value_key(KEY, "png"))
    assert 3500 < ttl <= 3600
    assert shared.put("cd" * 32, "png", b"x" * 1001) is False and shared.too_big == 1
    assert redis_server.client().exists(SharedCache.value_key("cd" * 32, "png")) == 0
    m = shared.metrics
    assert metric(m, 'ogimage_cache_hits_total{level="shared"}') == 1
    assert metric(m, 'ogimage_cache_misses_total{level="shared"}') == 2
    assert metric(m, 'ogimage_cache_written_bytes_total{level="shared"}') == len(b"\x89PNG body")
    assert metric(m, 'ogimage_shared_cache_duration_seconds_count{op="get"}') == 3
    assert shared.status()["state"] == "up" and shared.errors == 0


def test_values_are_verified():
    value = pack(KEY, "png", b"payload")
    assert unpack(KEY, "png", value) == b"payload"
    assert unpack(KEY, "jpeg", value) is None  # the same bytes under another key are not accepted
    assert unpack("cd" * 32, "png", value) is None
    flipped = value[:-1] + bytes([value[-1] ^ 1])
    assert unpack(KEY, "png", flipped) is None
    assert unpack(KEY, "png", value[:-1]) is None and unpack(KEY, "png", b"") is None


def test_a_corrupt_value_is_a_miss_counted_and_deleted(redis_server):
    shared = tier(redis_server.url)
    shared.put(KEY, "png", b"good image bytes")
    name = SharedCache.value_key(KEY, "png")
    raw = redis_server.client()
    value = raw.get(name)
    raw.set(name, value[:-3] + b"BAD")
    assert shared.get(KEY, "png") is None
    assert shared.corrupt == 1 and metric(shared.metrics, "ogimage_shared_cache_corrupt_total") == 1
    assert raw.exists(name) == 0


def test_claim_single_flight_between_two_processes_views(redis_server):
    first, second = tier(redis_server.url, shared_cache_wait=0.2), tier(redis_server.url, shared_cache_wait=0.2)
    mine = first.claim(KEY, "png")
    assert mine.body is None and mine.token is not None
    # The lock is held: the other waits (polling) and, nothing arriving, renders itself.
    theirs = second.claim(KEY, "png")
    assert theirs == Claim() and second.waited == 1 and second.gave_up == 1
    first.finish(KEY, "png", b"rendered", mine)
    assert redis_server.client().exists(SharedCache.lock_key(KEY, "png")) == 0
    assert second.claim(KEY, "png").body == b"rendered"


def test_a_waiter_gets_the_value_the_holder_stores(redis_server):
    holder, waiter = tier(redis_server.url), tier(redis_server.url, shared_cache_wait=30)
    claim = holder.claim(KEY, "png")
    assert claim.token is not None
    got: list[Claim] = []
    thread = threading.Thread(target=lambda: got.append(waiter.claim(KEY, "png")))
    thread.start()
    while waiter.waited == 0:  # the waiter has seen the lock and is polling
        thread.join(0.01)
    holder.finish(KEY, "png", b"the card", claim)
    thread.join(30)
    assert got == [Claim(body=b"the card")] and waiter.gave_up == 0


def test_async_claim_and_finish(redis_server):
    shared = tier(redis_server.url)

    async def scenario() -> Claim:
        claim = await shared.aclaim(KEY, "png")
        assert claim.token is not None
        await shared.finish_soon(KEY, "png", b"async card", claim)
        return await shared.aclaim(KEY, "png")

    assert asyncio.run(scenario()) == Claim(body=b"async card")


def test_redis_down_trips_the_breaker_then_reconnects(tmp_path: Path):
    clock = Clock()
    port = free_port()
    shared = tier(f"redis://127.0.0.1:{port}/0", clock)
    assert shared.get(KEY, "png") is None and shared.errors == 1 and shared.state == "down"
    assert "ConnectionError" in (shared.last_error or "")
    # While the breaker is open nothing is attempted: no error, no wait.
    assert shared.claim(KEY, "png") == Claim() and shared.put(KEY, "png", b"x") is False
    assert shared.errors == 1 and shared.skipped == 2
    assert metric(shared.metrics, 'ogimage_cache_errors_total{level="shared"}') == 1
    server = start_redis(tmp_path / "redis", port)
    try:
        assert shared.put(KEY, "png", b"x") is False  # still within the breaker's second
        clock.now += BREAKER_SECONDS
        assert shared.put(KEY, "png", b"x") is True and shared.state == "up"
    finally:
        server.stop()


def test_the_same_client_reconnects_after_a_restart(redis_server):
    clock = Clock()
    shared = tier(redis_server.url, clock)
    assert shared.put(KEY, "png", b"before")
    redis_server.stop()
    assert shared.get(KEY, "png") is None and shared.state == "down"
    redis_server.start()  # same port, empty (no persistence)
    clock.now += BREAKER_SECONDS
    assert shared.get(KEY, "png") is None and shared.state == "up"
    assert shared.put(KEY, "png", b"after") and shared.get(KEY, "png") == b"after"


def test_a_slow_redis_times_out_and_is_skipped(redis_server):
    shared = tier(redis_server.url, Clock(), shared_cache_timeout=0.05)
    assert shared.put(KEY, "png", b"x")
    sleeper = threading.Thread(target=lambda: redis_server.client().execute_command("DEBUG", "SLEEP", "0.5"))
    sleeper.start()
    try:
        while shared.state == "up":  # until a call lands inside the sleep and times out
            shared.get(KEY, "png")
        assert "TimeoutError" in (shared.last_error or "") and not shared.available()
        assert shared.get(KEY, "png") is None  # skipped at once while the breaker is open
    finally:
        sleeper.join()


def test_a_full_redis_fails_writes_but_keeps_reads(redis_server):
    shared = tier(redis_server.url)
    assert shared.put(KEY, "png", b"stored before it filled up")
    raw = redis_server.client()
    raw.config_set("maxmemory-policy", "noeviction")
    raw.config_set("maxmemory", "1")
    try:
        assert shared.put("cd" * 32, "png", b"y" * 1000) is False
        assert shared.errors == 1 and "OutOfMemoryError" in (shared.last_error or "")
        assert shared.available()  # Redis answered: no breaker for a full one
        assert shared.get(KEY, "png") == b"stored before it filled up"
    finally:
        raw.config_set("maxmemory", "0")


def test_status_hides_the_password():
    settings = Settings(shared_cache="redis://:s3cret@127.0.0.1:1/0", shared_cache_timeout=0.05)
    shared = SharedCache(connect(settings), settings, Metrics())
    status = shared.status()
    assert status["url"] == "redis://:***@127.0.0.1:1/0" and "s3cret" not in repr(status)
    assert status["state"] == "down" and status["timeout_ms"] == 50.0


# -- the service's hooks: memory -> disk -> shared -> render --------------------------------


def service(tmp_path: Path, url: str, engine: FakeEngine) -> Service:
    settings = Settings(cache_dir=tmp_path, shared_cache=url, shared_cache_timeout=1.0, shared_cache_wait=30)
    return Service(engine, settings)


def test_two_services_share_renders_through_redis(tmp_path: Path, redis_server):
    a_engine, b_engine = FakeEngine(), FakeEngine()
    a, b = service(tmp_path / "a", redis_server.url, a_engine), service(tmp_path / "b", redis_server.url, b_engine)
    card = Card.from_mapping({"title": "Shared"}, template="default")

    async def scenario() -> None:
        first = await a.image(card)
        await a.flush()  # the write to Redis runs in the background
        second = await b.image(card)
        assert (first.level, second.level) == ("render", "shared")
        assert first.body == second.body and first.etag == second.etag
        await b.flush()
        assert (b.disk.path(second.key, "png")).exists()  # a shared hit is written through to disk

    asyncio.run(scenario())
    assert (a_engine.calls, b_engine.calls) == (1, 0)
    # The synchronous path (batch) reads the same tier; a fresh service has empty memory and disk.
    c = service(tmp_path / "c", redis_server.url, FakeEngine())
    assert c.render_cached(card).level == "shared"
    assert c.status()["shared_cache"]["state"] == "up"
    for s in (a, b, c):
        s.close()


def test_services_keep_answering_when_redis_is_down(tmp_path: Path):
    url = f"redis://127.0.0.1:{free_port()}/0"
    engine = FakeEngine()
    s = service(tmp_path, url, engine)
    card = Card.from_mapping({"title": "No Redis"}, template="default")
    assert asyncio.run(s.image(card)).level == "render"
    assert s.render_cached(Card.from_mapping({"title": "No Redis 2"}, template="default")).level == "render"
    assert engine.calls == 2 and s.ready() and s.status()["shared_cache"]["state"] == "down"
    assert metric(s.metrics, 'ogimage_cache_errors_total{level="shared"}') >= 1
    s.close()


def test_a_failed_render_releases_the_lock(tmp_path: Path, redis_server):
    class Broken(FakeEngine):
        def render(self, card: Card, fmt: str = "png") -> bytes:
            raise RuntimeError("boom")

    s = service(tmp_path, redis_server.url, Broken())
    card = Card.from_mapping({"title": "Broken"}, template="default")
    with pytest.raises(RuntimeError):
        s.render_cached(card)
    assert redis_server.client().keys("ogimage:lock:*") == []
    with pytest.raises(RuntimeError):
        asyncio.run(s.image(card))
    s.close()
    assert redis_server.client().keys("ogimage:lock:*") == []


def test_metrics_per_level_count_bytes_written_and_disk_errors(tmp_path: Path, redis_server):
    engine = FakeEngine()
    s = service(tmp_path / "ok", redis_server.url, engine)
    card = Card.from_mapping({"title": "Counted"}, template="default")
    body = s.render_cached(card).body
    assert metric(s.metrics, 'ogimage_cache_written_bytes_total{level="disk"}') == len(body)
    assert metric(s.metrics, 'ogimage_cache_written_bytes_total{level="shared"}') == len(body)
    assert metric(s.metrics, 'ogimage_cache_errors_total{level="disk"}') == 0
    s.close()
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder should be")
    broken = Service(FakeEngine(), Settings(cache_dir=blocked))
    broken.render_cached(card)
    assert metric(broken.metrics, 'ogimage_cache_errors_total{level="disk"}') == 1
    assert metric(broken.metrics, 'ogimage_cache_errors_total{level="shared"}') == 0  # no tier: nothing fails
