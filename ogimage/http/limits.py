"""Bounds on the request head, below the app: size, header count and time to arrive.

uvicorn's httptools protocol has no limit of its own: a 16 MB header is buffered
whole by the parser (and 20 connections each sending an unfinished 32 MB header
held ~400 MB), and a connection that sends nothing, or half a request line,
stays open for ever (the keep-alive timer is only armed after a response).
:class:`HeadLimitProtocol` is that protocol with three bounds, passed to uvicorn
as its ``http=`` class:

- **Size.** Bytes are counted as they arrive while a request head is being read;
  once a head would pass ``max_head_bytes`` (default 64 KiB) nothing more is fed
  to the parser: the client gets ``431`` and the connection is closed. A worker
  therefore holds at most ``max_head_bytes`` plus one read buffer per connection.
- **Count.** A head with more than ``max_headers`` header lines (default 100) gets
  ``431`` too.
- **Time.** A head must be complete within ``head_timeout`` seconds (default 10)
  of the connection opening or of its first byte; otherwise the client gets
  ``408`` (or, if it sent nothing, the connection is simply closed). The
  keep-alive idle timeout after a response stays uvicorn's.

The cost on a cache hit is one length check per read and one per head.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from ..settings import Settings


def _response(status: int, phrase: str, reason: str) -> bytes:
    body = json.dumps({"error": {"field": None, "reason": reason}}).encode()
    head = (
        f"HTTP/1.1 {status} {phrase}\r\ncontent-type: application/json\r\n"
        f"content-length: {len(body)}\r\ncache-control: no-store\r\nconnection: close\r\n\r\n"
    )
    return head.encode("ascii") + body


class HeadLimits:
    """The three bounds, read once per process from the settings (``OGIMAGE_MAX_HEAD_BYTES``, …)."""

    def __init__(self, max_head_bytes: int, max_headers: int, head_timeout: float) -> None:
        self.max_head_bytes = max_head_bytes
        self.max_headers = max_headers
        self.head_timeout = head_timeout
        self.too_large = _response(431, "Request Header Fields Too Large",
                                   f"request head over {max_head_bytes} bytes")
        self.too_many = _response(431, "Request Header Fields Too Large",
                                  f"more than {max_headers} header fields")
        self.timed_out = _response(408, "Request Timeout", f"request head not complete within {head_timeout:g} s")

    @classmethod
    def from_settings(cls, settings: Settings) -> HeadLimits:
        return cls(settings.max_head_bytes, settings.max_headers, settings.head_timeout)


_limits: HeadLimits | None = None


def process_limits() -> HeadLimits:
    """This process's limits (a uvicorn worker reads the environment, as its app does)."""
    global _limits
    if _limits is None:
        _limits = HeadLimits.from_settings(Settings.from_env())
    return _limits


class HeadLimitProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a bounded request head (size, header count, time)."""

    limits: HeadLimits | None = None  # tests may set a class with other limits

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._limits = self.limits or process_limits()
        self._head_bytes = 0
        self._reading_head = True
        self._head_timer: asyncio.TimerHandle | None = None
        self._head_since: float | None = None  # when the head being read began (None: none is)
        self._refused = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._head_since = self.loop.time()
        self._arm_head_timer(self._limits.head_timeout)

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_head_timer()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._reading_head:
            limit = self._limits.max_head_bytes
            total = self._head_bytes + len(data)
            # Over the limit, unless the head ends inside what is still allowed (a body or a
            # pipelined request may follow it in the same read).
            if total > limit and data.find(b"\r\n\r\n", 0, max(0, limit - self._head_bytes)) < 0:
                self._refuse(self._limits.too_large)
                return
            self._head_bytes = total
            if self._head_since is None:
                self._head_since = self.loop.time()
            if self._head_timer is None:
                self._arm_head_timer(self._limits.head_timeout)
        elif self._refused:
            return
        super().data_received(data)

    def on_headers_complete(self) -> None:
        self._reading_head = False
        self._head_since = None  # the timer stays: it re-arms or lapses when it fires (no per-request cost)
        if self._refused:
            return  # a request after a refused one, in the same read
        if len(self.headers) > self._limits.max_headers:
            self._refuse(self._limits.too_many)
            return
        super().on_headers_complete()

    def on_body(self, body: bytes) -> None:
        if not self._refused:
            super().on_body(body)

    def on_message_complete(self) -> None:
        if self._refused:  # nothing of a refused request reaches the app
            return
        super().on_message_complete()
        # The next head on this connection starts from zero; its timer starts with its first byte.
        self._reading_head = True
        self._head_bytes = 0

    def _arm_head_timer(self, seconds: float) -> None:
        self._head_timer = self.loop.call_later(seconds, self._head_timed_out)

    def _cancel_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        """One timer per connection, not per request: when it fires it closes a head that is
        late, re-arms for a head begun since, or lapses (the next head's first byte re-arms it)."""
        self._head_timer = None
        since = self._head_since
        if not self._reading_head or since is None or self.transport.is_closing():
            return
        left = since + self._limits.head_timeout - self.loop.time()
        if left > 0.001:
            self._arm_head_timer(left)
            return
        if self._head_bytes:
            self.transport.write(self._limits.timed_out)
        self.transport.close()

    def _refuse(self, response: bytes) -> None:
        self._cancel_head_timer()
        self._reading_head = False
        self._refused = True
        if not self.transport.is_closing():
            self.transport.write(response)
            self.transport.close()
