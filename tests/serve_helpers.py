"""A real ``ogimage serve`` on 127.0.0.1 for tests: started on a free port, waited for, stopped."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Served:
    base: str
    port: int
    proc: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def rss_kib(pid: int) -> int:
    """The resident set size of ``pid`` (Linux ``/proc``)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


def children(pid: int) -> list[int]:
    """uvicorn's worker processes under its supervisor ``pid`` (not multiprocessing's resource tracker)."""
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                try:
                    cmdline = (entry / "cmdline").read_bytes()
                except OSError:
                    continue
                if b"spawn_main" in cmdline:
                    out.append(int(entry.name))
    return out


@contextmanager
def serve(tmp_path: Path, env: Mapping[str, str] | None = None, workers: int = 1, *,
          args: Sequence[str] = (), ready_timeout: float = 90, stop_timeout: float = 20) -> Iterator[Served]:
    """``ogimage serve --workers N *args`` on a free port; yields once ``/readyz`` is 200; SIGTERM after.

    The process sees none of this environment's ``OGIMAGE_*`` variables: only a cache
    folder under ``tmp_path``, no signing key, and ``env``. Its output goes to
    ``Served.log``; after the block ``Served.proc.returncode`` is its exit code (0 for a
    clean stop; a process that outlives ``stop_timeout`` is killed, so it is negative).
    """
    port = free_port()
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("OGIMAGE_")}
    full_env.update({
        "OGIMAGE_CACHE_DIR": str(tmp_path / "cache"),
        "OGIMAGE_SIGNING_KEY": "",
        "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
        **(env or {}),
    })
    log_path = tmp_path / f"server-{port}.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "ogimage.cli", "serve", *args, "--host", "127.0.0.1", "--port", str(port),
             "--workers", str(workers)],
            cwd=ROOT, env=full_env, stdout=log, stderr=subprocess.STDOUT,
        )
    served = Served(f"http://127.0.0.1:{port}", port, proc, log_path)
    try:
        deadline = time.monotonic() + ready_timeout
        while True:
            assert proc.poll() is None, served.output()
            try:
                if httpx.get(f"{served.base}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "server never became ready:\n" + served.output()
            time.sleep(0.1)
        yield served
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=stop_timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
