"""Two real ``ogimage serve`` replicas (separate disk caches) over one real redis-server.

Everything on 127.0.0.1: the Redis fixture (tests/redis_server.py) runs its own server on
a free port with no persistence; each replica is a subprocess with one worker. The
``ogimage batch`` stand-in is a separate Python process that builds its service with
``ogimage.root.build_service`` and calls ``Service.render_cached``, as the batch does.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import os
import re
import signal
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import httpx
import pytest
from PIL import Image
from redis_server import RedisServer, free_port, start_redis

try:  # the real engine needs the bundled fonts
    from ogimage.engine import Engine  # noqa: F401
except ImportError as exc:  # pragma: no cover - only while main is incomplete
    pytest.skip(f"real engine not importable: {exc}", allow_module_level=True)

from ogimage.shared import SharedCache, unpack

ROOT = Path(__file__).resolve().parent.parent
CARD = "/api/og/default"


def shared_env(redis: RedisServer, cache_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "OGIMAGE_CACHE_DIR": str(cache_dir),
        "OGIMAGE_SIGNING_KEY": "",
        "OGIMAGE_SHARED_CACHE": redis.url,
        # Generous, so a busy test machine never turns a shared hit into a timeout;
        # a stopped Redis refuses connections at once whatever the timeout.
        "OGIMAGE_SHARED_CACHE_TIMEOUT": "2s",
        "OGIMAGE_SHARED_CACHE_WAIT": "30s",
        "OGIMAGE_ACCESS_LOG": "0",
        "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
    }


class Replica:
    """``ogimage serve --workers 1`` on a free port, with its own disk cache."""

    def __init__(self, name: str, folder: Path, redis: RedisServer) -> None:
        self.name = name
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = folder / f"{name}.log"
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "ogimage.cli", "serve", "--host", "127.0.0.1", "--port", str(self.port),
             "--workers", "1"],
            cwd=ROOT, env=shared_env(redis, folder / f"{name}-cache"), stdout=self._log, stderr=subprocess.STDOUT,
        )

    def wait_ready(self) -> None:
        deadline = time.monotonic() + 90
        while True:
            assert self.proc.poll() is None, self.log_path.read_text()
            try:
                if httpx.get(f"{self.base}/readyz", timeout=5).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, f"{self.name} never became ready"
            time.sleep(0.1)

    def card(self, title: str) -> httpx.Response:
        return httpx.get(self.base + CARD, params={"title": title}, timeout=60)

    def metric(self, name: str) -> float:
        text = httpx.get(f"{self.base}/metrics", timeout=10).text
        match = re.search(rf"^{re.escape(name)} (\S+)$", text, re.M)
        return float(match.group(1)) if match else 0.0

    def renders(self) -> float:
        return self.metric("ogimage_renders_total")

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:  # pragma: no cover
            self.proc.kill()
            self.proc.wait()
        self._log.close()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("replicas")
    redis = start_redis(folder / "redis")
    replicas: list[Replica] = []
    try:
        replicas = [Replica("a", folder, redis), Replica("b", folder, redis)]
        for r in replicas:
            r.wait_ready()
        yield redis, replicas[0], replicas[1], folder
    finally:
        for r in replicas:
            r.stop()
        redis.stop()


def unique(label: str) -> str:
    return f"{label} {time.time_ns()} 共有キャッシュ"


def stored_value(redis: RedisServer, etag: str) -> tuple[bytes, bytes]:
    """The (Redis key, value) of the one image whose content key starts with the ETag's 32 characters."""
    client = redis.client()
    names = list(client.scan_iter(match="ogimage:img:{" + etag.strip('"') + "*"))
    assert len(names) == 1, names
    return names[0], client.get(names[0])


def test_the_second_replica_answers_from_the_shared_tier(cluster):
    redis, a, b, _ = cluster
    title = unique("Two replicas")
    first = a.card(title)
    second = b.card(title)
    assert first.status_code == second.status_code == 200
    assert (first.headers["x-cache"], second.headers["x-cache"]) == ("render", "shared")
    assert first.content == second.content and first.headers["etag"] == second.headers["etag"]
    assert Image.open(io.BytesIO(second.content)).size == (1200, 630)
    assert "stale-if-error=" in second.headers["cache-control"]
    # B keeps it: memory now, and on its own disk.
    assert b.card(title).headers["x-cache"] == "memory"
    assert b.metric('ogimage_cache_hits_total{level="shared"}') >= 1
    assert b.metric('ogimage_shared_cache_duration_seconds_count{op="claim"}') >= 1
    ready = httpx.get(f"{b.base}/readyz").json()
    assert ready["status"] == "ready" and ready["shared_cache"]["state"] == "up"
    assert ready["shared_cache"]["url"] == redis.url


async def fetch_at_once(targets: list[tuple[int, str]]) -> list[tuple[int, dict[str, str], bytes]]:
    """Open one connection per (port, path) first, then send every GET at once; (status, headers, body)."""
    conns = await asyncio.gather(*(asyncio.open_connection("127.0.0.1", port) for port, _ in targets))

    async def one(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, port: int, path: str):
        try:
            writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n".encode())
            await writer.drain()
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
            headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in head[1:] if line)}
            body = await reader.readexactly(int(headers.get("content-length", 0)))
            return int(head[0].split()[1]), headers, body
        finally:
            writer.close()

    jobs = (one(r, w, port, path) for (r, w), (port, path) in zip(conns, targets))
    return await asyncio.wait_for(asyncio.gather(*jobs), 120)


