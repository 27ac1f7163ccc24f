"""Start-up check that each font really draws the scripts it claims.

A font's tables can be valid while its glyph data is not (a corrupted or truncated
file): it opens, its cmap claims Thai, and every Thai glyph comes out blank. So for
each face, and for each script of :data:`PROBES` whose probe character the face's cmap
maps, one glyph is drawn and must leave ink.

Cost: ~1-3 ms per face (HarfBuzz reads the cmap through a memory map; FreeType draws one
glyph per claimed script); the bundled fonts (21 faces) took 30-70 ms on the busy 2-core
development machine. ``ogimage serve`` runs it once before any worker starts, and
remembers the faces that passed in the disk cache folder (a changed file is probed
again); ``ogimage render`` never runs it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

__all__ = ["PROBES", "Failure", "probe_face", "probe_faces"]

# One common character per script (what a card in that script cannot do without).
PROBES: tuple[tuple[str, str], ...] = (
    ("Latin", "H"), ("Greek", "Ω"), ("Cyrillic", "Ж"), ("Arabic", "ب"), ("Hebrew", "א"),
    ("Thai", "ก"), ("Devanagari", "क"), ("Han", "永"), ("Kana", "あ"), ("Hangul", "한"),
    ("Emoji", "😀"),
)
_SIZE = 48


@dataclass(frozen=True)
class Failure:
    """A face that cannot be used: which file and face, the script it fails (if any) and why."""

    path: Path
    index: int
    script: str | None
    reason: str

    def line(self) -> str:
        """One log line: ``file[index]: Thai (U+0E01) draws nothing (corrupt glyph data?)``."""
        face = f"{self.path}" + (f"[{self.index}]" if self.index else "")
        return f"{face}: {self.script + ' ' if self.script else ''}{self.reason}"


def _claimed(path: Path, index: int) -> list[tuple[str, str]] | None:
    """The probes whose character the face's cmap maps (None: uharfbuzz unavailable)."""
    try:
        import uharfbuzz as hb
    except ImportError:  # pragma: no cover - a dependency
        return None
    font = hb.Font(hb.Face(hb.Blob.from_file_path(str(path)), index))
    return [(script, ch) for script, ch in PROBES if font.get_nominal_glyph(ord(ch))]


def probe_face(path: Path, index: int = 0, bitmap_size: int | None = None) -> list[Failure]:
    """Every script this face claims but cannot draw, and any reason it cannot be opened.

    ``bitmap_size``: the strike of a bitmap-only (colour emoji) face. A face that claims
    none of the probe scripts passes if it opens.
    """
    size = bitmap_size or _SIZE
    try:
        font = ImageFont.truetype(str(path), size=size, index=index)
    except (OSError, ValueError) as exc:
        return [Failure(path, index, None, f"cannot be opened ({exc})")]
    try:
        claims = _claimed(path, index)
    except Exception as exc:  # noqa: BLE001 - an unreadable face is a failure, whatever the cause
        return [Failure(path, index, None, f"cannot be read ({exc})")]
    if claims is None:
        claims = [("Latin", "H")]
    failures = []
    for script, ch in claims:
        where = f"(U+{ord(ch):04X})"
        try:
            image = Image.new("RGBA", (size * 3, size * 3))
            ImageDraw.Draw(image).text((size, size), ch, font=font, fill="black", embedded_color=True)
            inked = image.getchannel("A").getbbox() is not None
        except Exception as exc:  # noqa: BLE001 - FreeType errors on damaged glyph data
            failures.append(Failure(path, index, script, f"{where} cannot be drawn ({exc})"))
            continue
        if not inked:
            failures.append(Failure(path, index, script, f"{where} draws nothing (corrupt glyph data?)"))
    return failures


def _stamp(path: Path, index: int, bitmap_size: int | None) -> str:
    """What identifies one face's file as probed: any write to the file changes its ctime."""
    st = path.stat()
    return f"{path}|{index}|{bitmap_size}|{st.st_size}|{st.st_ino}|{st.st_mtime_ns}|{st.st_ctime_ns}"


def _load_memo(memo: Path | None) -> set[str]:
    if memo is None:
        return set()
    try:
        data = json.loads(memo.read_text(encoding="utf-8"))
        return {str(x) for x in data} if isinstance(data, list) else set()
    except (OSError, ValueError):
        return set()


def _save_memo(memo: Path, stamps: set[str]) -> None:
    try:
        tmp = memo.with_name(f"{memo.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(sorted(stamps)), encoding="utf-8")
        os.replace(tmp, memo)
    except OSError:  # a read-only cache folder: probe again next time
        pass


def probe_faces(faces: Iterable[tuple[Path, int, int | None]], memo: Path | None = None) -> list[Failure]:
    """:func:`probe_face` over (path, index, bitmap size) triples, each face once.

    ``memo``: a file remembering faces that passed, by path, size, inode, mtime and ctime
    (so any write to a font file probes it again); faces found there are not probed.
    """
    known = _load_memo(memo)
    passed: set[str] = set()
    out: list[Failure] = []
    for path, index, bitmap_size in dict.fromkeys(faces):
        try:
            stamp = _stamp(path, index, bitmap_size)
        except OSError as exc:
            out.append(Failure(path, index, None, f"cannot be read ({exc.strerror})"))
            continue
        if stamp in known:
            passed.add(stamp)
            continue
        failures = probe_face(path, index, bitmap_size)
        out.extend(failures)
        if not failures:
            passed.add(stamp)
    if memo is not None and passed != known:
        _save_memo(memo, passed)
    return out
