"""Font pages are released from the worker's resident set, and nothing read is lost."""

from __future__ import annotations

import mmap
import sys
from pathlib import Path

import pytest

from ogimage.fonts.residency import Residency, release_mapped_pages
from ogimage.resources import fonts_dir

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="madvise and /proc are Linux's")
CJK = fonts_dir() / "NotoSansCJK-Bold.ttc"


def _resident_kib(path: Path) -> int:
    """Resident KiB of every mapping of ``path`` in this process (/proc/self/smaps)."""
    total, inside = 0, False
    for line in Path("/proc/self/smaps").read_text().splitlines():
        head = line.split()
        if head and "-" in head[0] and len(head) >= 5 and all(c in "0123456789abcdef-" for c in head[0]):
            inside = len(head) >= 6 and head[5] == str(path)
        elif inside and line.startswith("Rss:"):
            total += int(head[1])
    return total


def test_released_pages_leave_the_resident_set_and_read_back_the_same() -> None:
    with open(CJK, "rb") as fh:
        mapped = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
    try:
        sample = bytes(mapped[i] for i in range(0, len(mapped), 4096))  # touch every page
        before = _resident_kib(CJK)
        assert before > 10_000  # ~18 MB of pages
        advised = release_mapped_pages([str(CJK)])
        assert advised >= len(mapped)
        assert _resident_kib(CJK) < before // 10
        assert bytes(mapped[i] for i in range(0, len(mapped), 4096)) == sample
    finally:
        mapped.close()


def test_other_files_are_left_alone(tmp_path: Path) -> None:
    other = tmp_path / "data.bin"
    other.write_bytes(b"x" * (1 << 20))
    with open(other, "rb") as fh:
        mapped = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
    try:
        _ = bytes(mapped[i] for i in range(0, len(mapped), 4096))
        before = _resident_kib(other)
        assert release_mapped_pages([str(CJK)]) >= 0
        assert _resident_kib(other) == before
    finally:
        mapped.close()


def test_rendering_releases_font_pages_every_so_many_cards(engine) -> None:
    residency = engine.fonts.residency
    assert str(CJK.resolve()) in residency.paths
    every, released = residency.every, residency.released
    residency.every = 3
    try:
        for i in range(6):
            engine.render(engine.card({"title": f"東京の天気 {i}"}, "plain"))
        assert residency.released == released + 2
        assert _resident_kib(CJK.resolve()) < 4096  # what the last card touched, at most
    finally:
        residency.every = every
