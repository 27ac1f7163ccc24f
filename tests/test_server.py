"""The HTTP API through the real app (TestClient / ASGI transport)."""

import asyncio
import io
import time
import logging
import threading
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image
from http_checks import assert_error
from service_fakes import FakeEngine, make_app, wait_until

from ogimage.signing import sign_url

DEFAULT_CC = "public, max-age=86400, stale-while-revalidate=604800, stale-if-error=604800"
IMMUTABLE_CC = "public, max-age=31536000, immutable"


# -- images ----------------------------------------------------------------------------

@pytest.mark.parametrize("path,ctype,fmt", [
    ("/api/og/default", "image/png", "PNG"),
    ("/api/og/default.png", "image/png", "PNG"),
    ("/api/og/default.jpg", "image/jpeg", "JPEG"),
    ("/api/og/default.webp", "image/webp", "WEBP"),
    ("/api/og-cuckoo-network", "image/png", "PNG"),
    ("/api/og-cuckoo-network.webp", "image/webp", "WEBP"),
])
def test_image_routes_and_formats(client: TestClient, path: str, ctype: str, fmt: str):
    r = client.get(path, params={"title": "Hello", "tags": "a,b", "date": "2024-05-01", "lang": "en"})
    assert r.status_code == 200
    assert r.headers["content-type"] == ctype
    assert int(r.headers["content-length"]) == len(r.content)
    assert r.headers["cache-control"] == DEFAULT_CC
    assert r.headers["etag"].startswith('"') and r.headers["x-cache"] == "render"
    image = Image.open(io.BytesIO(r.content))
    assert image.format == fmt and image.size == (1200, 630)


def test_format_parameter_and_jpg_alias(client: TestClient):
    r = client.get("/api/og/default", params={"title": "Hi", "format": "jpg"})
    assert r.headers["content-type"] == "image/jpeg"
    same = client.get("/api/og/default.jpeg", params={"title": "Hi", "format": "jpeg"})
    assert same.headers["etag"] == r.headers["etag"] and same.headers["x-cache"] == "memory"


def test_etag_and_304(client: TestClient, fake_engine: FakeEngine):
    r = client.get("/api/og/default?title=Hello")
    etag = r.headers["etag"]
    again = client.get("/api/og/default?title=Hello")
    assert again.headers["etag"] == etag and again.headers["x-cache"] == "memory"
    for header in (etag, f"W/{etag}", f'"nope", {etag}', "*"):
        nm = client.get("/api/og/default?title=Hello", headers={"if-none-match": header})
        assert nm.status_code == 304 and nm.content == b""
        assert nm.headers["etag"] == etag and nm.headers["cache-control"] == DEFAULT_CC
    assert client.get("/api/og/default?title=Hello", headers={"if-none-match": '"other"'}).status_code == 200
    # The ETag is the content: the same card via the alias route, or reordered, matches.
    assert client.get("/api/og-default?title=Hello", headers={"if-none-match": etag}).status_code == 304
    assert client.get("/api/og/default?title=Other").headers["etag"] != etag
    assert fake_engine.calls == 2


def test_304_needs_no_render(tmp_path: Path):
    engine = FakeEngine()
    with TestClient(make_app(tmp_path, engine)) as c:
        etag = c.get("/api/og/default?title=Z").headers["etag"]
    engine2 = FakeEngine()
    with TestClient(make_app(tmp_path / "elsewhere", engine2)) as c:
        assert c.get("/api/og/default?title=Z", headers={"if-none-match": etag}).status_code == 304
    assert engine2.calls == 0


def test_head_has_headers_and_no_body(client: TestClient):
    get = client.get("/api/og/default?title=Head")
    head = client.head("/api/og/default?title=Head")
    assert head.status_code == 200 and head.content == b""
    for name in ("content-type", "content-length", "etag", "cache-control"):
        assert head.headers[name] == get.headers[name]


def test_version_parameter_makes_it_immutable(client: TestClient):
    r = client.get("/api/og/default?title=Hello&v=3")
    assert r.headers["cache-control"] == IMMUTABLE_CC
    # v is not content: same bytes, same ETag as without it.
    assert r.headers["etag"] == client.get("/api/og/default?title=Hello").headers["etag"]


def test_cache_control_is_configurable(tmp_path: Path):
    with TestClient(make_app(tmp_path, cache_control="public, max-age=60", cache_control_immutable="x")) as c:
        assert c.get("/api/og/default?title=a").headers["cache-control"] == "public, max-age=60"
        assert c.get("/api/og/default?title=a&v=1").headers["cache-control"] == "x"


