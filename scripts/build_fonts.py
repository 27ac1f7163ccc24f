#!/usr/bin/env python3
"""Rebuild the bundled fonts in ``fonts/`` from Debian's font packages.

Sources (install them with apt-get first)::

    apt-get install fonts-noto-cjk fonts-noto-core fonts-noto-color-emoji fonts-inter

What it does, idempotently (a file whose bytes would not change is left alone):

* copies Inter Regular/Bold, Noto Sans Regular/Bold of each script in ``SCRIPTS``
  (Arabic, Hebrew, Thai, Devanagari, Bengali, Tamil, Telugu, Kannada, Malayalam,
  Gujarati, Gurmukhi, Sinhala, Khmer, Lao, Myanmar, Ethiopic, Georgian, Armenian) and
  Noto Color Emoji byte for byte;
* rebuilds each Noto Sans CJK collection with only its five proportional Sans faces
  (JP, KR, SC, TC, HK), dropping the five Mono faces.  The tables are copied raw (never
  decompiled) and shared between faces, so every face is byte-identical to Debian's and
  the collection is ~1.2 MB smaller;
* writes the OFL-1.1 licence files, taking the licence text from the packages' Debian
  ``copyright`` files and the copyright lines from the fonts' own ``name`` tables;
* prints every file's size and the total, and fails if the bundle is 60 MB or more.

``fonts/manifest.toml`` and ``fonts/README.md`` are hand-written and not touched.

Usage: ``python scripts/build_fonts.py [--out fonts] [--check]`` (``--check`` only
reports what would change and exits 1 if anything would).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import sys
import tempfile
from pathlib import Path

from fontTools.ttLib import TTCollection, TTFont

ROOT = Path(__file__).resolve().parent.parent
NOTO = Path("/usr/share/fonts/truetype/noto")
NOTO_CJK = Path("/usr/share/fonts/opentype/noto")
INTER = Path("/usr/share/fonts/opentype/inter")
DOC = Path("/usr/share/doc")

LIMIT = 60 * 1000 * 1000  # bytes; the whole bundle must stay under it

# Noto Sans faces of fonts-noto-core, one per script, in the manifest's fallback order.
SCRIPTS = ("Arabic", "Hebrew", "Thai", "Devanagari",
           "Bengali", "Tamil", "Telugu", "Kannada", "Malayalam", "Gujarati", "Gurmukhi",
           "Sinhala", "Khmer", "Lao", "Myanmar", "Ethiopic", "Georgian", "Armenian")

# destination name -> source path, copied as-is
COPIES: dict[str, Path] = {
    "Inter-Regular.otf": INTER / "Inter-Regular.otf",
    "Inter-Bold.otf": INTER / "Inter-Bold.otf",
    **{
        f"NotoSans{script}-{weight}.ttf": NOTO / f"NotoSans{script}-{weight}.ttf"
        for script in SCRIPTS
        for weight in ("Regular", "Bold")
    },
    "NotoColorEmoji.ttf": NOTO / "NotoColorEmoji.ttf",
}

# destination name -> (source collection, face indices to keep, in this order)
CJK_FACES = (0, 1, 2, 3, 4)  # Noto Sans CJK JP, KR, SC, TC, HK (5..9 are the Mono faces)
COLLECTIONS: dict[str, tuple[Path, tuple[int, ...]]] = {
    "NotoSansCJK-Regular.ttc": (NOTO_CJK / "NotoSansCJK-Regular.ttc", CJK_FACES),
    "NotoSansCJK-Bold.ttc": (NOTO_CJK / "NotoSansCJK-Bold.ttc", CJK_FACES),
}
EXPECTED_CJK_NAMES = ("Noto Sans CJK JP", "Noto Sans CJK KR", "Noto Sans CJK SC",
                      "Noto Sans CJK TC", "Noto Sans CJK HK")

# licence file -> (Debian package whose copyright holds the OFL text, fonts it covers)
LICENCES: dict[str, tuple[str, tuple[str, ...]]] = {
    "LICENSE-Inter.txt": ("fonts-inter", ("Inter-Regular.otf",)),
    "LICENSE-NotoSans.txt": ("fonts-noto-core", tuple(f"NotoSans{s}-Regular.ttf" for s in SCRIPTS)),
    "LICENSE-NotoSansCJK.txt": ("fonts-noto-cjk", ("NotoSansCJK-Regular.ttc",)),
    "LICENSE-NotoColorEmoji.txt": ("fonts-noto-color-emoji", ("NotoColorEmoji.ttf",)),
}


def rebuild_collection(src: Path, faces: tuple[int, ...]) -> bytes:
    """A TTC of the given faces of ``src``, tables copied raw and shared where equal."""
    source = TTCollection(str(src), lazy=True)
    names = []
    for i in faces:
        names.append(str(source.fonts[i]["name"].getDebugName(1)))
    if "CJK" in src.name and tuple(names) != EXPECTED_CJK_NAMES:
        raise SystemExit(f"{src}: unexpected faces {names}, expected {EXPECTED_CJK_NAMES}")
    out = TTCollection()
    out.fonts = [source.fonts[i] for i in faces]
    for font in out.fonts:  # keep 'head' untouched so rebuilds are byte-identical
        font.recalcTimestamp = False
        font.recalcBBoxes = False
    buf = io.BytesIO()
    out.save(buf, shareTables=True)
    source.close()
    return buf.getvalue()


def ofl_text(package: str) -> str:
    """The OFL-1.1 licence text out of a Debian copyright file (DEP-5 format)."""
    lines = (DOC / package / "copyright").read_text(encoding="utf-8").splitlines()
    start = None
    for i, line in enumerate(lines):
        if line.strip() in ("License: OFL-1.1", "License:   SIL-1.1", "License: SIL-1.1") \
                and i + 1 < len(lines) and lines[i + 1].startswith(" "):
            start = i + 1
            break
    if start is None:
        raise SystemExit(f"no OFL text found in {package}'s copyright file")
    body = []
    for line in lines[start:]:
        if not line.startswith(" "):
            break
        body.append("" if line.strip() == "." else line[1:])
    text = "\n".join(body).strip() + "\n"
    if "SIL OPEN FONT LICENSE" not in text.upper() and "PREAMBLE" not in text:
        raise SystemExit(f"{package}: text found does not look like the OFL")
    return text


def licence_file(package: str, fonts: tuple[str, ...], out: Path) -> bytes:
    notices = []
    for name in fonts:
        path = out / name
        font = TTFont(str(path), lazy=True, fontNumber=0)
        notice = str(font["name"].getDebugName(0) or "").strip()
        font.close()
        if notice and notice not in notices:
            notices.append(notice)
    head = "\n".join(notices)
    text = ofl_text(package)
    if "SIL OPEN FONT LICENSE" not in text[:300].upper():
        text = "SIL OPEN FONT LICENSE Version 1.1 - 26 February 2007\n\n" + text
    return (f"{head}\n\nThis Font Software is licensed under the SIL Open Font License, "
            f"Version 1.1.\nThe licence text (as shipped by Debian's {package}) follows.\n\n"
            f"{text}").encode("utf-8")


def write_if_changed(path: Path, data: bytes, check: bool) -> bool:
    if path.exists() and path.read_bytes() == data:
        return False
    if not check:
        with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as tmp:
            tmp.write(data)
        Path(tmp.name).replace(path)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "fonts")
    parser.add_argument("--check", action="store_true",
                        help="report what would change, write nothing, exit 1 if anything would")
    args = parser.parse_args(argv)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)

    missing = [str(p) for p in [*COPIES.values(), *(s for s, _ in COLLECTIONS.values())]
               if not p.exists()]
    if missing:
        print("missing sources (apt-get install fonts-noto-cjk fonts-noto-core "
              "fonts-noto-color-emoji fonts-inter):\n  " + "\n  ".join(missing), file=sys.stderr)
        return 2

    changed = []
    for name, src in COPIES.items():
        if write_if_changed(out / name, src.read_bytes(), args.check):
            changed.append(name)
    for name, (src, faces) in COLLECTIONS.items():
        if write_if_changed(out / name, rebuild_collection(src, faces), args.check):
            changed.append(name)
    if not args.check or not changed:
        for name, (package, fonts) in LICENCES.items():
            if write_if_changed(out / name, licence_file(package, fonts, out), args.check):
                changed.append(name)

    total = 0
    bundled = [*COPIES, *COLLECTIONS, *LICENCES]
    for name in sorted(bundled):
        path = out / name
        size = path.stat().st_size if path.exists() else 0
        total += size
        flag = "  (changed)" if name in changed else ""
        print(f"{size:>12,}  {name}{flag}")
    for extra in ("manifest.toml", "README.md"):
        if (out / extra).exists():
            total += (out / extra).stat().st_size
    print(f"{total:>12,}  total ({total / 1e6:.1f} MB, limit {LIMIT / 1e6:.0f} MB)")
    digest = hashlib.sha256()
    for name in sorted(bundled):
        if (out / name).exists():
            digest.update(name.encode() + b"\0" + (out / name).read_bytes())
    print(f"sha256 of the font files: {digest.hexdigest()}")
    if total >= LIMIT:
        print("bundle is over the size limit", file=sys.stderr)
        return 1
    if args.check:
        print("up to date" if not changed else f"would change: {', '.join(changed)}")
        return 1 if changed else 0
    print("nothing changed" if not changed else f"wrote: {', '.join(changed)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
