"""The cheap access log: records like Logger.info's, buffered writes, one time stamp per second."""

from __future__ import annotations

import io
import logging
import time

import pytest

from ogimage.http.accesslog import AccessLogger, BufferedStreamHandler, CachedTimeFormatter

FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


class Recording(io.StringIO):
    def __init__(self) -> None:
        super().__init__()
        self.flushes = 0

    def flush(self) -> None:
        self.flushes += 1


def test_access_logger_records_carry_what_a_handler_needs(caplog: pytest.LogCaptureFixture):
    log = AccessLogger()
    with caplog.at_level(logging.INFO, logger="ogimage.access"):
        log("GET", '/api/og/"x"', 200, 1234, 0.0015, "memory")
        log("HEAD", "/api/og-default", 304, 0, 0.0002, "-")
    first, second = [r for r in caplog.records if r.name == "ogimage.access"]
    assert first.getMessage() == 'method=GET path="/api/og/%22x%22" status=200 bytes=1234 ms=1.50 cache=memory'
    assert second.getMessage().startswith("method=HEAD path=\"/api/og-default\" status=304 bytes=0 ")
    assert first.levelname == "INFO" and first.name == "ogimage.access"
    assert second.created >= first.created and 0 <= second.msecs < 1000
    assert second.relativeCreated >= first.relativeCreated
    # Every record is its own object: a handler may keep it.
    assert first is not second and first.args != second.args
    text = CachedTimeFormatter(FORMAT).format(second)
    assert text.endswith(" INFO ogimage.access " + second.getMessage())


def test_access_logger_off_or_below_level_emits_nothing(caplog: pytest.LogCaptureFixture):
    with caplog.at_level(logging.INFO, logger="ogimage.access"):
        AccessLogger(enabled=False)("GET", "/", 200, 0, 0.0, "-")
    with caplog.at_level(logging.WARNING, logger="ogimage.access"):
        AccessLogger()("GET", "/", 200, 0, 0.0, "-")
    assert not [r for r in caplog.records if r.name == "ogimage.access"]


def test_cached_time_formatter_matches_logging_formatter():
    plain, cached = logging.Formatter(FORMAT), CachedTimeFormatter(FORMAT)
    for created in (1_700_000_000.123, 1_700_000_000.999, 1_700_000_001.0, 1_700_000_000.5):
        record = logging.LogRecord("x", logging.INFO, __file__, 1, "m %d", (1,), None)
        record.created, record.msecs = created, int((created - int(created)) * 1000) + 0.0
        assert cached.format(record) == plain.format(record)


def test_buffered_handler_flushes_warnings_at_once_and_info_later():
    stream = Recording()
    handler = BufferedStreamHandler(stream, interval=3600)  # the flusher thread stays asleep
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    handler.handle(logging.LogRecord("x", logging.INFO, __file__, 1, "routine", None, None))
    assert stream.getvalue() == "INFO routine\n" and stream.flushes == 0
    handler.handle(logging.LogRecord("x", logging.WARNING, __file__, 1, "alarm", None, None))
    assert stream.getvalue().endswith("WARNING alarm\n") and stream.flushes == 1
    handler.flush()  # what logging.shutdown does at exit
    assert stream.flushes == 2


def test_buffered_handler_flushes_pending_lines_in_the_background():
    stream = Recording()
    handler = BufferedStreamHandler(stream, interval=0.01)
    handler.setFormatter(logging.Formatter("%(message)s"))
    handler.handle(logging.LogRecord("x", logging.INFO, __file__, 1, "routine", None, None))
    deadline = time.monotonic() + 10
    while stream.flushes == 0 and time.monotonic() < deadline:
        time.sleep(0.005)
    assert stream.flushes >= 1