def test_cache_control_parts_are_settable(tmp_path: Path):
    """s-maxage apart from max-age (browsers and CDNs keep a card for different times); 0 drops a part."""
    app = make_app(tmp_path, max_age=600, s_maxage=86400, stale_while_revalidate=0, stale_if_error=3600)
    with TestClient(app) as c:
        r = c.get("/api/og/default?title=a")
        assert r.headers["cache-control"] == "public, max-age=600, s-maxage=86400, stale-if-error=3600"


def test_unknown_query_parameters_are_ignored(client: TestClient):
    a = client.get("/api/og/default?title=Hello&utm_source=x")
    assert a.status_code == 200
    assert a.headers["etag"] == client.get("/api/og/default?title=Hello").headers["etag"]


# -- caches across restarts --------------------------------------------------------------

def test_restart_serves_from_disk_and_corrupt_files_are_rerendered(tmp_path: Path):
    first = FakeEngine()
    with TestClient(make_app(tmp_path, first)) as c:
        original = c.get("/api/og/default?title=Persist")
    assert original.headers["x-cache"] == "render" and first.calls == 1

    second = FakeEngine()
    with TestClient(make_app(tmp_path, second)) as c:
        r = c.get("/api/og/default?title=Persist")
    assert r.headers["x-cache"] == "disk" and second.calls == 0 and r.content == original.content

    files = [p for p in (tmp_path / "cache").rglob("*.png")]
    assert len(files) == 1
    data = files[0].read_bytes()
    files[0].write_bytes(data[: len(data) // 2])  # a torn write

    third = FakeEngine()
    with TestClient(make_app(tmp_path, third)) as c:
        r = c.get("/api/og/default?title=Persist")
        metrics = c.get("/metrics").text
    assert r.status_code == 200 and r.headers["x-cache"] == "render" and third.calls == 1
    assert r.content == original.content
    assert "ogimage_cache_corrupt_total 1.0" in metrics
    assert files[0].read_bytes() == data  # rewritten whole


def test_disk_cache_can_be_turned_off(tmp_path: Path):
    with TestClient(make_app(tmp_path, disk_cache=False)) as c:
        assert c.get("/api/og/default?title=x").status_code == 200
        assert c.get("/readyz").json()["disk_cache"] is None
    assert not (tmp_path / "cache").exists()


# -- single flight and overload, through the app --------------------------------------------

def test_single_flight_through_the_app(tmp_path: Path):
    engine = FakeEngine(delay=0.3)
    app = make_app(tmp_path, engine)

    async def scenario():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            return await asyncio.gather(*(c.get("/api/og/default?title=Crowd") for _ in range(50)))

    responses = asyncio.run(scenario())
    assert [r.status_code for r in responses] == [200] * 50
    assert engine.calls == 1 and app.state.service.renders == 1
    assert len({r.content for r in responses}) == 1


def test_full_queue_answers_503_with_retry_after(tmp_path: Path):
    gate = threading.Event()
    gate.set()
    engine = FakeEngine(gate=gate)
    app = make_app(tmp_path, engine, max_renders=1, max_queue=1)
    svc = app.state.service

    async def scenario():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            assert (await c.get("/api/og/default?title=warm")).status_code == 200
            gate.clear()
            running = asyncio.ensure_future(c.get("/api/og/default?title=one"))
            await wait_until(lambda: engine.calls == 2)
            waiting = asyncio.ensure_future(c.get("/api/og/default?title=two"))
            await wait_until(lambda: svc.slots.waiting == 1)
            refused = await c.get("/api/og/default?title=three")
            hit = await asyncio.wait_for(c.get("/api/og/default?title=warm"), 2)
            metrics = (await c.get("/metrics")).text
            gate.set()
            return refused, hit, metrics, await running, await waiting

    refused, hit, metrics, one, two = asyncio.run(scenario())
    assert_error(refused, 503, None)
    assert int(refused.headers["retry-after"]) >= 1 and refused.headers["cache-control"] == "no-store"
    assert hit.status_code == 200 and hit.headers["x-cache"] == "memory"
    assert one.status_code == 200 and two.status_code == 200
    assert 'ogimage_rejected_requests_total{reason="overloaded"} 1.0' in metrics
    assert "ogimage_renders_in_flight 1.0" in metrics and "ogimage_renders_waiting 1.0" in metrics


# -- signed URLs ----------------------------------------------------------------------------

@pytest.fixture
def signed_client(tmp_path: Path):
    with TestClient(make_app(tmp_path, signing_key="k3y")) as c:
        yield c


def test_signed_url_good(signed_client: TestClient):
    r = signed_client.get(sign_url("/api/og/default?title=Signed+card&lang=en", "k3y"))
    assert r.status_code == 200 and r.headers["cache-control"] == IMMUTABLE_CC
    layout = signed_client.get(sign_url("/api/layout/default?title=Signed", "k3y"))
    assert layout.status_code == 200
    assert signed_client.get("/api/templates").status_code == 200  # no card, no signature needed


def test_signed_url_missing_tampered_or_moved(signed_client: TestClient):
    good = sign_url("/api/og/default?title=Signed", "k3y")
    body = assert_error(signed_client.get("/api/og/default?title=Signed"), 403, "sig")
    assert "missing" in body["error"]["reason"]
    assert_error(signed_client.get(good.replace("Signed", "Forged")), 403, "sig")
    assert_error(signed_client.get(good.replace("/api/og/default", "/api/og/default.webp")), 403, "sig")
    assert_error(signed_client.get(good + "&description=more"), 403, "sig")
    assert_error(signed_client.get(good[:-2] + "xx"), 403, "sig")
    assert_error(signed_client.get("/api/layout/default?title=x"), 403, "sig")
    metrics = signed_client.get("/metrics").text
    assert 'ogimage_rejected_requests_total{reason="signature"} 6.0' in metrics


def test_open_service_says_so_at_start_up(tmp_path: Path, caplog: pytest.LogCaptureFixture):
    with caplog.at_level(logging.INFO, logger="ogimage"):
        with TestClient(make_app(tmp_path)):
            pass
        with TestClient(make_app(tmp_path, signing_key="k")):
            pass
    messages = [r.getMessage() for r in caplog.records if r.name == "ogimage.server"]
    assert any("service is open" in m for m in messages)
    assert any("signed URLs required" in m for m in messages)
    assert any("layout engine raqm" in m for m in messages)


# -- validation and the error shape -----------------------------------------------------------

@pytest.mark.parametrize("url,status,field", [
    ("/api/og/nope?title=x", 404, "template"),
    ("/api/og-nope.png?title=x", 404, "template"),
    ("/api/og/Bad%20Name?title=x", 404, "template"),
    ("/api/layout/nope?title=x", 404, "template"),
    ("/api/og/default", 422, "title"),
    ("/api/og/default?title=", 422, "title"),
    ("/api/og/default?title=" + "x" * 301, 422, "title"),
    ("/api/og/default?title=x&description=" + "d" * 501, 422, "description"),
    ("/api/og/default?title=x&lang=not_a+lang!", 422, "lang"),
    ("/api/og/default?title=x&format=gif", 422, "format"),
    ("/api/og/default.png?title=x&format=webp", 422, "format"),
    ("/api/og/default?title=x&date=yesterday", 422, "date"),
    ("/api/og/default?title=x&date=2024-13-40", 422, "date"),
    ("/api/og/default?title=x&tags=" + ",".join(f"t{i}" for i in range(11)), 422, "tags"),
    ("/api/og/default?title=a&title=b", 422, "title"),
    ("/api/og/default?title=%FF%FE", 422, "title"),
    ("/api/og/default?title=x&" + "%C3=1", 422, None),
    ("/api/layout/default?title=x&lang=123456", 422, "lang"),
    ("/api/og/default?title=" + "x" * 17000, 414, None),
    ("/nowhere", 404, None),
])
def test_errors_are_json_with_field_and_reason(client: TestClient, url: str, status: int, field: str | None):
    body = assert_error(client.get(url), status, field)
    assert isinstance(body["error"]["reason"], str)


def test_method_not_allowed_is_json(client: TestClient):
    r = client.post("/api/og/default?title=x")
    assert_error(r, 405, None)
    assert "GET" in r.headers["allow"]


def test_nul_and_control_characters_are_stripped_not_500(client: TestClient):
    r = client.get("/api/og/default?title=a%00b%07c")
    assert r.status_code == 200
    assert r.headers["etag"] == client.get("/api/og/default?title=abc").headers["etag"]
    assert_error(client.get("/api/og/default?title=%00%01"), 422, "title")


# -- the other endpoints ------------------------------------------------------------------------

def test_layout_endpoint(client: TestClient):
    r = client.get("/api/layout/default", params={"title": "Hello", "lang": "en"})
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    assert r.json()["title"]["lines"] == ["Hello"]


def test_templates_endpoint(client: TestClient):
    r = client.get("/api/templates")
    names = [t["name"] for t in r.json()["templates"]]
    assert names == ["cuckoo-network", "default"]
    assert all("fields" in t for t in r.json()["templates"])


def test_health_and_readiness(client: TestClient, tmp_path: Path):
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["layout_engine"] == "raqm" and ready.json()["status"] == "ready"
    assert ready.json()["signed_urls"] is False and ready.json()["memory_cache_max_bytes"] == 8 << 20
    with TestClient(make_app(tmp_path, FakeEngine(fonts=0))) as c:
        assert c.get("/healthz").status_code == 200
        not_ready = c.get("/readyz")
        assert not_ready.status_code == 503 and not_ready.json()["status"] == "not ready"


def test_metrics_count_requests_cache_and_renders(client: TestClient):
    client.get("/api/og/default?title=m1")
    client.get("/api/og/default?title=m1")
    client.get("/api/og-default?title=m1")
    client.get("/api/og/nope?title=m1")
    text = client.get("/metrics").text
    assert client.get("/metrics").headers["content-type"].startswith("text/plain")
    assert 'ogimage_requests_total{route="/api/og/{template}",status="200"} 2.0' in text
    assert 'ogimage_requests_total{route="/api/og-{template}",status="200"} 1.0' in text
    assert 'ogimage_requests_total{route="/api/og/{template}",status="404"} 1.0' in text
    assert 'ogimage_cache_hits_total{level="memory"} 2.0' in text
    assert 'ogimage_cache_misses_total{level="memory"} 1.0' in text
    assert 'ogimage_cache_misses_total{level="disk"} 1.0' in text
    assert "ogimage_renders_total 1.0" in text
    assert "ogimage_render_duration_seconds_count 1.0" in text
    assert 'ogimage_cache_bytes{level="memory"}' in text
    assert "ogimage_renders_in_flight 0.0" in text
    assert "_created" not in text


def test_access_log_line(client: TestClient, caplog: pytest.LogCaptureFixture):
    with caplog.at_level(logging.INFO, logger="ogimage.access"):
        r = client.get("/api/og/default?title=logged")
        client.get("/api/og/default?title=logged")
    lines = [rec.getMessage() for rec in caplog.records if rec.name == "ogimage.access"]
    assert lines[0].startswith('method=GET path="/api/og/default" status=200 bytes=')
    assert f"bytes={len(r.content)} " in lines[0] and lines[0].endswith("cache=render") and " ms=" in lines[0]
    assert lines[1].endswith("cache=memory")


def test_openapi_documents_every_parameter(client: TestClient):
    spec = client.get("/openapi.json").json()
    for path in ("/api/og/{template}", "/api/og-{template}", "/api/layout/{template}"):
        params = spec["paths"][path]["get"]["parameters"]
        names = {p["name"] for p in params}
        assert {"template", "title", "description", "site", "author", "date", "tags", "lang", "format", "v", "sig"} <= names
        assert all(p.get("description") for p in params)
    assert client.get("/docs").status_code == 200


# -- fuzz: nothing a user can type gives a 500 -------------------------------------------------

_KEYS = st.sampled_from(["title", "description", "site", "author", "date", "tags", "lang", "format", "v", "sig", "x", ""])
_ESCAPED = st.binary(max_size=40).map(lambda b: "".join(f"%{c:02X}" for c in b))
_TYPED = st.text(max_size=60).map(lambda s: quote(s, safe=""))
_RAW = st.text(alphabet="abc=&+%;#?/.\\ ", max_size=30).map(lambda s: quote(s, safe="=&+%;"))
_VALUES = st.one_of(_ESCAPED, _TYPED, _RAW)
_QUERY = st.lists(st.tuples(_KEYS, _VALUES), max_size=8).map(lambda pairs: "&".join(f"{k}={v}" for k, v in pairs))
_TEMPLATE = st.one_of(
    st.sampled_from(["default", "default.png", "default.jpg", "default.gif", "cuckoo-network.webp", "nope", ".png"]),
    st.text(min_size=1, max_size=20).map(lambda s: quote(s, safe="")),
)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(template=_TEMPLATE, query=_QUERY, alias=st.booleans(), layout=st.booleans())
def test_fuzzed_requests_never_500(fuzz_client: TestClient, template: str, query: str, alias: bool, layout: bool):
    prefix = "/api/layout/" if layout else ("/api/og-" if alias else "/api/og/")
    r = fuzz_client.get(f"{prefix}{template}?{query}")
    assert r.status_code < 500, (r.status_code, r.text)
    if r.status_code >= 400:
        assert set(r.json()["error"]) == {"field", "reason"}


@pytest.fixture(scope="module")
def fuzz_client(tmp_path_factory: pytest.TempPathFactory):
    with TestClient(make_app(tmp_path_factory.mktemp("fuzz"), disk_cache=False), raise_server_exceptions=False) as c:
        yield c


# -- the real engine ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def real_client(tmp_path_factory: pytest.TempPathFactory):
    try:
        from ogimage.engine import Engine
    except ImportError as exc:  # pragma: no cover - only while main is incomplete
        pytest.skip(f"real engine not importable: {exc}")
    from ogimage.http.app import create_app
    from ogimage.settings import Settings

    settings = Settings(cache_dir=tmp_path_factory.mktemp("real"), max_renders=2)
    with TestClient(create_app(settings, Engine()), raise_server_exceptions=False) as c:
        yield c


def test_real_engine_end_to_end(real_client: TestClient):
    names = [t["name"] for t in real_client.get("/api/templates").json()["templates"]]
    assert "default" in names
    # Readiness waits for the warm-up (templates, fonts, models) started with the app.
    deadline = time.monotonic() + 30
    while (ready := real_client.get("/readyz")).status_code == 503 and time.monotonic() < deadline:
        assert ready.json()["status"] == "not ready"
        time.sleep(0.05)
    ready = ready.json()
    assert ready["status"] == "ready" and ready["layout_engine"] in ("raqm", "basic")
    for name in names:
        r = real_client.get(f"/api/og/{name}", params={"title": "Hello 世界", "lang": "ja", "tags": "a,b"})
        assert r.status_code == 200, r.text
        assert Image.open(io.BytesIO(r.content)).size == (1200, 630)
    webp = real_client.get("/api/og-default.webp?title=Hello")
    assert webp.headers["content-type"] == "image/webp"
    layout = real_client.get("/api/layout/default", params={"title": "Hello", "lang": "en"})
    assert layout.status_code == 200 and isinstance(layout.json(), dict)
    assert_error(real_client.get("/api/og/no-such-template?title=x"), 404, "template")


_REAL_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=80
) | st.sampled_from(["مرحبا بالعالم", "👩‍👩‍👧‍👦🇯🇵", "\u0301\u0301", "\u202e evil", "日本語の長いタイトル" * 10, "x" * 300])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(title=_REAL_TEXT, description=st.text(max_size=60), lang=st.sampled_from(["", "en", "ja", "ar", "zh-Hant", "ko", "xx"]))
def test_real_engine_never_500(real_client: TestClient, title: str, description: str, lang: str):
    params = {"title": title, "description": description}
    if lang:
        params["lang"] = lang
    r = real_client.get("/api/og/default", params=params)
    assert r.status_code < 500, (r.status_code, r.text)


def test_metrics_add_up_across_workers_in_multiprocess_mode(tmp_path: Path):
    """Two 'workers' (processes) sharing PROMETHEUS_MULTIPROC_DIR: /metrics in either shows both."""
    import os
    import subprocess
    import sys

    script = """
import sys, pathlib
sys.path.insert(0, {tests!r})
from fastapi.testclient import TestClient
from service_fakes import make_app
app = make_app(pathlib.Path({tmp!r}) / sys.argv[1], disk_cache=False)
with TestClient(app) as c:
    for i in range(int(sys.argv[2])):
        assert c.get("/api/og/default?title=w%d" % (i % 2)).status_code == 200
    if sys.argv[1] == "last":
        print(c.get("/metrics").text)
""".format(tests=str(Path(__file__).parent), tmp=str(tmp_path))
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics")}
    (tmp_path / "metrics").mkdir()
    root = Path(__file__).resolve().parent.parent
    env["PYTHONPATH"] = str(root) + os.pathsep + env.get("PYTHONPATH", "")
    subprocess.run([sys.executable, "-c", script, "first", "3"], env=env, check=True, cwd=root)
    out = subprocess.run([sys.executable, "-c", script, "last", "5"], env=env, check=True, cwd=root,
                         capture_output=True, text=True).stdout
    assert 'ogimage_requests_total{route="/api/og/{template}",status="200"} 8.0' in out
    assert "ogimage_renders_total 4.0" in out
    assert 'ogimage_cache_hits_total{level="memory"} 4.0' in out
