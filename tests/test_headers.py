"""ogimage.http.headers: the image answers' headers, one builder for the route and the fast path."""

from __future__ import annotations

from ogimage.answers import Rendered, Resolved
from ogimage.card import Card
from ogimage.http.headers import ImageHeaders
from ogimage.settings import Settings


def _resolved(versioned: bool) -> Resolved:
    return Resolved(Card(title="x"), "png", "k" * 64, '"' + "k" * 32 + '"', "image/png", versioned)


def test_image_headers_in_order_with_the_cache_level() -> None:
    headers = ImageHeaders(Settings(cache_control="public, max-age=60", cache_control_immutable="immutable!"))
    rendered = Rendered(b"12345", "image/png", "k" * 64, '"' + "k" * 32 + '"', "disk")
    assert headers.image(_resolved(False), rendered) == [
        (b"content-type", b"image/png"),
        (b"content-length", b"5"),
        (b"etag", b'"' + b"k" * 32 + b'"'),
        (b"cache-control", b"public, max-age=60"),
        (b"x-cache", b"disk"),
    ]
    assert headers.image(_resolved(True), rendered, "memory")[3:] == [
        (b"cache-control", b"immutable!"), (b"x-cache", b"memory")]


def test_not_modified_repeats_etag_and_cache_control_and_lists_are_not_shared() -> None:
    headers = ImageHeaders(Settings())
    first = headers.not_modified(_resolved(False))
    assert [name for name, _ in first] == [b"etag", b"cache-control"]
    first.append((b"x", b"y"))
    assert len(headers.not_modified(_resolved(False))) == 2
