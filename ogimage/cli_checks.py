"""Checks of command-line arguments, made before any work: folders that exist, an output
file the command can write, in a format its extension names.

Each failure is one line and exit code 2 (argparse's ``error:`` line for the folder
types, :class:`~ogimage.errors.UsageError` for the output).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from .errors import CardError, UsageError
from .formats import for_filename, normalise_format


def folder(text: str) -> Path:
    """An argparse ``type``: ``text`` as a path to an existing folder."""
    path = Path(text).expanduser()
    if not path.is_dir():
        raise argparse.ArgumentTypeError(f"'{text}' {'is not a folder' if path.exists() else 'does not exist'}")
    return path


def output_format(output: str, fmt: str | None) -> str:
    """The format to write ``output`` in (``-`` is stdout), checked before rendering.

    The extension, when there is one, must be an image format's (``.png``, ``.jpg``,
    ``.jpeg``, ``.webp``) and agree with ``--format``; the folder must exist.
    """
    if output == "-":
        return normalise_format(fmt)
    path = Path(output)
    try:
        named = for_filename(output)
    except CardError as exc:
        raise UsageError(f"{output}: {exc.reason}", field="--output") from None
    if fmt is not None and named is not None and normalise_format(fmt) != named:
        raise UsageError(f"{output}: --format {fmt} disagrees with the extension '{path.suffix}'", field="--output")
    parent = path.parent
    if not parent.is_dir():
        what = "is not a folder" if parent.exists() else "does not exist"
        raise UsageError(f"{output}: folder '{parent}' {what}", field="--output")
    return named or normalise_format(fmt)


def write_output(output: str, data: bytes) -> None:
    """Write ``data`` to ``output``; a refusal (permissions, a folder there) is a UsageError."""
    try:
        Path(output).write_bytes(data)
    except OSError as exc:
        raise UsageError(f"{output}: cannot be written ({exc.strerror or exc})", field="--output") from None

