"""One structured access log line and one metrics observation per request.

Logging a line costs more than answering a cached card, so the line is made
cheaply and still goes through :mod:`logging` (the ``ogimage.access`` logger,
its level, filters and handlers all apply):

- :class:`AccessLogger` copies a pre-filled :class:`logging.LogRecord` instead
  of building one (``Logger.info`` looks up the caller's frame, thread and
  process on every call).
- :func:`setup_logging` writes through a :class:`BufferedStreamHandler`:
  lines are flushed a few times a second, or at once for warnings and worse,
  instead of one write system call per line; and the time stamp is formatted
  once per second (:class:`CachedTimeFormatter`).
"""

from __future__ import annotations

import io
import logging
import sys
import threading
import time
from typing import Any, TextIO

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..metrics import Metrics
from ..settings import Settings

access_log = logging.getLogger("ogimage.access")

LINE = 'method=%s path="%s" status=%d bytes=%d ms=%.2f cache=%s'

# C0 controls, DEL, C1 controls and the Unicode line/paragraph separators are written as
# \xNN / \uNNNN: a decoded path like "/x%0d%0a…" must not forge a second line, nor an ESC
# sequence reach a terminal. The backslash itself is doubled so the text stays unambiguous,
# and '"' becomes %22 so the quoted path field cannot be closed early.
_ESCAPES: dict[int, str] = {c: f"\\x{c:02x}" for c in (*range(0x20), *range(0x7F, 0xA0))}
_ESCAPES.update({0x2028: "\\u2028", 0x2029: "\\u2029", ord("\\"): "\\\\", ord('"'): "%22"})


def escape(text: str) -> str:
    """``text`` made safe for one log line (control characters escaped, see ``_ESCAPES``).

    Ordinary text costs one ``isprintable`` scan and two ``in`` checks, and is returned as is."""
    if text.isprintable() and "\\" not in text and '"' not in text:
        return text
    return text.translate(_ESCAPES)
# How often buffered log lines reach the stream, at the latest (seconds).
FLUSH_INTERVAL = 0.2


class AccessLogger:
    """Emits the access line of a request to ``ogimage.access``, cheaply.

    The record is a copy of one made on the first line (same thread, process
    and source location: lines always come from the event loop), with its
    time, message and arguments filled in.
    """

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled
        self._base: dict[str, Any] | None = None

    def __call__(self, method: str, path: str, status: int, nbytes: int, seconds: float, level: str) -> None:
        if not self.enabled or not access_log.isEnabledFor(logging.INFO):
            return
        now = time.time()
        # Every text field escaped (issue 10: log injection), for the direct and the formatted path.
        args = (escape(method), escape(path), status, nbytes, seconds * 1000.0, escape(level))
        handler = _sole_buffered_handler()
        if handler is not None:  # our own handler only: write the line it would format, directly
            formatter = handler.formatter
            assert isinstance(formatter, CachedTimeFormatter)
            handler.write_line(f"{formatter.asctime(now)} INFO ogimage.access {LINE % args}")
            return
        base = self._base
        if base is None:
            record = access_log.makeRecord(access_log.name, logging.INFO, __file__, 0, LINE, (), None, "AccessLog")
            base = self._base = dict(record.__dict__)
        record = logging.LogRecord.__new__(logging.LogRecord)
        fields = record.__dict__
        fields.update(base)
        fields["created"] = now
        fields["msecs"] = int((now - int(now)) * 1000) + 0.0
        fields["relativeCreated"] = base["relativeCreated"] + (now - base["created"]) * 1000.0
        fields["args"] = args
        access_log.handle(record)


class AccessLog:
    """One structured line and one metrics observation per HTTP request."""

    def __init__(self, app: ASGIApp, metrics: Metrics, enabled: bool = True) -> None:
        self.app = app
        self.metrics = metrics
        self.log = AccessLogger(enabled)

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
            self.log(scope["method"], scope["path"], status, nbytes, elapsed, level)


