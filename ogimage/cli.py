"""The ``ogimage`` command line: translation between a terminal and the service.

    ogimage render --template default --title "…" -o card.png
    ogimage layout --template plain --title "…" --json
    ogimage templates

Errors from :mod:`ogimage.errors` are printed as one line naming the field (or
file and key) and end the command with their ``exit_code``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import __version__
from .cache_cli import add_cache_command
from .cli_checks import folder, output_format, write_output
from .errors import OgImageError

if TYPE_CHECKING:
    from .service import Service

Handler = Callable[[argparse.Namespace], int]


def _service(args: argparse.Namespace, *, disk_cache: bool | None = None) -> Service:
    """The service for this command, from :func:`ogimage.root.build_service` (as every edge).

    Settings come from ``OGIMAGE_*``; ``--templates-dir``/``--fonts-dir`` add folders;
    ``disk_cache=False`` turns the disk cache off whatever ``OGIMAGE_DISK_CACHE`` says."""
    from .metrics import NoMetrics
    from .root import build_service
    from .settings import Settings

    settings = Settings.from_env()
    if disk_cache is not None:
        settings = dataclasses.replace(settings, disk_cache=disk_cache)
    return build_service(
        settings,
        template_dirs=tuple(args.templates_dir or ()),
        font_dirs=tuple(getattr(args, "fonts_dir", None) or ()),
        metrics=NoMetrics(),
    )


def _card_fields(args: argparse.Namespace) -> dict[str, Any]:
    fields = {
        "title": args.title,
        "description": args.description,
        "site": args.site,
        "author": args.author,
        "date": args.date,
        "tags": [t for group in (args.tags or []) for t in group.split(",")],
        "lang": args.lang,
    }
    return {k: v for k, v in fields.items() if v not in (None, [])}


def _add_card_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--template", "-t", default="default", help="template name (default: default)")
    p.add_argument("--title", required=True, help="the card's title (required)")
    p.add_argument("--description", help="a line or two under the title")
    p.add_argument("--site", help="site or brand name (default: the template's)")
    p.add_argument("--author", action="append", help="author name; repeat for several")
    p.add_argument("--date", help="publication date, YYYY-MM-DD")
    p.add_argument("--tags", action="append", help="tags, comma-separated; may repeat")
    p.add_argument("--lang", help="BCP 47 language of the text (default: detected)")


def _add_template_dirs(p: argparse.ArgumentParser) -> None:
    p.add_argument("--templates-dir", action="append", type=folder, metavar="DIR",
                   help="a folder of extra templates (*.toml); overrides bundled ones of the same name; may repeat "
                        "(also OGIMAGE_TEMPLATE_DIRS)")
    p.add_argument("--fonts-dir", action="append", type=folder, metavar="DIR",
                   help="a folder of extra fonts (*.ttf/*.otf/*.ttc, or with its own manifest.toml); may repeat "
                        "(also OGIMAGE_FONT_DIRS)")


def cmd_render(args: argparse.Namespace) -> int:
    """Render one card to a file, or to stdout with ``-o -`` (through the service, disk cache off)."""
    fmt = output_format(args.output, args.format)  # before any work: a bad -o is exit 2
    svc = _service(args, disk_cache=False)
    card = svc.card(_card_fields(args), args.template)
    data = svc.render_cached(card, svc.format(fmt)).body
    if args.output == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        write_output(args.output, data)
        print(f"wrote {args.output} ({len(data)} bytes, {fmt})", file=sys.stderr)
    return 0


def cmd_layout(args: argparse.Namespace) -> int:
    """Print the layout of one card: JSON with ``--json``, else a readable summary."""
    svc = _service(args, disk_cache=False)
    result = svc.layout_now(svc.card(_card_fields(args), args.template))
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return 0
    for name, box in result["boxes"].items():
        flag = " (truncated)" if box["truncated"] else ""
        print(f"{name}: {box['font_size']:g}px, {len(box['lines'])} line(s){flag}")
        for line in box["lines"]:
            print(f"  | {line['text']}")
    if result["missing_glyphs"]:
        print(f"missing glyphs: {' '.join(result['missing_glyphs'])}")
    return 0


def cmd_templates(args: argparse.Namespace) -> int:
    """List the available templates with their size and fields."""
    rows = _service(args, disk_cache=False).templates()
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    for t in rows:
        print(f"{t['name']:<12} {t['width']}x{t['height']}  fields: {', '.join(t['fields'])}")
        if t["description"]:
            print(f"{'':<12} {t['description']}")
    return 0


# -- serve and sign (the HTTP service) -------------------------------------------

def cmd_serve(args: argparse.Namespace) -> int:
    """Run the HTTP service with uvicorn; settings from OGIMAGE_* variables."""
    from .allocator import limit_arenas

    limit_arenas()  # before any thread starts (ogimage/allocator.py)
    from .preflight import Preflight
    from .settings import Settings

    settings = Settings.from_env()  # fails here, naming the variable, before any worker starts
    if args.reload:  # issue 12: development server that follows template, asset and font edits
        import importlib.util

        if importlib.util.find_spec("watchfiles") is None:
            raise OgImageError("--reload needs watchfiles: pip install 'ogimage[reload]'", field="--reload")
    # Folders and every template now, fonts probed beside the imports below: exit 3 before any worker.
    preflight = Preflight(settings)
    if args.reload or (args.workers or settings.workers) == 1:
        # One worker runs in this process: start warming the engine while the web framework
        # imports (its image work runs beside the import on another core).
        from .root import prewarm

        prewarm(settings)
    from .http.run import run

    preflight.finish()
    run(settings, host=args.host, port=args.port, workers=args.workers, reload=args.reload)
    return 0


def cmd_sign(args: argparse.Namespace) -> int:
    """Print the URL with its ``sig`` parameter."""
    from .errors import SettingsError
    from .settings import Settings
    from .signing import sign_url

    key = args.key if args.key is not None else Settings.from_env().signing_key
    if not key:
        raise SettingsError("OGIMAGE_SIGNING_KEY", "", "Set it (or pass --key) to sign URLs.")
    print(sign_url(args.url, key))
    return 0


def _add_service_commands(sub: Any) -> None:
    p = sub.add_parser("serve", help="run the HTTP service (uvicorn)")
    p.add_argument("--host", help="address to listen on (default: OGIMAGE_HOST or 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default: OGIMAGE_PORT or 8000)")
    p.add_argument("--workers", type=int,
                   help="worker processes (default: OGIMAGE_WORKERS or the number of cores)")
    p.add_argument("--reload", action="store_true",
                   help="development: one worker; edits to templates, assets and font folders show up in "
                        "/preview without a restart (needs watchfiles: pip install 'ogimage[reload]')")
    p.set_defaults(handler=cmd_serve)

    p = sub.add_parser("sign", help="add a signature to a card URL (for OGIMAGE_SIGNING_KEY servers)")
    p.add_argument("url", help='a path with its query, or a full URL: "/api/og/default?title=Hello"')
    p.add_argument("--key", help="signing key (default: OGIMAGE_SIGNING_KEY)")
    p.set_defaults(handler=cmd_sign)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    parser = argparse.ArgumentParser(prog="ogimage", description="Open Graph card images with real typesetting.")
    parser.add_argument("--version", action="version", version=f"ogimage {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("render", help="render one card to an image file")
    _add_card_options(p)
    _add_template_dirs(p)
    p.add_argument("-o", "--output", default="card.png", help="output file, or - for stdout (default: card.png)")
    p.add_argument("--format", "-f", help="png, jpeg or webp (default: from the file name, else png)")
    p.set_defaults(handler=cmd_render)

    p = sub.add_parser("layout", help="show how a card is laid out (lines, sizes, missing glyphs)")
    _add_card_options(p)
    _add_template_dirs(p)
    p.add_argument("--json", action="store_true", help="print the layout as one JSON object")
    p.set_defaults(handler=cmd_layout)

    p = sub.add_parser("templates", help="list the available templates")
    _add_template_dirs(p)
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=cmd_templates)

    _add_service_commands(sub)
    add_cache_command(sub)
    from .batch.cli import add_parsers as add_batch_parsers  # batch and meta (static sites)

    add_batch_parsers(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args)
    except OgImageError as exc:
        print(f"ogimage {args.command}: error: {exc.format_message()}", file=sys.stderr)
        return exc.exit_code
    except BrokenPipeError:
        return 1


if __name__ == "__main__":
    sys.exit(main())
