"""Find the Markdown files a batch reads: files, folders (searched recursively) and globs.

Each source comes with the path its output name mirrors: relative to the folder that was
named (``content/`` for ``content`` or ``content/**/*.md``), or just its file name for a
file named directly. Folders skip hidden folders (``.git``) and ``node_modules``.
``--include`` / ``--exclude`` globs match that relative path (``*`` also crosses ``/``)
or, for a pattern without ``/``, the file name. Costs one directory walk.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path, PurePosixPath

from ..errors import OgImageError
from ..pages import MARKDOWN_SUFFIXES

_SKIP_DIRS = ("node_modules",)
_MAGIC = ("*", "?", "[")


@dataclass(frozen=True, slots=True)
class Source:
    """A Markdown file: where it is, how messages show it, and the path its output mirrors."""

    path: Path
    shown: str  # as the user would write it: relative to the working folder when under it
    relative: PurePosixPath  # relative to the named folder (or the glob's fixed prefix)


class NoSuchPath(OgImageError):
    """A path on the command line names nothing (exit 2)."""

    def __init__(self, path: str) -> None:
        super().__init__(f"{path}: no such file, folder or matching glob", field="paths")


def is_markdown(path: Path | PurePosixPath) -> bool:
    return path.name.lower().endswith(MARKDOWN_SUFFIXES)


def _shown(path: str) -> str:
    """``path`` as messages show it: relative paths as given (normalised), absolute ones
    relative to the working folder when under it."""
    if not os.path.isabs(path):
        return Path(os.path.normpath(path)).as_posix()
    cwd = os.getcwd()
    if path.startswith(cwd + os.sep):
        return Path(path[len(cwd) + 1:]).as_posix()
    return path


def _walk(root: Path) -> Iterator[tuple[str, str]]:
    """(path, path relative to ``root``) of every Markdown file under ``root``, sorted; strings (fast)."""
    top = os.fspath(root)
    for folder, dirs, files in os.walk(top):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in _SKIP_DIRS)
        inner = os.path.relpath(folder, top) if folder != top else ""
        for name in sorted(files):
            if name.lower().endswith(MARKDOWN_SUFFIXES):
                yield os.path.join(folder, name), os.path.join(inner, name) if inner else name


def glob_root(pattern: str) -> Path:
    """The fixed folder a glob starts from: ``content/blog`` for ``content/blog/**/*.md``."""
    parts = []
    for part in Path(pattern).parts:
        if any(c in part for c in _MAGIC):
            break
        parts.append(part)
    return Path(*parts) if parts else Path(".")


def _expand(arg: str) -> Iterator[tuple[str, str]]:
    """(file, its path relative to the folder its output mirrors) for one command-line argument."""
    path = Path(arg)
    if path.is_dir():
        yield from _walk(path)
    elif path.is_file():
        yield arg, path.name
    elif any(c in arg for c in _MAGIC):
        root = glob_root(arg)
        for match in sorted(glob.glob(arg, recursive=True)):
            if os.path.isdir(match):
                for f, _rel in _walk(Path(match)):
                    yield f, os.path.relpath(f, root)
            elif match.lower().endswith(MARKDOWN_SUFFIXES):
                yield match, os.path.relpath(match, root)
    else:
        raise NoSuchPath(arg)


def _matches(relative: PurePosixPath, patterns: Sequence[str]) -> bool:
    text = relative.as_posix()
    return any(fnmatchcase(text, p) or ("/" not in p and fnmatchcase(relative.name, p)) for p in patterns)


def find_sources(args: Sequence[str], *, include: Sequence[str] = (), exclude: Sequence[str] = ()) -> list[Source]:
    """Every Markdown file the arguments name, once each, in a stable order.

    Raises :class:`NoSuchPath` for an argument that is not a file, a folder or a glob
    (a glob that matches nothing is fine: it finds nothing). A file named directly is
    read whatever its suffix; folders and globs yield only ``*.md``, ``*.markdown``, ``*.mdx``.
    """
    seen: set[str] = set()
    found: list[Source] = []
    for arg in args:
        for path, rel in _expand(arg):
            real = os.path.abspath(path)  # the same file named twice (symbolic links are not followed)
            if real in seen:
                continue
            relative = PurePosixPath(Path(rel).as_posix())
            if include and not _matches(relative, include):
                continue
            if exclude and _matches(relative, exclude):
                continue
            seen.add(real)
            found.append(Source(Path(path), _shown(path), relative))
    return found
