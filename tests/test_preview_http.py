"""The preview's routes through the real app: access rules, signed URLs, offline docs, index."""

from __future__ import annotations

import io
import re
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from ogimage.http.preview import VENDOR, platforms, preview_mode, token_matches
from ogimage.http.app import create_app
from ogimage.settings import Settings
from ogimage.signing import signature

KEY = "k" * 32
TOKEN = "preview-token-123"


@pytest.fixture
def make_client(engine, tmp_path: Path):
    clients: list[TestClient] = []

    def make(**settings: object) -> TestClient:
        app = create_app(Settings(disk_cache=False, cache_dir=tmp_path, **settings), engine=engine)  # type: ignore[arg-type]
        client = TestClient(app)
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


def test_modes() -> None:
    assert preview_mode("", "") == "open" and preview_mode("", TOKEN) == "open"
    assert preview_mode(KEY, "") == "off"
    assert preview_mode(KEY, TOKEN) == "token"


def test_token_matches_only_the_token() -> None:
    assert token_matches(TOKEN, TOKEN)
    assert not token_matches(TOKEN[:-1], TOKEN)
    assert not token_matches(TOKEN + "x", TOKEN)
    assert not token_matches(None, TOKEN)
    assert not token_matches("", "")  # an empty token never opens anything


def test_open_without_a_signing_key(make_client) -> None:
    client = make_client()
    page = client.get("/preview")
    assert page.status_code == 200 and 'name="title"' in page.text
    state = client.get("/preview/api/state").json()
    assert state["reload"] is False and state["signed"] is False and state["error"] is None
    assert [t["name"] for t in state["templates"]] == ["default", "light", "plain"]
    assert [p["id"] for p in state["platforms"]] == ["x", "facebook", "linkedin", "slack", "discord"]
    urls = client.get("/preview/api/card/light", params={"title": "Hi & bye", "tags": "a,b", "lang": "en"}).json()
    assert urls["share"] == "/api/og/light?title=Hi%20%26%20bye&tags=a%2Cb&lang=en"
    assert urls["layout"] == "/api/layout/light?title=Hi%20%26%20bye&tags=a%2Cb&lang=en"
    assert urls["image"].startswith(urls["share"] + "&v=p")
    image = client.get(urls["image"])
    assert image.status_code == 200 and Image.open(io.BytesIO(image.content)).size == (1200, 630)
    assert client.get(urls["layout"]).json()["template"] == "light"


def test_card_urls_report_bad_fields_like_the_api(make_client) -> None:
    client = make_client()
    missing = client.get("/preview/api/card/default", params={"title": ""})
    assert missing.status_code == 422 and missing.json()["error"]["field"] == "title"
    unknown = client.get("/preview/api/card/nope", params={"title": "x"})
    assert unknown.status_code == 404 and unknown.json()["error"]["field"] == "template"


def test_off_with_a_signing_key_and_no_token(make_client) -> None:
    client = make_client(signing_key=KEY)
    for path in ("/preview", "/preview/api/state", "/preview/api/card/default?title=x"):
        answer = client.get(path)
        assert answer.status_code == 404, path
        assert "OGIMAGE_PREVIEW_TOKEN" in answer.json()["error"]["reason"]
    assert client.get("/preview", params={"token": "anything"}).status_code == 404
    assert client.get("/preview/api/state", headers={"x-preview-token": ""}).status_code == 404
    # The rest of the service is unchanged: / and /docs answer, images need a signature.
    assert client.get("/").status_code == 200 and client.get("/docs").status_code == 200
    assert client.get("/api/og/default", params={"title": "x"}).status_code == 403


def test_token_gates_the_page_and_its_signed_urls(make_client) -> None:
    client = make_client(signing_key=KEY, preview_token=TOKEN)
    asked = client.get("/preview")
    assert asked.status_code == 401 and 'name="token"' in asked.text
    assert client.get("/preview", params={"token": "wrong"}).status_code == 401
    for headers in ({}, {"x-preview-token": "wrong"}, {"x-preview-token": TOKEN[:-1]}):
        refused = client.get("/preview/api/card/default", params={"title": "x"}, headers=headers)
        assert refused.status_code == 401 and refused.json()["error"]["field"] == "token"
        assert client.get("/preview/api/state", headers=headers).status_code == 401

    # ?token= once: a cookie for /preview, and the token leaves the address bar.
    opened = client.get("/preview", params={"token": TOKEN, "title": "Kept"}, follow_redirects=False)
    assert opened.status_code == 303 and opened.headers["location"] == "/preview?title=Kept"
    cookie = opened.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/preview" in cookie
    assert client.get("/preview").status_code == 200  # the cookie jar now carries it

    urls = client.get("/preview/api/card/default", params={"title": "Signed", "sig": "mine"}).json()
    for kind in ("image", "layout", "share"):
        url = urls[kind]
        parts = urlsplit(url)
        pairs = parse_qsl(parts.query)
        assert dict(pairs)["sig"] == signature(parts.path, pairs, KEY), kind
        assert dict(pairs)["sig"] != "mine"
        assert client.get(url).status_code == 200, kind
    assert urlsplit(urls["share"]).path == "/api/og/default"


def test_the_page_signs_only_card_urls(make_client) -> None:
    client = make_client(signing_key=KEY, preview_token=TOKEN)
    headers = {"x-preview-token": TOKEN}
    urls = client.get("/preview/api/card/default", params={"title": "x", "path": "/metrics"}, headers=headers).json()
    assert {urlsplit(u).path for u in urls.values()} == {"/api/og/default", "/api/layout/default"}
    assert all("path" not in dict(parse_qsl(urlsplit(u).query)) for u in urls.values())
    # A template name is checked before anything is signed.
    assert client.get("/preview/api/card/..%2Fmetrics", params={"title": "x"}, headers=headers).status_code in (404, 422)


def test_docs_and_redoc_use_only_local_assets(make_client) -> None:
    client = make_client()
    for path in ("/docs", "/redoc"):
        html = client.get(path).text
        refs = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)""", html) + re.findall(r"url:\s*'([^']+)'", html)
        assert refs, path
        assert all(ref.startswith("/") for ref in refs), (path, refs)
        assert "cdn" not in html and "googleapis" not in html
        for ref in refs:
            assert client.get(ref).status_code == 200, ref
    assert '"validatorUrl": null' in client.get("/docs").text
    assert "cdn.redoc.ly" not in (VENDOR / "redoc" / "redoc.standalone.js").read_text(encoding="utf-8")
    for licence in ("swagger-ui/LICENSE", "swagger-ui/NOTICE", "redoc/LICENSE"):
        assert (VENDOR / licence).stat().st_size > 0
    paths = client.get("/openapi.json").json()["paths"]
    assert "/api/og/{template}" in paths and not any(p.startswith("/preview") for p in paths)


def test_index_links_preview_docs_and_quick_start(make_client) -> None:
    html = make_client().get("/").text
    for link in ('href="/preview"', 'href="/docs"', 'href="/redoc"'):
        assert link in html
    assert 'id="quick-start"' in html and "ogimage serve" in html


def test_page_assets_are_local() -> None:
    static = VENDOR.parent / "static"
    for page in static.glob("*.html"):
        refs = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)""", page.read_text(encoding="utf-8"))
        assert all(ref.startswith(("/", "#", "data:")) for ref in refs), (page.name, refs)


def test_platform_rules_are_complete() -> None:
    for platform in platforms():
        assert platform["sources"] and platform["views"], platform["id"]
        for view in platform["views"]:
            assert view["aspect"] >= 0 and view["width"] > 0
            assert view["frame"] in ("x", "below", "above", "embed", "thumb")