def test_access_line_is_written_directly_when_our_handler_is_the_only_one(monkeypatch):
    """With only setup_logging's handler on the way, the line is written without a record;
    it must read exactly as the logging path would have formatted it."""
    from ogimage.http import accesslog

    stream = Recording()
    handler = BufferedStreamHandler(stream, interval=3600)
    handler.setFormatter(CachedTimeFormatter(FORMAT))
    ogimage_log = logging.getLogger("ogimage")
    monkeypatch.setattr(ogimage_log, "handlers", [handler])
    monkeypatch.setattr(logging.getLogger(), "handlers", [])  # pytest's capture handlers live on the root
    monkeypatch.setattr(accesslog.access_log, "level", logging.INFO)
    assert accesslog._sole_buffered_handler() is handler
    AccessLogger()("GET", '/api/og/"x"', 200, 1234, 0.0015, "memory")
    assert handler._pending  # written by the direct path, flushed later
    line = stream.getvalue()
    assert line.endswith(' INFO ogimage.access method=GET path="/api/og/%22x%22" status=200 bytes=1234 ms=1.50 cache=memory\n')
    record = logging.LogRecord("ogimage.access", logging.INFO, __file__, 1, "m", None, None)
    stamp = line.split(" INFO ")[0]
    record.created = time.mktime(time.strptime(stamp.split(",")[0], "%Y-%m-%d %H:%M:%S")) + int(stamp.split(",")[1]) / 1000
    record.msecs = int(stamp.split(",")[1]) + 0.0
    assert CachedTimeFormatter(FORMAT).formatTime(record) == stamp  # the same time format as the logging path
    # Any other handler on the way (a user's, pytest's) sends lines through logging again.
    monkeypatch.setattr(logging.getLogger(), "handlers", [logging.NullHandler()])
    assert accesslog._sole_buffered_handler() is None


# -- log injection (issue 10) -----------------------------------------------------------

HOSTILE_PATH = "/api/og/x\r\n2026-01-01 00:00:00,000 INFO ogimage.access method=GET path=\"/ok\"\x1b[2J\x00\x7f\x85\u2028\\"


def assert_one_safe_line(text: str) -> None:
    assert text.count("\n") == 1 and text.endswith("\n"), repr(text)
    body = text[:-1]
    assert not any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 or c in "\u2028\u2029" for c in body), repr(body)
    assert "\\x0d\\x0a2026-01-01" in body and "\\x1b[2J\\x00\\x7f\\x85\\u2028\\\\" in body
    assert body.count('"') == 2  # only the path field's own quotes


def test_control_characters_are_escaped_on_the_formatted_path(caplog: pytest.LogCaptureFixture):
    with caplog.at_level(logging.INFO, logger="ogimage.access"):
        AccessLogger()("GET\x1b", HOSTILE_PATH, 404, 10, 0.001, "-\n")
    (record,) = [r for r in caplog.records if r.name == "ogimage.access"]
    message = record.getMessage()
    assert_one_safe_line(message.replace("method=GET\\x1b", "method=GET").replace("cache=-\\x0a", "cache=-") + "\n")
    assert message.startswith("method=GET\\x1b path=") and message.endswith("cache=-\\x0a")


def test_control_characters_are_escaped_on_the_direct_path(monkeypatch):
    from ogimage.http import accesslog

    stream = Recording()
    handler = BufferedStreamHandler(stream, interval=3600)
    handler.setFormatter(CachedTimeFormatter(FORMAT))
    monkeypatch.setattr(logging.getLogger("ogimage"), "handlers", [handler])
    monkeypatch.setattr(logging.getLogger(), "handlers", [])
    monkeypatch.setattr(accesslog.access_log, "level", logging.INFO)
    assert accesslog._sole_buffered_handler() is handler
    AccessLogger()("GET", HOSTILE_PATH, 404, 10, 0.001, "-")
    assert_one_safe_line(stream.getvalue())


def test_escape_leaves_ordinary_text_alone():
    from ogimage.http.accesslog import escape

    for text in ("/api/og/default", "/api/og/日本語 é", "GET"):
        assert escape(text) is text