class CachedTimeFormatter(logging.Formatter):
    """A :class:`logging.Formatter` that formats the local time once per second."""

    _second = -1
    _text = ""

    def asctime(self, created: float, msecs: float | None = None) -> str:
        """``%(asctime)s`` for a record created at ``created`` (default format, milliseconds:
        ``msecs`` when given, as a record carries them, else from ``created``)."""
        second = int(created)
        if second != self._second:
            self._text = time.strftime(self.default_time_format, self.converter(second))
            self._second = second
        return self.default_msec_format % (self._text, int((created - second) * 1000) if msecs is None else msecs)

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802 (logging's name)
        if datefmt is not None:
            return super().formatTime(record, datefmt)
        return self.asctime(record.created, record.msecs)


class BufferedStreamHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """A stream handler that flushes every ``interval`` seconds, and at once from ``WARNING`` up.

    A daemon thread does the periodic flush; :func:`logging.shutdown` (at
    exit) flushes what is left.
    """

    def __init__(self, stream: TextIO, interval: float = FLUSH_INTERVAL) -> None:
        super().__init__(stream)
        self.interval = interval
        self._pending = False
        self._flusher = threading.Thread(target=self._flush_forever, name="ogimage-log-flush", daemon=True)
        self._flusher.start()

    def emit(self, record: logging.LogRecord) -> None:
        try:
            msg = self.format(record)
            self.stream.write(msg + self.terminator)
            if record.levelno >= logging.WARNING:
                self.flush()
            else:
                self._pending = True
        except RecursionError:
            raise
        except Exception:
            self.handleError(record)

    def write_line(self, line: str) -> None:
        """Write an already formatted INFO line (the access log's direct path)."""
        with self.lock:  # type: ignore[union-attr]
            try:
                self.stream.write(line + self.terminator)
                self._pending = True
            except Exception:  # noqa: BLE001 - as logging does: a broken stream never breaks a request
                pass

    def flush(self) -> None:
        self._pending = False
        super().flush()

    def _flush_forever(self) -> None:
        while True:
            time.sleep(self.interval)
            if self._pending:
                self.flush()


_ogimage_log = logging.getLogger("ogimage")
_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


def _sole_buffered_handler() -> BufferedStreamHandler | None:
    """The handler :func:`setup_logging` installed, when it is the only place an access line
    would go (no other handler, filter or formatter on the way to it): then the line can be
    written directly, skipping the record, the handler chain and the formatter."""
    if access_log.handlers or access_log.filters or not access_log.propagate:
        return None
    handlers = _ogimage_log.handlers
    if len(handlers) != 1 or _ogimage_log.filters:
        return None
    handler = handlers[0]
    if type(handler) is not BufferedStreamHandler or handler.filters or handler.level > logging.INFO:
        return None
    formatter = handler.formatter
    if type(formatter) is not CachedTimeFormatter or formatter._fmt != _FORMAT or formatter.datefmt is not None:
        return None
    if _ogimage_log.propagate and logging.getLogger().handlers:
        return None  # lines also reach the root logger's handlers
    return handler


def _buffered_stderr() -> TextIO:
    """Standard error with a block buffer (``sys.stderr`` flushes every line), else ``sys.stderr``."""
    try:
        fd = sys.stderr.fileno()
    except (AttributeError, OSError, io.UnsupportedOperation):  # replaced by a test harness, or closed
        return sys.stderr
    encoding = getattr(sys.stderr, "encoding", None) or "utf-8"
    return open(fd, "w", buffering=1 << 16, encoding=encoding, errors="backslashreplace", closefd=False)


def setup_logging(settings: Settings) -> None:
    """Give the ``ogimage`` loggers a level and, unless configured already, a buffered stderr handler."""
    logger = logging.getLogger("ogimage")
    logger.setLevel(settings.log_level.upper())
    if not logger.handlers:
        handler = BufferedStreamHandler(_buffered_stderr())
        handler.setFormatter(CachedTimeFormatter(_FORMAT))
        logger.addHandler(handler)
