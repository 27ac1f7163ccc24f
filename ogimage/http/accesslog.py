"""One structured access log line and one metrics observation per request."""

from __future__ import annotations

import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..metrics import Metrics
from ..settings import Settings

access_log = logging.getLogger("ogimage.access")


class AccessLog:
    """One structured line and one metrics observation per HTTP request."""

    def __init__(self, app: ASGIApp, metrics: Metrics, enabled: bool = True) -> None:
        self.app = app
        self.metrics = metrics
        self.enabled = enabled

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500
        nbytes = 0
        level = "-"

        async def send_wrapper(message: Message) -> None:
            nonlocal status, nbytes, level
            if message["type"] == "http.response.start":
                status = message["status"]
                for name, value in message.get("headers", ()):
                    if name == b"x-cache":
                        level = value.decode("latin-1")
            elif message["type"] == "http.response.body":
                nbytes += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            elapsed = time.perf_counter() - start
            route = scope.get("route")
            route_name = getattr(route, "path", None) or "unmatched"
            self.metrics.observe_request(route_name, status, elapsed)
            if self.enabled:
                access_log.info(
                    'method=%s path="%s" status=%d bytes=%d ms=%.2f cache=%s',
                    scope["method"], scope["path"].replace('"', "%22"), status, nbytes, elapsed * 1000, level,
                )


def setup_logging(settings: Settings) -> None:
    logger = logging.getLogger("ogimage")
    logger.setLevel(settings.log_level.upper())
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
        logger.addHandler(handler)
