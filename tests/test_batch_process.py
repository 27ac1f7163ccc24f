"""``ogimage batch`` as a real process: Ctrl-C mid-run leaves valid state; --watch re-renders edits
(and, in this process, is armed when it says "watching")."""

from __future__ import annotations

import json
import queue
import threading
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image

from batch_tree import many_pages
from ogimage.batch import watch as watch_module
from ogimage.batch.build import Options
from ogimage.batch.progress import Progress
from ogimage.batch.runner import TEMP_SUFFIX
from ogimage.settings import Settings

pytest.importorskip("watchfiles")


def _env() -> dict[str, str]:
    env = dict(os.environ, OGIMAGE_DISK_CACHE="0", PYTHONUNBUFFERED="1")
    env.pop("OGIMAGE_TEMPLATE_DIRS", None)
    return env


def _start(args: list[str], cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "ogimage.cli", "batch", *args], cwd=cwd, env=_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _read_until(proc: subprocess.Popen[str], predicate, limit: float = 120.0) -> list[str]:
    """Lines of stderr up to and including the first that satisfies ``predicate``, within
    ``limit`` seconds (a reader thread feeds a queue, so a silent process cannot hang the test)."""
    assert proc.stderr is not None
    feed = _feeds.get(proc)
    if feed is None:
        feed = _feeds[proc] = queue.Queue()
        stream = proc.stderr
        threading.Thread(target=lambda: [feed.put(line) for line in iter(stream.readline, "")] and feed.put(None)
                         or feed.put(None), daemon=True).start()
    lines: list[str] = []
    deadline = time.monotonic() + limit
    while (left := deadline - time.monotonic()) > 0:
        try:
            line = feed.get(timeout=left)
        except queue.Empty:
            break
        if line is None:
            feed.put(None)  # the process ended: later reads see it too
            break
        lines.append(line.rstrip("\n"))
        if predicate(lines[-1]):
            return lines
    raise AssertionError(f"did not see the expected line within {limit:.0f} s; got {lines[-5:]}")


# Keyed by the Popen object, not its pid: a pid is reused over a long run, and a dead
# process's finished feed would then answer for a new one.
_feeds: dict[subprocess.Popen[str], queue.Queue[str | None]] = {}


def _finish(proc: subprocess.Popen[str], limit: float) -> str:
    """Wait for the process (killed past ``limit`` s) and return the stderr not read yet."""
    try:
        proc.wait(timeout=limit)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    feed = _feeds.get(proc)
    if feed is None:
        return proc.stderr.read() if proc.stderr else ""
    rest: list[str] = []
    while (line := feed.get(timeout=10)) is not None:
        rest.append(line)
    feed.put(None)
    return "".join(rest)


def test_sigint_mid_run_leaves_valid_outputs_and_manifest(tmp_path: Path) -> None:
    many_pages(tmp_path, 300)
    proc = _start(["many", "--out", "og", "--jobs", "2"], tmp_path)
    _read_until(proc, lambda line: line.startswith("rendered") and "p00" in line)
    _read_until(proc, lambda line: line.startswith("rendered"))  # a few more, so the pool is busy
    proc.send_signal(signal.SIGINT)
    err = _finish(proc, 120)
    assert proc.returncode == 130, err[-2000:]
    assert "interrupted" in err
    pages = json.loads((tmp_path / "og/ogimage-manifest.json").read_text())["pages"]
    outputs = sorted((tmp_path / "og").rglob("*.png"))
    assert 0 < len(pages) < 300 and len(outputs) < 300
    assert not list((tmp_path / "og").rglob(f"*{TEMP_SUFFIX}"))
    for png in outputs:  # every file there is complete
        with Image.open(png) as image:
            image.load()
    for entry in pages.values():
        assert (tmp_path / "og" / entry["output"]).exists()
    # A rerun completes the work, without drawing what the manifest already has.
    done = subprocess.run([sys.executable, "-m", "ogimage.cli", "batch", "many", "--out", "og", "--jobs", "2"],
                          cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    summary = done.stderr.splitlines()[-1]
    assert summary.startswith(f"{300 - len(pages)} rendered, {len(pages)} unchanged"), summary
    assert len(list((tmp_path / "og").rglob("*.png"))) == 300


def _write_and_wait(proc: subprocess.Popen[str], path: Path, text: str) -> list[str]:
    """Write ``path`` once and return the lines up to the rebuild's summary."""
    path.write_text(text)
    return _read_until(proc, lambda line: " rendered," in line, limit=60.0)


def test_watch_is_armed_when_it_says_watching(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An edit made the instant "watching" is printed (before the message returns) is seen."""
    content = tmp_path / "content"
    content.mkdir()
    (content / "a.md").write_text("---\ntitle: First title\n---\n")
    stop = threading.Event()
    runs: list[object] = []
    real_run, real_note = watch_module.run_batch, Progress.note

    def run_batch(*args, **kwargs):
        result = real_run(*args, **kwargs)
        runs.append(result)
        if len(runs) == 2:
            stop.set()
        return result

    def note(self, message: str) -> None:
        real_note(self, message)
        if message.startswith("watching"):
            (content / "a.md").write_text("---\ntitle: Second title\n---\n")

    monkeypatch.setattr(watch_module, "run_batch", run_batch)
    monkeypatch.setattr(Progress, "note", note)
    timer = threading.Timer(30, stop.set)  # the edit was missed: stop, and fail below
    timer.start()
    try:
        options = Options(paths=[str(content)], out=tmp_path / "og", jobs=1, settings=Settings(disk_cache=False))
        assert watch_module.watch(options, quiet=True, stop=stop) == 0
    finally:
        timer.cancel()
    assert len(runs) == 2, "the edit made as 'watching' was printed started no run"
    pages = json.loads((tmp_path / "og/ogimage-manifest.json").read_text())["pages"]
    assert [entry["title"] for entry in pages.values()] == ["Second title"]


def test_watch_renders_an_edited_page(tmp_path: Path) -> None:
    content = tmp_path / "content"
    content.mkdir()
    (content / "a.md").write_text("---\ntitle: First title\n---\n")
    (content / "b.md").write_text("---\ntitle: Other page\n---\n")
    proc = _start(["content", "--out", "og", "--watch", "--jobs", "1"], tmp_path)
    try:
        _read_until(proc, lambda line: line.startswith("watching"))
        first = (tmp_path / "og/a.png").read_bytes()
        lines = _write_and_wait(proc, content / "a.md", "---\ntitle: Second title\n---\n")
        assert "rendered   content/a.md -> og/a.png" in lines
        assert "unchanged  content/b.md" in lines
        assert (tmp_path / "og/a.png").read_bytes() != first
        lines = _write_and_wait(proc, content / "c.md", "---\ntitle: A new page\n---\n")
        assert "rendered   content/c.md -> og/c.png" in lines
    finally:
        proc.send_signal(signal.SIGINT)
        _finish(proc, 60)
    assert proc.returncode == 0
