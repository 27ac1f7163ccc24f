"""The batch manifest: what each source was rendered to, under which content key.

A JSON file (default ``OUT/ogimage-manifest.json``)::

    {"version": 1, "generator": "ogimage 0.1.0", "format": "png",
     "pages": {"content/blog/post.md": {"output": "blog/post.png", "key": "…",
                                        "title": "…", "alt": "…", "url": "https://…/og/blog/post.png"}}}

``output`` is relative to the output folder; ``url`` is there only with ``--base-url``.
``source`` (see :class:`Stamp`) records the file's size and mtime when it was read and the
card it gave, so a rerun takes unchanged files' cards from here without reading them.
It is written atomically (temporary file, then ``os.replace``), so a reader — or a run
that was killed — always finds the previous or the next complete manifest. A missing,
unreadable or foreign file reads as empty: everything is rendered again, nothing breaks.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import __version__
from .runner import write_atomic

VERSION = 1
DEFAULT_NAME = "ogimage-manifest.json"


@dataclass(frozen=True)
class Stamp:
    """A source file as it was when last read, and the card it gave.

    A rerun that finds the same ``size`` and ``mtime_ns``, read the same way (``reading``:
    a digest of the options and path that decide the card and output name), takes
    ``template`` and ``fields`` from here instead of reading the file. The content key is
    still computed from them, so a template, font or renderer change still re-renders.
    """

    size: int
    mtime_ns: int
    reading: str
    template: str
    fields: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {"size": self.size, "mtime_ns": self.mtime_ns, "reading": self.reading,
                "template": self.template, "fields": self.fields}

    @classmethod
    def from_json(cls, raw: Any) -> Stamp | None:
        """The stamp in ``raw``, or None when it is missing or damaged (the file is read again)."""
        try:
            stamp = cls(int(raw["size"]), int(raw["mtime_ns"]), str(raw["reading"]), str(raw["template"]),
                        dict(raw["fields"]))
        except (KeyError, TypeError, ValueError):
            return None
        return stamp if all(isinstance(k, str) for k in stamp.fields) else None

    def matches(self, size: int, mtime_ns: int, reading: str) -> bool:
        return self.size == size and self.mtime_ns == mtime_ns and self.reading == reading


@dataclass
class Entry:
    """One rendered page."""

    output: str  # relative to the output folder, with /
    key: str
    title: str
    alt: str
    url: str | None = None
    stamp: Stamp | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"output": self.output, "key": self.key, "title": self.title, "alt": self.alt}
        if self.url:
            data["url"] = self.url
        if self.stamp is not None:
            data["source"] = self.stamp.to_json()
        return data


@dataclass
class Manifest:
    """Entries by source (as shown), loaded from and saved to one file."""

    path: Path
    pages: dict[str, Entry] = field(default_factory=dict)
    fmt: str = "png"

    @classmethod
    def load(cls, path: Path) -> Manifest:
        """The manifest at ``path``; an empty one if it is missing, unreadable or not ours."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return cls(path)
        if not isinstance(data, Mapping) or data.get("version") != VERSION:
            return cls(path)
        pages: dict[str, Entry] = {}
        for source, raw in (data.get("pages") or {}).items():
            try:
                pages[source] = Entry(str(raw["output"]), str(raw["key"]), str(raw.get("title", "")),
                                      str(raw.get("alt", "")), raw.get("url"),
                                      Stamp.from_json(raw["source"]) if "source" in raw else None)
            except (KeyError, TypeError):
                continue  # a damaged entry: that page is rendered again
        return cls(path, pages, str(data.get("format", "png")))

    def previous(self, out: Path) -> dict[str, str]:
        """Output path (``str(out / output)``) → content key, for :func:`run_jobs`."""
        return {str(out / e.output): e.key for e in self.pages.values()}

    def to_json(self) -> dict[str, Any]:
        return {
            "version": VERSION,
            "generator": f"ogimage {__version__}",
            "format": self.fmt,
            "pages": {source: self.pages[source].to_json() for source in sorted(self.pages)},
        }

    def save(self) -> None:
        """Write the manifest atomically, one page a line (~5 ms for 1,000 pages: json's C encoder)."""
        head = {k: v for k, v in self.to_json().items() if k != "pages"}
        dump = json.JSONEncoder(ensure_ascii=False).encode
        lines = [f" {dump(source)}: {dump(self.pages[source].to_json())}" for source in sorted(self.pages)]
        text = dump(head)[:-1] + ', "pages": {\n' + ",\n".join(lines) + "\n}}\n"
        write_atomic(self.path, text.encode("utf-8"))


def url_for(base_url: str | None, output: str) -> str | None:
    """The public URL of an output under ``base_url`` (where the output folder is served)."""
    if not base_url:
        return None
    return base_url.rstrip("/") + "/" + output.lstrip("/")


def remove_output(out: Path, output: str) -> bool:
    """Delete ``out/output`` if it is a file inside ``out``; then empty folders up to ``out``."""
    target = (out / output).resolve()
    root = out.resolve()
    if root not in target.parents or not target.is_file():
        return False
    target.unlink()
    parent = target.parent
    while parent != root and parent.is_dir() and not any(parent.iterdir()):
        parent.rmdir()
        parent = parent.parent
    return True


def stale_temporaries(out: Path, suffix: str) -> list[Path]:
    """Temporary files a killed run left under ``out`` (``.name.XXXX.ogimage-tmp``)."""
    if not out.is_dir():
        return []
    found = []
    for folder, _dirs, files in os.walk(out):
        found.extend(Path(folder, f) for f in files if f.startswith(".") and f.endswith(suffix))
    return found
