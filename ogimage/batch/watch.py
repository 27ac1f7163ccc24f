"""``ogimage batch --watch``: render once, then again whenever a page or a template changes.

Uses watchfiles (the watcher uvicorn's ``--reload`` uses: Rust ``notify``, debounced).
Every change triggers a normal incremental run: the sources are read again (~0.1 ms
each) and only pages whose content key changed are drawn, so an edit to one page
re-renders that page, a template edit the pages that use it, a deleted page is
reported stale (or pruned). The service is kept between runs, and built again when a
template or font folder changes. Ctrl-C stops it (exit status 0).
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterable
from pathlib import Path

from ..errors import OgImageError
from ..pages import MARKDOWN_SUFFIXES
from .build import Options, run_batch
from .progress import Progress, choose_mode
from .sources import glob_root

_MAGIC = ("*", "?", "[")


def watched_roots(options: Options) -> tuple[list[Path], list[Path]]:
    """(folders or files holding pages, folders of templates and fonts) to watch; only existing ones."""
    pages = []
    for arg in options.paths:
        root = glob_root(arg) if any(c in arg for c in _MAGIC) else Path(arg)
        if root.exists():
            pages.append(root)
    settings = options.settings
    extra = [*options.template_dirs, *options.font_dirs]
    if settings is not None:
        extra += [*settings.template_dirs, *settings.font_dirs]
    return pages, [d for d in extra if d.exists()]


def _is_under(path: Path, roots: Iterable[Path]) -> bool:
    resolved = path.resolve()
    return any(resolved == r.resolve() or r.resolve() in resolved.parents for r in roots)


# How long the watcher waits before saying "no change" (it then checks for changes again).
# Its first answer tells that it is armed; later ones cost one empty turn of the loop.
ARMED_AFTER_MS = 100


def watch(options: Options, *, quiet: bool = False, stop: threading.Event | None = None) -> int:
    """Run the batch, then re-run it on every relevant change until Ctrl-C (or ``stop`` is set).

    The watcher is armed before the first run, so "watching" is true when it is printed:
    an edit made during the first run, or just after it, starts the next run. Costs one
    ~100 ms wait before the first run and an empty wake-up every 100 ms while idle.
    """
    try:
        from watchfiles import watch as watch_changes
    except ImportError:
        raise OgImageError("--watch needs watchfiles: pip install 'ogimage[watch]'", field="watch") from None

    from ..root import build_service

    pages, assets = watched_roots(options)
    out = options.out.resolve()

    def relevant(_change: object, name: str) -> bool:
        path = Path(name)
        if out == path.resolve() or out in path.resolve().parents:
            return False  # our own outputs and manifest
        return name.lower().endswith(MARKDOWN_SUFFIXES) or _is_under(path, assets)

    feed = watch_changes(*pages, *assets, watch_filter=relevant, stop_event=stop, debounce=200, step=20,
                         rust_timeout=ARMED_AFTER_MS, yield_on_timeout=True)
    progress = Progress(choose_mode(quiet, sys.stderr))
    try:
        # The first answer (a timeout, or edits made before this run, which reads them anyway)
        # comes once the watcher exists: from here on every change is queued for the loop.
        if next(feed, None) is None:
            return 0  # stopped before it began
        service = build_service(options.settings, template_dirs=options.template_dirs, font_dirs=options.font_dirs)
        if run_batch(options, progress, service=service).interrupted:
            return 0
        progress.note(f"watching {', '.join(str(p) for p in [*pages, *assets])} (Ctrl-C to stop)")
        for changes in feed:
            if not changes:
                continue  # a timeout: nothing changed
            progress = Progress(progress.mode)
            try:
                if any(_is_under(Path(name), assets) for _change, name in changes):
                    service = build_service(options.settings, template_dirs=options.template_dirs,
                                            font_dirs=options.font_dirs)
                if run_batch(options, progress, service=service).interrupted:
                    break
            except OgImageError as exc:  # e.g. a template that no longer parses: say so, keep watching
                print(f"ogimage batch: error: {exc.format_message()}", file=sys.stderr, flush=True)
    except KeyboardInterrupt:
        pass
    finally:
        feed.close()  # closes the watcher
    return 0
