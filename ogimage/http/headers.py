"""The image answers' HTTP headers, built in one place for the full route and the fast path.

The service hands the edge a :class:`~ogimage.service.Resolved` (ETag, content type,
whether the URL is versioned) and a :class:`~ogimage.service.Rendered` (the body and
the cache level it came from); this module turns them into header bytes. A header
list is built per answer (never shared), so no downstream middleware can change
another answer's headers.
"""

from __future__ import annotations

from ..service import Rendered, Resolved
from ..settings import Settings

RawHeaders = list[tuple[bytes, bytes]]


class ImageHeaders:
    """Header lists for ``200`` and ``304`` image answers under one set of settings."""

    def __init__(self, settings: Settings) -> None:
        self._cache_control = {
            False: settings.image_cache_control.encode("latin-1"),
            True: settings.cache_control_immutable.encode("latin-1"),
        }
        self._encoded: dict[str, bytes] = {}

    def _bytes(self, text: str) -> bytes:
        # Content types and cache levels are a handful of strings: encode each once.
        value = self._encoded.get(text)
        if value is None:
            value = self._encoded[text] = text.encode("latin-1")
        return value

    def not_modified(self, resolved: Resolved) -> RawHeaders:
        """``ETag`` and ``Cache-Control`` (a ``304`` repeats them, RFC 9110 15.4.5)."""
        return [(b"etag", resolved.etag.encode("latin-1")), (b"cache-control", self._cache_control[resolved.versioned])]

    def image(self, resolved: Resolved, rendered: Rendered, level: str | None = None) -> RawHeaders:
        """``Content-Type``, ``Content-Length``, ``ETag``, ``Cache-Control`` and ``X-Cache``
        (``level``, default the level ``rendered`` came from)."""
        return [
            (b"content-type", self._bytes(rendered.content_type)),
            (b"content-length", str(len(rendered.body)).encode()),
            (b"etag", resolved.etag.encode("latin-1")),
            (b"cache-control", self._cache_control[resolved.versioned]),
            (b"x-cache", self._bytes(level or rendered.level)),
        ]
