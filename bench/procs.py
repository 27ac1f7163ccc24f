"""Server subprocesses for the benchmarks: start, wait until ready, always stop.

    with ogimage_server() as srv:          # ogimage serve on a free port, 1 worker
        status, headers, body = srv.get("/api/og/plain?title=Hi")
"""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType

from common import ROOT, clean_env, free_port, ogimage_cmd

HOST = "127.0.0.1"


def http_get(port: int, path: str, timeout: float = 30.0) -> tuple[int, dict[str, str], bytes]:
    """One GET to 127.0.0.1:port; status, lower-cased headers, body."""
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        body = resp.read()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, body
    finally:
        conn.close()


class Server:
    """A server subprocess in its own session, stopped (SIGTERM, then SIGKILL) on exit."""

    def __init__(self, cmd: Sequence[str], port: int, env: Mapping[str, str] | None = None,
                 name: str = "server") -> None:
        self.cmd = list(cmd)
        self.port = port
        self.env = dict(env) if env is not None else clean_env()
        self.name = name
        self.proc: subprocess.Popen[bytes] | None = None
        self.started = 0.0
        fd, log = tempfile.mkstemp(prefix=f"bench-{name}-", suffix=".log")
        os.close(fd)
        self.log_path = Path(log)

    def start(self) -> Server:
        with open(self.log_path, "wb") as log:
            self.started = time.perf_counter()
            self.proc = subprocess.Popen(self.cmd, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, start_new_session=True)
        return self

    def log_tail(self, n: int = 1500) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-n:]
        except OSError:
            return ""

    def wait_ready(self, path: str = "/readyz", timeout: float = 60.0, interval: float = 0.01) -> float:
        """Poll ``path`` every ``interval`` s until it answers 200; seconds since start."""
        assert self.proc is not None
        deadline = time.perf_counter() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}: {self.log_tail()}")
            try:
                status, _, _ = http_get(self.port, path, timeout=2)
                if status == 200:
                    return time.perf_counter() - self.started
            except OSError:
                pass
            if time.perf_counter() > deadline:
                raise TimeoutError(f"{self.name} not ready after {timeout:.0f}s: {self.log_tail()}")
            time.sleep(interval)

    def get(self, path: str, timeout: float = 30.0) -> tuple[int, dict[str, str], bytes]:
        return http_get(self.port, path, timeout)

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM the process group this server leads, then SIGKILL if it lingers."""
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5.0)):
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                return
            try:
                proc.wait(wait)
                return
            except subprocess.TimeoutExpired:
                continue

    def __enter__(self) -> Server:
        if self.proc is None:
            self.start()
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()
        if et is None:
            self.log_path.unlink(missing_ok=True)


def ogimage_server(env: Mapping[str, str] | None = None, port: int | None = None) -> Server:
    """``ogimage serve --host 127.0.0.1 --port P --workers 1`` (not started yet), disk cache off."""
    port = port or free_port()
    cmd = [*ogimage_cmd(), "serve", "--host", HOST, "--port", str(port), "--workers", "1"]
    return Server(cmd, port, clean_env(env), name="ogimage")


def metric_values(text: str, name: str) -> dict[str, float]:
    """Every sample of metric ``name`` in a Prometheus text exposition, by its label string."""
    out: dict[str, float] = {}
    for line in text.splitlines():
        if line.startswith(name) and not line.startswith("#"):
            head, _, value = line.rpartition(" ")
            metric, _, labels = head.partition("{")
            if metric == name:
                out["{" + labels if labels else ""] = float(value)
    return out
