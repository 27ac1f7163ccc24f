"""The floor for a cache hit: a bare Starlette app answering stored PNG bytes from a dict.

It answers the same path and query with the same body and headers (content-type,
content-length, etag, cache-control, x-cache) that ``ogimage serve`` sent for a warm card,
and runs under uvicorn with the options ``ogimage serve`` passes to ``uvicorn.run``
(captured from ``ogimage.http.run.run``, so a change there shows up here too): one
worker, the same loop and HTTP implementation, no server header, no access log.

    python bench/bare_app.py --data DIR --port P    # DIR holds meta.json and body.bin

``meta.json``: ``{"path": "/api/og/plain", "query": "title=...", "headers": [[name, value], ...]}``.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

DATA_ENV = "BENCH_BARE_DATA"
# Options that differ between the two servers by design (or are given here explicitly).
_OWN = ("app", "factory", "host", "port", "workers")


def save(directory: Path, path: str, query: str, headers: list[tuple[str, str]], body: bytes) -> None:
    """Store what the bare app should answer for ``path?query``."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "body.bin").write_bytes(body)
    (directory / "meta.json").write_text(json.dumps({"path": path, "query": query, "headers": headers}))


def create_app(directory: Path | None = None) -> Starlette:
    """The app: ``{(path, query): (body, headers)}`` from ``directory`` (default ``$BENCH_BARE_DATA``)."""
    directory = directory or Path(os.environ[DATA_ENV])
    meta = json.loads((directory / "meta.json").read_text())
    body = (directory / "body.bin").read_bytes()
    answers = {(meta["path"], meta["query"].encode("latin-1")): (body, dict(meta["headers"]))}

    async def image(request: Request) -> Response:
        hit = answers.get((request.scope["path"], request.scope["query_string"]))
        if hit is None:
            return Response(b"not found", status_code=404, media_type="text/plain")
        return Response(hit[0], headers=hit[1])

    return Starlette(routes=[Route("/api/og/{template}", image, methods=["GET", "HEAD"])])


def uvicorn_options() -> dict[str, Any]:
    """The keyword arguments ``ogimage serve --workers 1`` gives ``uvicorn.run`` (ours removed).

    Calls ``ogimage.http.run.run`` with ``uvicorn.run`` replaced by a recorder, restoring
    the signal handlers it installs. Empty (uvicorn's defaults) if that cannot be done.
    """
    import uvicorn

    captured: dict[str, Any] = {}
    real = uvicorn.run
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}

    def record(app: Any, **kwargs: Any) -> None:
        captured.update(kwargs)

    try:
        from ogimage.http.run import run
        from ogimage.settings import Settings

        uvicorn.run = record  # type: ignore[assignment]
        run(Settings(), host="127.0.0.1", port=1, workers=1)
    except Exception as exc:  # the capture is best effort; fall back to uvicorn's defaults
        print(f"bare_app: could not read ogimage serve's uvicorn options ({exc}); using defaults", file=sys.stderr)
        captured.clear()
    finally:
        uvicorn.run = real  # type: ignore[assignment]
        for sig, handler in saved.items():
            signal.signal(sig, handler)
    return {k: v for k, v in captured.items() if k not in _OWN}


def resolved_impl(options: dict[str, Any]) -> dict[str, str]:
    """Which event loop and HTTP parser uvicorn will use with these options ("auto" resolved)."""
    import importlib.util

    loop = str(options.get("loop", "auto"))
    http = str(options.get("http", "auto"))
    if loop == "auto":
        loop = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
    if http == "auto":
        http = "httptools" if importlib.util.find_spec("httptools") else "h11"
    return {"loop": loop, "http": http}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, required=True, help="folder with meta.json and body.bin")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--print-options", action="store_true", help="print the uvicorn options and exit")
    args = ap.parse_args(argv)
    options = uvicorn_options()
    if args.print_options:
        print(json.dumps({"options": options, "resolved": resolved_impl(options)}, default=str))
        return 0
    import uvicorn

    os.environ[DATA_ENV] = str(args.data.resolve())
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    uvicorn.run("bare_app:create_app", factory=True, host="127.0.0.1", port=args.port, workers=1, **options)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
