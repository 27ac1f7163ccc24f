"""Request-head bounds on a real ``ogimage serve`` (ogimage/http/limits.py): size, count, time."""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import httpx
import pytest
from serve_helpers import rss_kib, serve

from ogimage.errors import SettingsError
from ogimage.settings import Settings


def connect(port: int, timeout: float = 20) -> socket.socket:
    s = socket.create_connection(("127.0.0.1", port))
    s.settimeout(timeout)
    return s


def read_until_closed(s: socket.socket) -> bytes:
    """Everything the server sends until it closes; raises socket.timeout if it never does."""
    data = b""
    while True:
        try:
            chunk = s.recv(65536)
        except ConnectionResetError:
            return data
        if not chunk:
            return data
        data += chunk


def send_best_effort(s: socket.socket, data: bytes) -> None:
    """Send until done or until the server, having answered, closes on us."""
    try:
        s.sendall(data)
    except (BrokenPipeError, ConnectionResetError):
        pass


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("limits")
    with serve(tmp, {"OGIMAGE_HEAD_TIMEOUT": "1.5", "OGIMAGE_DISK_CACHE": "0"}) as served:
        yield served


def test_a_huge_header_gets_431_and_the_connection_closes(server):
    s = connect(server.port)
    send_best_effort(s, b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (16 << 20) + b"\r\n\r\n")
    answer = read_until_closed(s)
    assert answer.startswith(b"HTTP/1.1 431 "), answer[:200]
    assert b'"error"' in answer and b"request head over 65536 bytes" in answer


def test_ten_thousand_headers_get_431(server):
    for size in (b"b", b""):  # ~80 KB of headers, and ~60 KB (under the byte limit: the count catches it)
        s = connect(server.port)
        headers = b"".join(b"X-%d: %s\r\n" % (i, size) for i in range(10_000))
        send_best_effort(s, b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + headers + b"\r\n")
        answer = read_until_closed(s)
        assert answer.startswith(b"HTTP/1.1 431 "), answer[:200]


def test_a_normal_request_with_a_large_but_allowed_head_is_served(server):
    r = httpx.get(f"{server.base}/healthz", headers={"x-pad": "a" * 60_000, "x-more": "b"})
    assert r.status_code == 200 and r.json() == {"status": "ok"}


def test_unfinished_32_mb_heads_on_20_connections_leave_memory_flat(server):
    before = rss_kib(server.proc.pid)
    answers: list[bytes] = []

    def attack() -> None:
        s = connect(server.port)
        send_best_effort(s, b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (32 << 20))  # never ends
        answers.append(read_until_closed(s))

    threads = [threading.Thread(target=attack) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    after = rss_kib(server.proc.pid)
    assert len(answers) == 20 and all(a.startswith(b"HTTP/1.1 431 ") for a in answers)
    # Unbounded, the parser buffered every byte (~640 MB); bounded, a few read buffers at most.
    assert after - before < 32 * 1024, (before, after)


@pytest.mark.parametrize("sent", [b"", b"GET /heal", b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Half: "])
def test_an_incomplete_head_is_closed_while_others_are_served(server, sent: bytes):
    slow = [connect(server.port) for _ in range(3)]
    for s in slow:
        if sent:
            s.sendall(sent)
    # Meanwhile other clients are answered.
    assert httpx.get(f"{server.base}/healthz", timeout=5).status_code == 200
    for s in slow:
        answer = read_until_closed(s)  # socket timeout 20 s: raises if the server never closes
        if sent:
            assert answer.startswith(b"HTTP/1.1 408 "), answer[:200]
        else:
            assert answer == b""  # nothing was asked, nothing is answered


def test_keep_alive_requests_each_get_a_fresh_head_budget(server):
    with httpx.Client(base_url=server.base) as client:
        for _ in range(3):  # three heads of ~40 KB each on one connection: ~120 KB in all
            assert client.get("/healthz", headers={"x-pad": "a" * 40_000}).status_code == 200


def test_settings_are_read_and_checked():
    s = Settings.from_env({"OGIMAGE_MAX_HEAD_BYTES": "32K", "OGIMAGE_HEAD_TIMEOUT": "2.5",
                           "OGIMAGE_MAX_HEADERS": "50", "OGIMAGE_RENDER_TIMEOUT": "3"})
    assert (s.max_head_bytes, s.head_timeout, s.max_headers, s.render_timeout) == (32 << 10, 2.5, 50, 3.0)
    for name, value in (("OGIMAGE_HEAD_TIMEOUT", "0"), ("OGIMAGE_RENDER_TIMEOUT", "-1"), ("OGIMAGE_MAX_HEADERS", "0")):
        with pytest.raises(SettingsError) as err:
            Settings.from_env({name: value})
        assert name in str(err.value)


def test_one_timer_per_connection_still_times_a_late_head_after_quick_requests(server):
    """Requests on one connection for longer than the head timeout are served; a head begun
    later on that connection and left unfinished is still closed (the timer re-arms for it)."""
    import time

    s = connect(server.port)
    for _ in range(4):  # ~2 s of requests on one connection, head timeout 1.5 s
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        head = b""
        while b'{"status":"ok"}' not in head:
            head += s.recv(65536)
        assert head.startswith(b"HTTP/1.1 200 ")
        time.sleep(0.5)
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Half: ")
    assert read_until_closed(s).startswith(b"HTTP/1.1 408 ")
