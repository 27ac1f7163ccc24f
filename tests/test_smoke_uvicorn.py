"""Smoke test: a real ``ogimage serve`` process on 127.0.0.1, started and stopped cleanly."""

from __future__ import annotations

import io
from pathlib import Path

import httpx
import pytest
from PIL import Image

from serve_helpers import serve

try:  # the real engine needs the bundled fonts
    from ogimage.engine import Engine  # noqa: F401
except ImportError as exc:  # pragma: no cover - only while main is incomplete
    pytest.skip(f"real engine not importable: {exc}", allow_module_level=True)


@pytest.mark.parametrize("workers", [1, 2])
def test_serve_fetch_metrics_and_stop(tmp_path: Path, workers: int):
    with serve(tmp_path, workers=workers, ready_timeout=60, stop_timeout=10) as served:
        base = served.base
        ready = httpx.get(f"{base}/readyz", timeout=10)
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
    output = served.output()
    assert served.proc.returncode == 0, output
    assert "service is open" in output and "method=GET" in output
    assert list((tmp_path / "cache").rglob("*.png"))  # written through to disk before exit
