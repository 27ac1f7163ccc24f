"""Smoke test: a real ``ogimage serve`` process on 127.0.0.1, started and stopped cleanly."""

from __future__ import annotations

import io
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from PIL import Image

try:  # the real engine needs the bundled fonts
    from ogimage.engine import Engine  # noqa: F401
except ImportError as exc:  # pragma: no cover - only while main is incomplete
    pytest.skip(f"real engine not importable: {exc}", allow_module_level=True)

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("workers", [1, 2])
def test_serve_fetch_metrics_and_stop(tmp_path: Path, workers: int):
    port = free_port()
    env = {
        **os.environ,
        "OGIMAGE_CACHE_DIR": str(tmp_path / "cache"),
        "OGIMAGE_SIGNING_KEY": "",
        "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
    }
    log = open(tmp_path / "server.log", "wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "ogimage.cli", "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, (tmp_path / "server.log").read_text()
            try:
                ready = httpx.get(f"{base}/readyz", timeout=2)
                if ready.status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "server never became ready"
            time.sleep(0.1)
        assert ready.json()["layout_engine"] in ("raqm", "basic")

        card = httpx.get(f"{base}/api/og/default", params={"title": "Smoke test", "lang": "en"}, timeout=30)
        assert card.status_code == 200 and card.headers["content-type"] == "image/png"
        assert int(card.headers["content-length"]) == len(card.content)
        image = Image.open(io.BytesIO(card.content))
        assert image.format == "PNG" and image.size == (1200, 630)
        again = httpx.get(f"{base}/api/og-default.png", params={"title": "Smoke test", "lang": "en"})
        assert again.content == card.content and again.headers["etag"] == card.headers["etag"]

        # With several workers, /metrics in any of them adds up all of them.
        metrics = httpx.get(f"{base}/metrics").text
        assert 'ogimage_requests_total{route="/api/og/{template}",status="200"} 1.0' in metrics
        assert 'ogimage_requests_total{route="/api/og-{template}",status="200"} 1.0' in metrics
        if workers == 1:
            assert again.headers["x-cache"] == "memory"
            assert "ogimage_renders_total 1.0" in metrics
            assert 'ogimage_cache_hits_total{level="memory"} 1.0' in metrics
        else:
            assert again.headers["x-cache"] in ("memory", "disk", "render")
            assert "ogimage_renders_total" in metrics
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            code = proc.wait(timeout=10)
        except subprocess.TimeoutExpired:  # pragma: no cover
            proc.kill()
            raise
        log.close()
    output = (tmp_path / "server.log").read_text()
    assert code == 0, output
    assert "service is open" in output and "method=GET" in output
    assert list((tmp_path / "cache").rglob("*.png"))  # written through to disk before exit
