"""The fast path: a repeated image URL answered straight from the memory cache.

A cache hit through the full route (routing, exception middleware, request
objects, response classes) costs several times the work of the hit itself.
:class:`FastPath` is a pure ASGI middleware in front of it. For a ``GET`` or
``HEAD`` under ``/api/og`` it looks up the exact path and raw query string in
what the full route has already resolved (:meth:`Service.peek_resolved`: card,
content key and ETag, remembered only after the URL was parsed,
validated and, with a signing key, its signature verified). If the URL is
known and its image is in memory, it answers at once: ``304`` when
``If-None-Match`` matches, else the image with the same headers the full route
sends (both build them with :class:`~ogimage.http.headers.ImageHeaders`). Anything else (a new URL, a bad or unsigned one, an image evicted from
memory) goes down the full route unchanged, which validates, signs, renders
and remembers.

A URL's signature is a function of its path and query, so an exact repeat of a
URL whose signature verified is itself verified: signing is never bypassed.
"""

from __future__ import annotations

import time

from starlette.types import ASGIApp, Receive, Scope, Send

from ..metrics import Metrics
from ..service import Resolved, Service
from .accesslog import AccessLogger
from .headers import ImageHeaders

PREFIX = "/api/og"
ALIAS_PREFIX = "/api/og-"
ROUTE = "/api/og/{template}"
ALIAS_ROUTE = "/api/og-{template}"


class FastPath:
    """Answer exact repeats of image URLs from memory; send everything else on to ``app``."""

    def __init__(self, app: ASGIApp, service: Service, headers: ImageHeaders, metrics: Metrics,
                 log: AccessLogger) -> None:
        self.app = app
        self.service = service
        self.headers = headers
        self.metrics = metrics
        self.log = log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(PREFIX):
            method = scope["method"]
            if (method == "GET" or method == "HEAD") and await self._answer(scope, method, send):
                return
        # Not answered here: the full route answers, times and logs it.
        await self.app(scope, receive, send)

    async def _answer(self, scope: Scope, method: str, send: Send) -> bool:
        """Send the answer if the URL is known and its image is in memory; ``False`` otherwise."""
        start = time.perf_counter()
        path: str = scope["path"]
        target: Resolved | None = self.service.peek_resolved((path, scope["query_string"]))
        if target is None:
            return False
        status = 304 if not_modified(scope, target.etag) else 200
        if status == 304:
            headers = self.headers.not_modified(target)
            body = b""
            level = "-"
        else:
            entry = self.service.memory_hit(target.key)
            if entry is None:
                return False
            headers = self.headers.image(target, entry, "memory")
            body = entry.body
            level = "memory"
            if method == "HEAD":
                body = b""
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
        elapsed = time.perf_counter() - start
        route = ALIAS_ROUTE if path.startswith(ALIAS_PREFIX) else ROUTE
        self.metrics.observe_request(route, status, elapsed)
        self.log(method, path, status, len(body), elapsed, level)
        return True


def not_modified(scope: Scope, etag: str) -> bool:
    """Whether the request's ``If-None-Match`` (if any) matches ``etag``."""
    for name, value in scope["headers"]:
        if name == b"if-none-match":
            return etag_matches(value.decode("latin-1"), etag)
    return False


def etag_matches(header: str, etag: str) -> bool:
    """``If-None-Match`` uses the weak comparison: ``W/`` is ignored; ``*`` matches."""
    for candidate in header.split(","):
        candidate = candidate.strip()
        if candidate == "*" or candidate.removeprefix("W/") == etag:
            return True
    return False
