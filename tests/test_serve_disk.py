"""The disk cache through the service: its size in /metrics, a refusing disk in /metrics and /readyz.

The serve tests run a real ``ogimage serve`` on 127.0.0.1 and stop it with SIGTERM.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import httpx
from fastapi.testclient import TestClient

from serve_helpers import serve
from service_fakes import make_app


def _disk_samples(metrics: str) -> list[float]:
    return [float(v) for v in re.findall(r'^ogimage_cache_bytes\{level="disk"\} (\S+)$', metrics, re.M)]


def _errors(metrics: str) -> float:
    found = re.findall(r'^ogimage_cache_errors_total\{level="disk"\} (\S+)$', metrics, re.M)
    return float(found[0]) if found else -1.0


def test_metrics_and_readyz_report_the_disk_cache(tmp_path: Path) -> None:
    with TestClient(make_app(tmp_path)) as client:
        assert client.get("/api/og/default", params={"title": "one"}).status_code == 200
        client.app.state.service.disk.budget  # noqa: B018 - the folder's budget exists
        deadline = time.monotonic() + 10
        while not list((tmp_path / "cache").glob("??/*.png")) and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.05)
        on_disk = sum(p.stat().st_size for p in (tmp_path / "cache").glob("??/*.png"))
        metrics = client.get("/metrics").text
        assert _disk_samples(metrics) == [float(on_disk)] and _errors(metrics) == 0
        ready = client.get("/readyz").json()
        assert ready["disk_cache_bytes"] == on_disk and ready["disk_cache_errors"] == 0
        assert ready["disk_cache_max_bytes"] == 1 << 30


def test_a_refusing_disk_keeps_serving_and_is_reported(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("where the cache folder should be")
    with TestClient(make_app(tmp_path, cache_dir=tmp_path / "file" / "cache")) as client:
        for title in ("one", "two"):
            assert client.get("/api/og/default", params={"title": title}).status_code == 200
        deadline = time.monotonic() + 10
        while client.get("/readyz").json()["disk_cache_errors"] < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        ready = client.get("/readyz")
        assert ready.status_code == 200 and ready.json()["status"] == "ready"
        assert ready.json()["disk_cache_errors"] >= 2  # two writes refused
        assert _errors(client.get("/metrics").text) >= 2


def test_serve_workers_share_one_bounded_folder(tmp_path: Path) -> None:
    bound = 150_000
    cache = tmp_path / "cache"
    env = {"OGIMAGE_DISK_CACHE_BYTES": str(bound), "OGIMAGE_MEMORY_CACHE_BYTES": "0"}
    with serve(tmp_path, env, workers=2, stop_timeout=30) as served:
        base = served.base
        for i in range(30):  # ~27 KB each: about five times the bound
            card = httpx.get(f"{base}/api/og/default", params={"title": f"Card number {i}"}, timeout=30)
            assert card.status_code == 200
        time.sleep(0.5)  # the last background writes
        samples = _disk_samples(httpx.get(f"{base}/metrics", timeout=10).text)
        assert len(samples) == 1 and 0 < samples[0] <= bound  # one value for the shared folder, not a sum
    assert served.proc.returncode == 0, served.output()
    on_disk = sum(p.stat().st_size for p in cache.glob("??/*.png"))
    assert 0 < on_disk <= int((cache / ".ogimage-size").read_text()) <= bound  # the record errs high, never low
