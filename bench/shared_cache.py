"""The shared cache tier (Redis): hit latency and requests/s next to memory and disk hits,
and what a down Redis adds to a miss.

A redis-server of its own on a free 127.0.0.1 port (temp folder, no persistence) is
started and always stopped; everything else is 127.0.0.1 too, and every loop is bounded.

1. **HTTP**, one card URL answered by ``ogimage serve --workers 1`` from one level:
   ``memory`` (default), ``disk`` (memory cache 0), ``shared`` (memory cache 0, disk off,
   ``OGIMAGE_SHARED_CACHE`` set). Each server is checked to answer ``X-Cache`` of its level,
   then loaded (wrk, else an asyncio client) for ``seconds``; best of ``repeats``.
2. **In process**, per operation: a hit in ``MemoryCache.get``, ``DiskCache.get``,
   ``SharedCache.get`` (sync, the batch's) and ``SharedCache.aclaim`` (the server's, with its
   thread hop); a shared miss (``aclaim`` taking the lock) and its ``finish`` (store and
   release, off the request path); ``aclaim`` while Redis is down and the breaker open.
3. **A miss** (``Service.image`` of a new card, real engine) with no tier, with Redis up,
   and with Redis down (port closed): the breaker skips it after the first failure; and
   the tier's own time per miss when down with the breaker closed each time (a fresh
   connection refused), the worst case before the breaker opens.

    python bench/shared_cache.py [--seconds 5] [--repeats 2] [--misses 30]
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ROOT, Section, fmt, free_port, median, table  # noqa: E402
from http_load import best, load  # noqa: E402
from procs import HOST, ogimage_server  # noqa: E402

sys.path.insert(0, str(ROOT))
TITLE = "Shared cache: Redis next to memory and disk — 共有キャッシュ"


class Redis:
    """redis-server on a free 127.0.0.1 port in a temp folder, no persistence; stopped on exit."""

    def __init__(self) -> None:
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.port = free_port()
        self.folder = tempfile.mkdtemp(prefix="bench-redis-")
        self.proc = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", HOST, "--dir", self.folder, "--save", "",
             "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
        )
        self.url = f"redis://{HOST}:{self.port}/0"
        import redis

        client = redis.Redis(host=HOST, port=self.port, socket_timeout=2)
        deadline = time.monotonic() + 20
        while True:
            try:
                if client.ping():
                    break
            except redis.RedisError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    self.stop()
                    raise RuntimeError("redis-server did not start") from None
                time.sleep(0.02)
        client.close()

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> Redis:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def http_levels(redis_url: str, seconds: float, repeats: int) -> dict[str, dict]:
    """Requests/s and latency of one card URL answered from each level."""
    path = "/api/og/default?" + urllib.parse.urlencode({"title": TITLE})
    out: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="bench-shared-disk-") as disk:
        levels = {
            "memory": {},
            "disk": {"OGIMAGE_MEMORY_CACHE_BYTES": "0", "OGIMAGE_DISK_CACHE": "1", "OGIMAGE_CACHE_DIR": disk},
            "shared": {"OGIMAGE_MEMORY_CACHE_BYTES": "0", "OGIMAGE_SHARED_CACHE": redis_url},
        }
        for level, env in levels.items():
            with ogimage_server({"OGIMAGE_ACCESS_LOG": "0", **env}) as srv:
                srv.wait_ready()
                for _ in range(3):  # the first answer renders (and writes the level); then it is a hit
                    status, headers, body = srv.get(path)
                if status != 200 or headers.get("x-cache") != level:
                    raise RuntimeError(f"{level}: answered {status} x-cache={headers.get('x-cache')!r}")
                runs = [load(srv.port, path, seconds, 32) for _ in range(repeats)]
            top = best(runs)
            out[level] = {"rps": top.rps, "p50_ms": top.p50_ms, "p99_ms": top.p99_ms, "errors": top.errors,
                          "tool": top.tool, "bytes": len(body), "runs": [r.rps for r in runs]}
    return out


def _per_call_us(call: Callable[[], object], n: int) -> float:
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1e6)
    return median(samples)


def lookups(redis_url: str, n: int = 2000) -> dict[str, float]:
    """Median µs of one hit at each level, in process."""
    from ogimage.cache import DiskCache, MemoryCache
    from ogimage.metrics import Metrics
    from ogimage.settings import Settings
    from ogimage.shared import open_shared

    body = bytes(range(256)) * 60  # ~15 KiB, a typical palette card
    key = "ab" * 32
    memory: MemoryCache[bytes] = MemoryCache(1 << 20)
    memory.put(key, body)
    shared = open_shared(Settings(shared_cache=redis_url, shared_cache_timeout=1.0), Metrics())
    assert shared is not None
    shared.put(key, "png", body)
    with tempfile.TemporaryDirectory(prefix="bench-shared-lookup-") as folder:
        disk = DiskCache(Path(folder))
        disk.put(key, "png", body)
        out = {
            "memory hit": _per_call_us(lambda: memory.get(key), n),
            "disk hit": _per_call_us(lambda: disk.get(key, "png"), n),
            "shared hit (sync get: the batch's)": _per_call_us(lambda: shared.get(key, "png"), n),
        }

    async def timed(make: Callable[[int], object], count: int) -> float:
        samples = []
        for i in range(count):
            start = time.perf_counter()
            await make(i)  # type: ignore[misc]
            samples.append((time.perf_counter() - start) * 1e6)
        return median(samples)

    async def tier_times() -> dict[str, float]:
        claims: dict[int, object] = {}

        async def miss(i: int) -> None:
            claims[i] = await shared.aclaim(f"{i:064x}", "png")

        times = {
            "shared hit (async claim: the server's)": await timed(lambda i: shared.aclaim(key, "png"), n),
            "shared miss (async claim, takes the lock)": await timed(miss, n // 4),
            "shared finish (store + release; in the background)": await timed(
                lambda i: shared.finish_soon(f"{i:064x}", "png", body, claims[i]), n // 4),  # type: ignore[arg-type]
        }
        down = open_shared(Settings(shared_cache=f"redis://{HOST}:{free_port()}/0"), Metrics())
        assert down is not None
        down.get(key, "png")  # fails: the breaker opens for a second
        times["Redis down, breaker open (async claim)"] = await timed(lambda i: down.aclaim(key, "png"), 200)
        down.close()
        return times

    out.update(asyncio.run(tier_times()))
    shared.close()
    return out


def misses(redis_url: str, n: int) -> dict[str, dict[str, float]]:
    """Median ms of a miss (new card: render included) per configuration, and the tier's counters.

    The three services are built first and take turns, card by card, so the machine's
    noise and the engine's warm-up fall on all of them alike."""
    from ogimage.root import build_service
    from ogimage.settings import Settings

    down_url = f"{HOST}:{free_port()}"  # nothing listens there
    configs = {"no shared tier": "", "Redis up": redis_url, "Redis down": f"redis://{down_url}/0"}
    out: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-shared-miss-") as folder:
        services = {name: build_service(Settings(disk_cache=False, cache_dir=Path(folder), shared_cache=url))
                    for name, url in configs.items()}

        async def run() -> dict[str, list[float]]:
            times: dict[str, list[float]] = {name: [] for name in services}
            for i in range(n + 3):  # 3 warm-up rounds (fonts digest, first connection)
                for name, service in services.items():
                    card = service.card({"title": f"{TITLE} {name} {i} {time.time_ns()}"}, "default")
                    start = time.perf_counter()
                    await service.image(card)
                    if i >= 3:
                        times[name].append((time.perf_counter() - start) * 1e3)
            for service in services.values():
                await service.flush()
            return times

        times = asyncio.run(run())
        for name, service in services.items():
            row = {"miss_ms": median(times[name])}
            if service.shared is not None:
                row["errors"] = service.shared.errors
                row["skipped"] = service.shared.skipped
            out[name] = row
            service.close()
    out["Redis down"]["tier_fresh_failure_us"] = _fresh_failure_us(configs["Redis down"], 200)
    return out


