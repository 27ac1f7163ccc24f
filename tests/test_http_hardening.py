"""Issue 10, HTTP half: what an attacker or a careless operator could make the app answer."""

from __future__ import annotations

import collections
import logging
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from http_checks import assert_error
from service_fakes import FakeEngine, make_app

from ogimage.signing import sign_url


# -- trailing slash: no redirect built from Host ------------------------------------------

@pytest.mark.parametrize("path", ["/api/og/default/", "/api/templates/", "/healthz/", "/api/og-default/"])
def test_trailing_slash_is_a_404_json_never_a_redirect_to_the_host(client: TestClient, path: str):
    r = client.get(path + "?title=x", headers={"host": "evil.example"}, follow_redirects=False)
    assert "location" not in r.headers
    assert_error(r, 404, None)


# -- formats --------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/api/og/default.gif", "/api/og-default.bmp", "/api/og/default.PNG2"])
def test_an_unknown_format_suffix_is_a_422_naming_the_format(client: TestClient, path: str):
    body = assert_error(client.get(path, params={"title": "x"}), 422, "format")
    assert repr(path.rsplit(".", 1)[1]) in body["error"]["reason"] and "png" in body["error"]["reason"]


def test_known_suffixes_still_work(client: TestClient):
    assert client.get("/api/og/default.PNG?title=x").status_code == 200
    assert_error(client.get("/api/og/nope.png?title=x"), 404, "template")


# -- OpenAPI ----------------------------------------------------------------------------------

def test_openapi_operation_ids_are_unique(client: TestClient):
    spec = client.get("/openapi.json").json()
    ids = [op["operationId"] for item in spec["paths"].values() for op in item.values()]
    assert [i for i, n in collections.Counter(ids).items() if n > 1] == []
    assert {"get", "head"} <= set(spec["paths"]["/api/og/{template}"])
    assert client.head("/api/og/default?title=x").status_code == 200


# -- no internal detail in a response ------------------------------------------------------

class ExplodingEngine(FakeEngine):
    def render(self, card, fmt="png"):
        raise RuntimeError("/srv/secret/templates/x.toml: Traceback (most recent call last)")


def test_an_unexpected_error_answers_a_generic_500_and_logs_the_detail(tmp_path: Path, caplog):
    with TestClient(make_app(tmp_path, ExplodingEngine(), disk_cache=False), raise_server_exceptions=False) as c:
        with caplog.at_level(logging.ERROR, logger="ogimage"):
            r = c.get("/api/og/default?title=boom")
    body = assert_error(r, 500, None)
    assert "/srv" not in r.text and "Traceback" not in r.text and "RuntimeError" not in r.text
    assert body["error"]["reason"].startswith("internal error")
    assert "/srv/secret/templates/x.toml" in caplog.text


def test_a_broken_template_is_never_served_it_stops_the_app(tmp_path: Path):
    """A broken template used to answer 500s naming its path; now the app is never built
    (start-up stops with the file named for the operator) so no response can carry it."""
    from ogimage.errors import TemplateError
    from ogimage.http.app import create_app
    from ogimage.settings import Settings

    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "broken.toml").write_text("width = 1200\n[title\n")
    with pytest.raises(TemplateError) as info:
        create_app(Settings(template_dirs=(folder,), disk_cache=False))
    assert "broken.toml" in str(info.value)


class CardExplodingEngine(FakeEngine):
    def card(self, data, template):
        raise RuntimeError("no")


def test_a_hostile_path_is_escaped_in_the_error_log(tmp_path: Path, caplog):
    with TestClient(make_app(tmp_path, CardExplodingEngine(("default", "x\r\nFAKE\x1b")), disk_cache=False), raise_server_exceptions=False) as c:
        with caplog.at_level(logging.ERROR, logger="ogimage"):
            c.get("/api/og/default?title=boom")
            c.get("/api/og/x%0d%0aFAKE%1b?title=boom")
    messages = [r.getMessage().split("\n")[0] for r in caplog.records if r.name == "ogimage.server"]
    assert any("\\x0d\\x0aFAKE\\x1b" in m for m in messages), messages


# -- signed URLs: what changes the image is signed, nothing else ------------------------------

def test_signed_urls_ignore_parameters_that_do_not_change_the_image(tmp_path: Path):
    key = "k3y"
    with TestClient(make_app(tmp_path, signing_key=key, disk_cache=False)) as c:
        url = sign_url("/api/og/default?title=Hello&lang=en", key)
        assert c.get(url).status_code == 200
        for extra in ("utm_source=x", "fbclid=abc&utm_medium=social", "ref=%E2%9C%93"):
            r = c.get(f"{url}&{extra}")
            assert r.status_code == 200, (extra, r.text)
        # What changes the image is covered: a title, a field, a format or a version added.
        for changed in ("title=Other", "site=Evil", "format=jpeg", "v=2", "description=x", "authors=Eve"):
            name = changed.split("=")[0]
            tampered = url.replace("title=Hello", changed) if name == "title" else f"{url}&{changed}"
            assert_error(c.get(tampered), 403, "sig")
        # sign_url keeps unsigned parameters, after the signed ones.
        kept = sign_url("/api/og/default?utm_source=x&title=Hello&lang=en", key)
        assert kept.startswith("/api/og/default?lang=en&title=Hello&utm_source=x&sig=")
        assert kept.endswith(url.rsplit("sig=", 1)[1]) and c.get(kept).status_code == 200


def test_readme_signing_example_is_what_ogimage_sign_prints(capsys, monkeypatch):
    from ogimage.cli import main

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    monkeypatch.setenv("OGIMAGE_SIGNING_KEY", "a long random secret")
    assert main(["sign", "/api/og/default?title=Hello world&lang=en"]) == 0
    printed = capsys.readouterr().out.strip()
    assert f"# {printed}\n" in readme
