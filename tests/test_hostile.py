"""The hostile corpus (tests/data/hostile.jsonl) and property tests through the real app and engine:
whatever a URL holds, the answer is an image or a 4xx JSON error, never a 500, and bounded in size."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from service_fakes import make_app

from ogimage.card import FIELDS

CORPUS = [row for row in map(json.loads, (Path(__file__).parent / "data" / "hostile.jsonl").open(encoding="utf-8"))
          if "name" in row]
MAX_IMAGE = 1 << 20  # a 1200x630 card is ~10-100 KB
MAX_ERROR = 2048
MAX_LAYOUT = 256 << 10


def request_target(row: dict) -> str:
    path = row.get("path", "/api/og/default")
    if "raw" in row:
        return f"{path}?{row['raw']}"
    return path + "?" + "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in row["params"].items())


def check_answer(r, where: str) -> None:
    assert r.status_code < 500, (where, r.status_code, r.text[:300])
    ctype = r.headers.get("content-type", "")
    if r.status_code == 200:
        if ctype.startswith("image/"):
            assert len(r.content) <= MAX_IMAGE, where
        else:
            assert ctype == "application/json" and len(r.content) <= MAX_LAYOUT, where
    elif r.status_code != 304:
        assert ctype == "application/json", (where, ctype)
        assert len(r.content) <= MAX_ERROR, (where, len(r.content))
        error = r.json()["error"]
        assert set(error) == {"field", "reason"} and error["reason"], where
        assert "Traceback" not in r.text and "/ogimage/" not in r.text, where
    assert "location" not in r.headers, where


@pytest.fixture(scope="module")
def real_client(tmp_path_factory, engine):
    with TestClient(make_app(tmp_path_factory.mktemp("hostile"), engine, disk_cache=False),
                    raise_server_exceptions=False) as c:
        yield c


@pytest.mark.parametrize("row", CORPUS, ids=[row["name"] for row in CORPUS])
def test_hostile_request_is_answered_without_a_500(real_client: TestClient, row: dict):
    target = request_target(row)
    r = real_client.get(target, follow_redirects=False)
    check_answer(r, row["name"])
    if row.get("path", "/api/og/default") == "/api/og/default" and r.status_code == 200:
        # The same card as a HEAD and as its layout: also bounded, also no 500.
        check_answer(real_client.head(target), row["name"] + " (HEAD)")
        check_answer(real_client.get(target.replace("/api/og/", "/api/layout/", 1)), row["name"] + " (layout)")


def test_the_corpus_covers_what_issue_10_names():
    names = {row["name"] for row in CORPUS}
    assert {"c0 controls and ANSI", "emoji + 299 skin tones", "300 BMP private use", "bidi override",
            "query over 16 KiB", "crlf escape"} <= names and len(CORPUS) >= 60


# -- properties: card validation over any text ----------------------------------------------

field_values = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=320)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(params=st.dictionaries(st.sampled_from([*FIELDS, "format", "v", "other"]), field_values, max_size=6))
def test_any_field_values_give_200_or_a_4xx_json(client: TestClient, params: dict[str, str]):
    """Through the real app and the real Card validation (fake drawing: fast)."""
    r = client.get("/api/og/default?" + "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in params.items()))
    check_answer(r, repr(params))
    if r.status_code != 200:
        assert 400 <= r.status_code < 500


@settings(max_examples=40, deadline=None)
@given(title=field_values, lang=st.sampled_from(["", "ja", "ar", "zh-Hant", "ko", "hi", "th", "en"]))
def test_any_title_lays_out_with_the_real_engine_or_is_a_422(real_client: TestClient, title: str, lang: str):
    r = real_client.get("/api/layout/plain", params={"title": title, "lang": lang})
    check_answer(r, repr(title))
    assert r.status_code in (200, 422)


@settings(max_examples=60, deadline=None)
@given(raw=st.binary(max_size=400))
def test_any_raw_query_bytes_give_200_or_a_4xx(real_client: TestClient, raw: bytes):
    query = quote(raw, safe="=&%+")
    check_answer(real_client.get(f"/api/layout/plain?{query}"), repr(raw))