def _fresh_failure_us(url: str, n: int) -> float:
    """The tier's time for one claim + finish when Redis is down and the breaker is closed each time."""
    from ogimage.metrics import Metrics
    from ogimage.settings import Settings
    from ogimage.shared import open_shared

    shared = open_shared(Settings(shared_cache=url), Metrics())
    assert shared is not None

    def once() -> None:
        shared._open_until = 0.0  # as if the last failure were more than a second ago
        claim = shared.claim("cd" * 32, "png")
        shared.finish("cd" * 32, "png", b"x", claim)

    us = _per_call_us(once, n)
    shared.close()
    return us


def measure(seconds: float = 5, repeats: int = 2, n_misses: int = 30) -> dict:
    with Redis() as redis:
        return {"http": http_levels(redis.url, seconds, repeats), "lookups": lookups(redis.url),
                "misses": misses(redis.url, n_misses)}


def section(seconds: float = 5, repeats: int = 2, n_misses: int = 30) -> Section:
    m = measure(seconds, repeats, n_misses)
    http = m["http"]
    mem = http["memory"]["rps"]
    rows = [[level, fmt(r["rps"], 0), f"{r['rps'] / mem:.2f}", fmt(r["p50_ms"], 2), fmt(r["p99_ms"], 2), r["errors"]]
            for level, r in http.items()]
    body = (f"One {http['memory']['bytes']:,}-byte card through `ogimage serve --workers 1`, answered from one "
            f"level each ({http['memory']['tool']}, 32 connections, {seconds:g} s, best of {repeats}):\n\n")
    body += table(["level", "req/s", "× memory", "p50 ms", "p99 ms", "errors"], [list(map(str, r)) for r in rows])
    body += "\n\nOne operation in process (median µs; Redis on 127.0.0.1, a ~15 KiB value):\n\n"
    body += table(["operation", "µs"], [[k, fmt(v, 1)] for k, v in m["lookups"].items()])
    base = m["misses"]["no shared tier"]["miss_ms"]
    miss_rows = []
    for name, r in m["misses"].items():
        extra = f"{r.get('errors', '-')} errors, {r.get('skipped', '-')} skipped" if "errors" in r else "-"
        miss_rows.append([name, fmt(r["miss_ms"], 2), f"{r['miss_ms'] - base:+.2f}", extra])
    body += f"\n\nA miss (new card, real render, {n_misses} each, median):\n\n"
    body += table(["configuration", "miss ms", "vs no tier", "tier"], miss_rows)
    fresh = m["misses"]["Redis down"]["tier_fresh_failure_us"]
    body += (f"\n\nRedis down with the breaker closed (a fresh connection refused each time): the tier's "
             f"claim + finish cost {fmt(fresh, 1)} µs; after that failure the breaker skips Redis for 1 s.\n")
    return Section("Shared cache tier (Redis)", body, data=m)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=5)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--misses", type=int, default=30)
    args = ap.parse_args(argv)
    print(section(min(args.seconds, 60), min(args.repeats, 10), min(args.misses, 500)).markdown())
    return 0


if __name__ == "__main__":
    sys.exit(main())
