"""``ogimage cache stats|prune|clear``: look after the disk cache folder from a terminal.

    ogimage cache stats [--json]        # files and bytes in OGIMAGE_CACHE_DIR, against its bound
    ogimage cache prune [--max-bytes N] # delete least recently used files down to the bound
    ogimage cache clear                 # delete every cached image

Safe while servers use the folder: every change is made under the folder's lock (see
:mod:`ogimage.diskbudget`), and only files named like cache entries are ever deleted.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from .errors import SettingsError
from .root import open_disk_cache
from .settings import Settings, _size


def _size_arg(text: str) -> int:
    try:
        value = _size(text)
    except (ValueError, IndexError):
        raise argparse.ArgumentTypeError(f"{text!r} is not a size (bytes, or a number with K, M or G)") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r}: must be 0 or more")
    return value


def cmd_cache(args: argparse.Namespace) -> int:
    """Run one cache action; prints a line (or JSON for ``stats --json``)."""
    settings = Settings.from_env()
    if args.cache_dir is not None:
        settings = Settings(**{**settings.__dict__, "cache_dir": args.cache_dir})
    disk = open_disk_cache(settings)
    root = disk.root
    try:
        if args.action == "stats":
            usage = disk.budget.scan()
            row: dict[str, Any] = {"folder": str(root), "files": usage.files, "bytes": usage.bytes,
                                   "max_bytes": disk.max_bytes, "recorded_bytes": disk.budget.total()}
            if args.json:
                print(json.dumps(row))
            else:
                share = f" ({100 * usage.bytes / disk.max_bytes:.1f} % of {disk.max_bytes})" if disk.max_bytes else ""
                print(f"{root}: {usage.files} files, {usage.bytes} bytes{share}")
            return 0
        if not root.is_dir():
            print(f"{root}: no cache folder; nothing to do", file=sys.stderr)
            return 0
        if args.action == "prune":
            before = disk.budget.scan()
            after = disk.budget.prune(args.max_bytes)
            print(f"{root}: removed {before.files - after.files} files ({before.bytes - after.bytes} bytes); "
                  f"{after.files} files, {after.bytes} bytes left")
        else:
            gone = disk.budget.clear()
            print(f"{root}: removed {gone.files} files ({gone.bytes} bytes)")
        return 0
    except OSError as exc:
        raise SettingsError("OGIMAGE_CACHE_DIR", str(root), f"Cannot {args.action} it: {exc.strerror or exc}.") from None


def add_cache_command(sub: Any) -> None:
    """Add ``cache`` to the ``ogimage`` subcommands (``sub`` from ``add_subparsers``)."""
    p = sub.add_parser("cache", help="disk cache: stats, prune (least recently used first) or clear")
    p.add_argument("action", choices=("stats", "prune", "clear"), help="what to do")
    p.add_argument("--cache-dir", type=Path, metavar="DIR", help="the folder (default: OGIMAGE_CACHE_DIR)")
    p.add_argument("--max-bytes", type=_size_arg, metavar="SIZE",
                   help="prune: the bound to prune to (default: OGIMAGE_DISK_CACHE_BYTES, to 90 %% of it)")
    p.add_argument("--json", action="store_true", help="stats: print one JSON object")
    p.set_defaults(handler=cmd_cache)