def test_concurrent_requests_on_both_replicas_render_once(cluster):
    _, a, b, _ = cluster
    path = CARD + "?" + urllib.parse.urlencode({"title": unique("Thundering herd")})
    before = a.renders() + b.renders()
    answers = asyncio.run(fetch_at_once([(r.port, path) for r in (a, b) * 8]))
    assert [status for status, _, _ in answers] == [200] * 16
    assert len({body for _, _, body in answers}) == 1 and len({h["etag"] for _, h, _ in answers}) == 1
    assert a.renders() + b.renders() - before == 1
    levels = {h["x-cache"] for _, h, _ in answers}
    assert "render" in levels and "shared" in levels and levels <= {"render", "shared", "memory"}


BATCH = """
import hashlib, json, sys
from ogimage.root import build_service
service = build_service()
card = service.card({"title": sys.argv[1]}, "default")
r = service.render_cached(card, "png")
print(json.dumps({"level": r.level, "etag": r.etag, "sha256": hashlib.sha256(r.body).hexdigest(),
                  "again": service.render_cached(card, "png").level}))
service.close()
"""


def run_batch(redis: RedisServer, folder: Path, title: str) -> dict[str, str]:
    import json

    done = subprocess.run(
        [sys.executable, "-c", BATCH, title], cwd=ROOT, env=shared_env(redis, folder / "batch-cache"),
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_batch_rendered_card_is_a_shared_hit(cluster):
    redis, a, b, folder = cluster
    title = unique("Pre-rendered at build time")
    batch = run_batch(redis, folder, title)
    assert (batch["level"], batch["again"]) == ("render", "memory")
    renders = a.renders()
    answer = a.card(title)
    assert answer.headers["x-cache"] == "shared" and answer.headers["etag"] == batch["etag"]
    assert hashlib.sha256(answer.content).hexdigest() == batch["sha256"]
    assert a.renders() == renders
    # And the other way: a card the server rendered is a shared hit for the batch.
    title = unique("Rendered live")
    assert b.card(title).headers["x-cache"] == "render"
    deadline = time.monotonic() + 30
    while run_batch(redis, folder, title)["level"] != "shared":  # B stores it in the background
        assert time.monotonic() < deadline, "the server's render never reached the batch"


def test_a_corrupt_value_is_detected_and_re_rendered(cluster):
    redis, a, b, _ = cluster
    title = unique("Corrupted in Redis")
    good = a.card(title)
    assert good.headers["x-cache"] == "render"
    deadline = time.monotonic() + 30
    while not list(redis.client().scan_iter(match="ogimage:img:{" + good.headers["etag"].strip('"') + "*")):
        assert time.monotonic() < deadline, "A never stored its render"
        time.sleep(0.02)
    name, value = stored_value(redis, good.headers["etag"])
    redis.client().set(name, value[:-10] + bytes(b ^ 0xFF for b in value[-10:]))  # same length, flipped bits
    corrupt = b.metric("ogimage_shared_cache_corrupt_total")
    answer = b.card(title)
    assert answer.status_code == 200 and answer.headers["x-cache"] == "render"
    assert answer.content == good.content and answer.headers["etag"] == good.headers["etag"]
    assert b.metric("ogimage_shared_cache_corrupt_total") == corrupt + 1
    key, fmt = name.decode().removeprefix("ogimage:img:{").removesuffix("}").split(".")
    deadline = time.monotonic() + 30
    while True:  # B's render replaces the corrupt value (in the background)
        value = redis.client().get(name)
        if value is not None and unpack(key, fmt, value) == good.content:
            break
        assert time.monotonic() < deadline, "the corrupt value was never replaced"
        time.sleep(0.02)
    assert name == SharedCache.value_key(key, fmt).encode()


def test_replicas_keep_answering_while_redis_is_down_and_recover(cluster):
    redis, a, b, _ = cluster
    cached = unique("Cached before the outage")
    assert a.card(cached).status_code == 200
    redis.stop()
    errors = a.metric('ogimage_cache_errors_total{level="shared"}')
    for i in range(6):
        for replica in (a, b):
            answer = replica.card(f"{unique('During the outage')} {i}")
            assert answer.status_code == 200 and answer.headers["x-cache"] == "render"
            assert Image.open(io.BytesIO(answer.content)).format == "PNG"
    assert a.card(cached).headers["x-cache"] == "memory"
    assert b.card(cached).status_code == 200  # not in B's memory or disk, Redis down: rendered
    assert a.metric('ogimage_cache_errors_total{level="shared"}') > errors
    ready = httpx.get(f"{a.base}/readyz")
    assert ready.status_code == 200 and ready.json()["shared_cache"]["state"] == "down"
    assert "ConnectionError" in ready.json()["shared_cache"]["last_error"]

    redis.start()  # same port, empty: the replicas reconnect by themselves
    deadline = time.monotonic() + 60
    while True:
        title = unique("After the outage")
        a.card(title)
        if b.card(title).headers["x-cache"] == "shared":
            break
        assert time.monotonic() < deadline, "the replicas never shared a card again"
        time.sleep(0.2)
    assert httpx.get(f"{a.base}/readyz").json()["shared_cache"]["state"] == "up"


def test_the_ogimage_batch_command_fills_the_shared_tier(cluster, tmp_path: Path):
    """The real ``ogimage batch`` (its process pool, its workers' services) writes through the
    same tier: a page it rendered is a shared hit on a replica, byte for byte."""
    redis, a, _b, folder = cluster
    title = unique("Built by ogimage batch")
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "post.md").write_text(f"---\ntitle: {title}\n---\n\nBody.\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "ogimage.cli", "batch", "content", "--out", "og", "--jobs", "2", "--quiet"],
        cwd=tmp_path, env=shared_env(redis, folder / "batch-command-cache"), capture_output=True, text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    built = (tmp_path / "og" / "post.png").read_bytes()
    renders = a.renders()
    answer = a.card(title)
    assert answer.headers["x-cache"] == "shared"
    assert answer.content == built
    assert a.renders() == renders
