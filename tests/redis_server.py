"""A real ``redis-server`` for tests: its own free port on 127.0.0.1, a temp folder, no persistence.

    from redis_server import redis_server   # the fixture (function scope)
    def test_x(redis_server): redis_server.url, redis_server.client(), .stop(), .start()

Skips (naming the reason) only when ``redis-server`` is not installed; ``.ci/run``
installs it. Every server started is stopped (SIGTERM, then SIGKILL) at the end.
"""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REDIS_SERVER = shutil.which("redis-server") or ("/usr/bin/redis-server" if Path("/usr/bin/redis-server").exists() else None)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _major_version() -> int:
    out = subprocess.run([REDIS_SERVER, "--version"], capture_output=True, text=True).stdout  # type: ignore[list-item]
    found = re.search(r"v=(\d+)", out)
    return int(found.group(1)) if found else 0


class RedisServer:
    """One redis-server process; ``stop()`` and ``start()`` again keep the port (and lose the data)."""

    def __init__(self, folder: Path, port: int | None = None) -> None:
        assert REDIS_SERVER is not None
        self.folder = folder
        self.port = port or free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        self.folder.mkdir(parents=True, exist_ok=True)
        cmd = [
            REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.folder),
            "--save", "", "--appendonly", "no", "--daemonize", "no", "--logfile", str(self.folder / "redis.log"),
        ]
        if _major_version() >= 7:  # DEBUG SLEEP (a slow Redis) is off by default since 7.0
            cmd += ["--enable-debug-command", "local"]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        client = self.client()
        while True:
            assert self.proc.poll() is None, (self.folder / "redis.log").read_text(errors="replace")
            try:
                if client.ping():
                    break
            except Exception:  # noqa: BLE001 - not listening yet
                pass
            assert time.monotonic() < deadline, "redis-server never answered PING"
            time.sleep(0.02)
        client.close()
        return self

    def stop(self) -> None:
        if self.proc is None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:  # pragma: no cover
            self.proc.kill()
            self.proc.wait()
        self.proc = None

    def client(self) -> Any:
        import redis

        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=5)


def start_redis(folder: Path, port: int | None = None) -> RedisServer:
    """A started server (on ``port``, else a free one); skips the test if redis-server is absent."""
    if REDIS_SERVER is None:
        pytest.skip("redis-server is not installed (Debian: apt-get install redis-server; .ci/run does)")
    return RedisServer(folder, port).start()


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    server = start_redis(tmp_path / "redis")
    try:
        yield server
    finally:
        server.stop()
