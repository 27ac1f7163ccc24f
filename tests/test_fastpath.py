"""The fast path (ogimage/http/fastpath.py) through the real app: same answers as the full route."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from service_fakes import FakeEngine, make_app

from ogimage.signing import sign_url

URL = "/api/og/default?title=Fast%20path&lang=en"
COMPARED = ("content-type", "content-length", "etag", "cache-control", "x-cache")


class Counted:
    """Counts how often the full image route resolves a URL (the fast path never does)."""

    def __init__(self, client: TestClient) -> None:
        self.service = client.app.state.service  # type: ignore[attr-defined]
        self.calls = 0
        original = self.service.resolved

        def resolved(token, resolve):  # type: ignore[no-untyped-def]
            self.calls += 1
            return original(token, resolve)

        self.service.resolved = resolved


def test_repeat_is_answered_by_the_fast_path_like_the_full_route(client: TestClient, fake_engine: FakeEngine):
    full = Counted(client)
    first = client.get(URL)
    assert first.status_code == 200 and first.headers["x-cache"] == "render" and full.calls == 1
    fast = client.get(URL)
    assert full.calls == 1, "an exact repeat must not reach the full route"
    assert fast.status_code == 200 and fast.content == first.content
    # The full route's own memory hit, for comparison: forget the URL, keep the image.
    full.service._resolved.clear()
    slow = client.get(URL)
    assert full.calls == 2 and slow.headers["x-cache"] == "memory"
    assert [(h, fast.headers[h]) for h in COMPARED] == [(h, slow.headers[h]) for h in COMPARED]
    assert list(fast.headers) == list(slow.headers)
    assert fake_engine.calls == 1


def test_fast_path_304_and_head(client: TestClient):
    etag = client.get(URL).headers["etag"]
    full = Counted(client)
    for header in (etag, f"W/{etag}", f'"nope", {etag}', "*"):
        nm = client.get(URL, headers={"if-none-match": header})
        assert nm.status_code == 304 and nm.content == b""
        assert nm.headers["etag"] == etag and "x-cache" not in nm.headers
    other = client.get(URL, headers={"if-none-match": '"other"'})
    assert other.status_code == 200 and other.headers["x-cache"] == "memory"
    head = client.head(URL)
    assert head.status_code == 200 and head.content == b""
    assert all(head.headers[h] == other.headers[h] for h in COMPARED)
    assert full.calls == 0


def test_evicted_image_goes_down_the_full_route(client: TestClient, fake_engine: FakeEngine):
    first = client.get(URL)
    client.app.state.service.memory.clear()  # type: ignore[attr-defined]
    again = client.get(URL)
    assert again.headers["x-cache"] == "disk" and again.content == first.content
    assert fake_engine.calls == 1
    assert client.get(URL).headers["x-cache"] == "memory"


def test_signatures_are_still_enforced(tmp_path: Path):
    with TestClient(make_app(tmp_path, signing_key="k3y")) as c:
        good = sign_url(URL, "k3y")
        assert c.get(good).status_code == 200
        full = Counted(c)
        assert c.get(good).status_code == 200 and full.calls == 0
        # The same card without, with a wrong, or with a moved signature, or a signed parameter added: refused.
        for bad in (URL, good[:-2] + "xx", good.replace("/api/og/default", "/api/og-default"), good + "&v=1"):
            for _ in range(2):
                r = c.get(bad)
                assert r.status_code == 403 and r.json()["error"]["field"] == "sig"
                assert r.headers["cache-control"] == "no-store"
        assert full.calls == 8


def test_invalid_urls_are_never_remembered(client: TestClient):
    for _ in range(2):
        assert client.get("/api/og/default?title=").status_code == 422
        assert client.get("/api/og/nope?title=x").status_code == 404
        assert client.post("/api/og/default?title=x").status_code == 405


def test_fast_path_counts_requests_and_hits_and_logs(client: TestClient, caplog: pytest.LogCaptureFixture):
    alias = URL.replace("/api/og/", "/api/og-")
    with caplog.at_level(logging.INFO, logger="ogimage.access"):
        first = client.get(URL)
        client.get(URL)
        client.get(URL, headers={"if-none-match": first.headers["etag"]})
        client.get(alias)
        client.get(alias)
    lines = [rec.getMessage() for rec in caplog.records if rec.name == "ogimage.access"]
    assert len(lines) == 5
    assert lines[1].startswith('method=GET path="/api/og/default" status=200 bytes=')
    assert f"bytes={len(first.content)} " in lines[1] and lines[1].endswith("cache=memory")
    assert " status=304 bytes=0 " in lines[2] and lines[2].endswith("cache=-")
    assert lines[4].startswith('method=GET path="/api/og-default" status=200') and lines[4].endswith("cache=memory")
    metrics = client.get("/metrics").text
    assert 'ogimage_requests_total{route="/api/og/{template}",status="200"} 2.0' in metrics
    assert 'ogimage_requests_total{route="/api/og/{template}",status="304"} 1.0' in metrics
    assert 'ogimage_requests_total{route="/api/og-{template}",status="200"} 2.0' in metrics
    # Hits: the repeat, the alias's first request (same card, full route) and its repeat.
    assert 'ogimage_cache_hits_total{level="memory"} 3.0' in metrics
    assert 'ogimage_cache_misses_total{level="memory"} 1.0' in metrics
    assert 'ogimage_request_duration_seconds_count{route="/api/og-{template}"} 2.0' in metrics
