"""The ``ogimage batch`` and ``ogimage meta`` subcommands (registered by :func:`add_parsers`).

    ogimage batch content/ --out public/og [--template T] [--jobs N] [--force] [--prune] …
    ogimage meta content/blog/post.md --base-url https://example.dev/og/

Exit status: 0 when every page was rendered, unchanged or skipped; 1 if any failed;
2 for bad arguments (an unknown template, a path that names nothing); 130 on Ctrl-C.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path, PurePosixPath
from typing import Any

FORMATS = ("png", "jpeg", "jpg", "webp")


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _dirs(p: argparse.ArgumentParser) -> None:
    p.add_argument("--templates-dir", action="append", type=Path, metavar="DIR", default=[],
                   help="a folder of extra templates (*.toml); may repeat (also OGIMAGE_TEMPLATE_DIRS)")
    p.add_argument("--fonts-dir", action="append", type=Path, metavar="DIR", default=[],
                   help="a folder of extra fonts; may repeat (also OGIMAGE_FONT_DIRS)")


def add_parsers(subparsers: Any) -> None:
    """Add ``batch`` and ``meta`` to the ``ogimage`` command's subparsers."""
    p = subparsers.add_parser(
        "batch", help="render a card for every Markdown page (static sites)",
        description="Render a card for every Markdown page from its front matter, on every core, "
                    "skipping pages whose card has not changed since the last run.")
    p.add_argument("paths", nargs="+", metavar="PATH", help="Markdown files, folders (searched for *.md, "
                   "*.markdown, *.mdx) or globs")
    p.add_argument("--out", "-o", required=True, type=Path, metavar="DIR", help="output folder (mirrors the sources)")
    p.add_argument("--template", "-t", default="default", help="template for pages that name none (default: default)")
    p.add_argument("--jobs", "-j", type=_positive, metavar="N", help="worker processes (default: every core)")
    p.add_argument("--force", action="store_true", help="render every page, changed or not")
    p.add_argument("--prune", action="store_true", help="remove outputs whose source is gone")
    p.add_argument("--drafts", action="store_true", help="render draft: true pages too")
    p.add_argument("--all", dest="all_images", action="store_true",
                   help="render pages that name their own image too")
    p.add_argument("--base-url", metavar="URL", help="where DIR is served; the manifest records each card's URL")
    p.add_argument("--manifest", type=Path, metavar="FILE", help="manifest file (default: DIR/ogimage-manifest.json)")
    p.add_argument("--format", "-f", choices=FORMATS, default="png", help="image format (default: png)")
    p.add_argument("--include", action="append", default=[], metavar="GLOB",
                   help="only sources whose path (relative to the folder named) matches; may repeat")
    p.add_argument("--exclude", action="append", default=[], metavar="GLOB", help="leave out matching sources; may repeat")
    p.add_argument("--dry-run", action="store_true", help="show what would be rendered; write nothing")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress; only failures")
    p.add_argument("--watch", action="store_true", help="stay running and re-render pages as they change")
    _dirs(p)
    p.set_defaults(handler=cmd_batch)

    p = subparsers.add_parser("meta", help="print the <meta> tags of one page's card",
                              description="Print the Open Graph and Twitter <meta> tags for one Markdown page.")
    p.add_argument("page", type=Path, metavar="PAGE", help="a Markdown file")
    p.add_argument("--base-url", required=True, metavar="URL",
                   help="where the batch output folder is served (the card URL is this + the output name)")
    p.add_argument("--template", "-t", default="default", help="template when the page names none (default: default)")
    p.add_argument("--root", type=Path, default=Path("."), metavar="DIR",
                   help="the folder the batch was given, that output names are relative to (default: .)")
    p.add_argument("--format", "-f", choices=FORMATS, default="png", help="image format (default: png)")
    p.add_argument("--json", action="store_true", help="print the tags as JSON pairs")
    p.add_argument("--all", dest="all_images", action="store_true",
                   help="print tags even for a page that names its own image (as batch --all renders it)")
    _dirs(p)
    p.set_defaults(handler=cmd_meta)


def options_from(args: argparse.Namespace) -> Any:
    """The :class:`~ogimage.batch.build.Options` for parsed ``batch`` arguments."""
    from ..formats import normalise_format
    from ..settings import Settings
    from .build import Options

    return Options(
        paths=args.paths, out=args.out, template=args.template, jobs=args.jobs, force=args.force,
        prune=args.prune, drafts=args.drafts, all_images=args.all_images, base_url=args.base_url,
        manifest=args.manifest, fmt=normalise_format(args.format), include=args.include, exclude=args.exclude,
        dry_run=args.dry_run, template_dirs=args.templates_dir, font_dirs=args.fonts_dir,
        settings=Settings.from_env(),
    )


def cmd_batch(args: argparse.Namespace) -> int:
    """Render every page once, or (``--watch``) again whenever a page or template changes."""
    from .build import run_batch
    from .progress import Progress, choose_mode

    options = options_from(args)
    try:
        if args.watch:
            from .watch import watch

            return watch(options, quiet=args.quiet)
        return run_batch(options, Progress(choose_mode(args.quiet, sys.stderr))).exit_code
    except KeyboardInterrupt:  # before any output was written: nothing to save
        print("ogimage batch: interrupted", file=sys.stderr)
        return 130


def cmd_meta(args: argparse.Namespace) -> int:
    """Print the ``<meta>`` tags of one page (no rendering)."""
    import json

    from ..formats import CONTENT_TYPES, normalise_format
    from ..pages import alt_text, meta_html, meta_tags, output_name
    from ..root import build_service
    from ..settings import Settings
    from .build import SUFFIXES
    from .frontmatter import read_page
    from .manifest import url_for

    fmt = normalise_format(args.format)
    page, metadata = read_page(args.page, str(args.page), drafts=True, all_images=args.all_images,
                               base_url=args.base_url)
    if page.skip is not None:  # the batch renders no card for it, so there is no URL to name
        print(f"ogimage meta: {args.page}: {page.skip}; no card (--all for one anyway)", file=sys.stderr)
        return 1
    service = build_service(Settings.from_env(), template_dirs=args.templates_dir, font_dirs=args.fonts_dir)
    template = page.template or args.template
    card = service.card(page.fields, template)  # validates, like a render would
    size = next((t for t in service.templates() if t["name"] == card.template), {"width": 1200, "height": 630})
    relative = _relative(args.page, args.root)
    url = url_for(args.base_url, output_name(relative, metadata, SUFFIXES[fmt]).as_posix())
    assert url is not None
    tags = meta_tags(url, alt_text(page.fields), content_type=CONTENT_TYPES[fmt], width=int(size["width"]),
                     height=int(size["height"]))
    print(json.dumps(tags, ensure_ascii=False) if args.json else meta_html(tags))
    return 0


def _relative(page: Path, root: Path) -> PurePosixPath:
    try:
        rel = os.path.relpath(page.resolve(), root.resolve())
    except ValueError:
        rel = page.name
    if rel.startswith(".."):
        rel = page.name
    return PurePosixPath(Path(rel).as_posix())
