"""/metrics with several workers forgets a worker that died (real ``ogimage serve --workers 2``)."""

from __future__ import annotations

import os
import re
import shutil
import signal
import time
from pathlib import Path

import httpx
from prometheus_client import CollectorRegistry, generate_latest, multiprocess
from serve_helpers import children, serve


def memory_entries(text: str) -> float:
    match = re.search(r'^ogimage_cache_entries\{level="memory"\} (\S+)$', text, re.M)
    return float(match.group(1)) if match else 0.0


def entries_of(pid: int, folder: Path, scratch: Path) -> float:
    """One worker's memory-cache entries, read from its own gauge file only."""
    if scratch.exists():
        shutil.rmtree(scratch)
    scratch.mkdir()
    for f in folder.glob(f"gauge_livesum_{pid}.db"):
        shutil.copy(f, scratch / f.name)
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=str(scratch))
    return memory_entries(generate_latest(registry).decode())


def test_a_killed_worker_no_longer_counts_in_metrics(tmp_path: Path):
    folder = tmp_path / "metrics"
    folder.mkdir()
    env = {"PROMETHEUS_MULTIPROC_DIR": str(folder), "OGIMAGE_DISK_CACHE": "0"}
    with serve(tmp_path, env, workers=2) as server:
        workers = children(server.proc.pid)
        assert len(workers) == 2
        with httpx.Client(base_url=server.base, timeout=30) as client:
            for i in range(40):  # new connections: the kernel spreads them over both workers
                httpx.get(f"{server.base}/api/og/plain", params={"title": f"card {i}"}, timeout=30)
            total = memory_entries(client.get("/metrics").text)
        assert total == 40
        per_worker = {pid: entries_of(pid, folder, tmp_path / "one") for pid in workers}
        victim = max(per_worker, key=per_worker.__getitem__)
        assert per_worker[victim] > 0 and sum(per_worker.values()) == total
        os.kill(victim, signal.SIGKILL)
        deadline = time.monotonic() + 90
        while True:  # uvicorn replaces the dead worker
            now = children(server.proc.pid)
            if victim not in now and len(now) == 2:
                break
            assert time.monotonic() < deadline, "the worker was never replaced:\n" + server.output()
            time.sleep(0.2)
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(f"{server.base}/readyz", timeout=5).status_code == 200:
                    r = httpx.get(f"{server.base}/metrics", timeout=5)
                    if r.status_code == 200:
                        break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline
            time.sleep(0.2)
        # Only the live workers' entries: the dead one's are gone from the sum and from the folder.
        assert memory_entries(r.text) == total - per_worker[victim], r.text
        assert not list(folder.glob(f"gauge_live*_{victim}.db"))
