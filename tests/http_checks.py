"""Checks of HTTP answers shared by the app's tests (a plain module, imported by name)."""

from __future__ import annotations

import httpx


def assert_error(r: httpx.Response, status: int, field: str | None) -> dict:
    """Assert ``r`` is the one JSON error shape (``{"error": {"field", "reason"}}``) with
    ``status`` and ``field`` and a non-empty reason; return the body."""
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/json"
    assert int(r.headers["content-length"]) == len(r.content)
    body = r.json()
    assert set(body) == {"error"} and set(body["error"]) == {"field", "reason"}
    assert body["error"]["field"] == field and body["error"]["reason"]
    return body
