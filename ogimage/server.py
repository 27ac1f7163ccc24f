"""The HTTP edge: a FastAPI app that translates requests to :mod:`ogimage.service`.

No rendering or caching happens here; this module parses query strings,
checks signatures, maps errors to JSON, and sets HTTP headers.

    uvicorn --factory ogimage.server:create_app
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import request_response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import __version__
from .card import Card, MAX_AUTHOR, MAX_AUTHORS, MAX_DESCRIPTION, MAX_SITE, MAX_TAG, MAX_TAGS, MAX_TITLE
from .errors import CardError, OgImageError, OverloadedError
from .metrics import Metrics, multiprocess_dir
from .service import Service
from .settings import Settings
from .signing import SIG, QueryDecodeError, parse_query, verify

if TYPE_CHECKING:
    from .engine import Engine

log = logging.getLogger("ogimage.server")
access_log = logging.getLogger("ogimage.access")

# Longest query string accepted: a 300-character CJK title and a 500-character
# description percent-encoded are about 7 KiB.
MAX_QUERY_BYTES = 16 * 1024
CARD_FIELDS = ("title", "description", "site", "author", "date", "tags", "lang")
SUFFIXES = {"png": "png", "jpg": "jpeg", "jpeg": "jpeg", "webp": "webp"}
NO_STORE = {"cache-control": "no-store"}


class QueryTooLong(OgImageError):
    """The query string is longer than any valid card needs (HTTP 414)."""

    status = 414

    def __init__(self, size: int) -> None:
        super().__init__(f"query string is {size} bytes; at most {MAX_QUERY_BYTES} are accepted", field=None)


# -- OpenAPI description of the card parameters ------------------------------------

def _q(name: str, description: str, example: str | None = None) -> dict[str, Any]:
    param: dict[str, Any] = {
        "name": name, "in": "query", "required": name == "title",
        "description": description, "schema": {"type": "string"},
    }
    if example is not None:
        param["example"] = example
    return param


_TEMPLATE_PARAM = {
    "name": "template", "in": "path", "required": True, "schema": {"type": "string"},
    "description": "Template name (see `/api/templates`), optionally with a `.png`, `.jpg` or `.webp` suffix.",
    "example": "default",
}
_CARD_PARAMS = [
    _q("title", f"The card's title (required; at most {MAX_TITLE} characters).", "Hello, world"),
    _q("description", f"A subtitle or summary (at most {MAX_DESCRIPTION} characters)."),
    _q("site", f"Site name shown on the card (at most {MAX_SITE} characters); empty means the template's default."),
    _q("author", f"Author name(s), comma-separated (at most {MAX_AUTHORS}, {MAX_AUTHOR} characters each)."),
    _q("date", "Publication date, ISO 8601 (`YYYY-MM-DD`)."),
    _q("tags", f"Tags, comma-separated (at most {MAX_TAGS}, {MAX_TAG} characters each)."),
    _q("lang", "BCP 47 language of the text (`ja`, `zh-Hant`, `ar`…): picks regional glyphs and line breaking."),
    _q("format", "Image format: `png` (default), `jpeg`/`jpg` or `webp`. Must agree with a path suffix if both are given."),
    _q("v", "A version of your choosing; with it the answer is cached as immutable for a year."),
    _q(SIG, "Signature (HMAC-SHA256, URL-safe base64), required when the server has a signing key."),
]
_IMAGE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {"image/png": {}, "image/jpeg": {}, "image/webp": {}}, "description": "The card image."},
    304: {"description": "Not modified (`If-None-Match` matched the ETag)."},
    403: {"description": "Signature missing or wrong."},
    404: {"description": "Unknown template."},
    414: {"description": "Query string too long."},
    422: {"description": "A field is too long or malformed; the body names it."},
    503: {"description": "Too many renders waiting; retry after `Retry-After` seconds."},
}


# -- the app -----------------------------------------------------------------------

def create_app(
    settings: Settings | None = None,
    engine: Engine | None = None,
    service: Service | None = None,
) -> FastAPI:
    """Build the app. ``uvicorn --factory ogimage.server:create_app`` reads the environment."""
    if service is None:
        settings = settings if settings is not None else Settings.from_env()
        if engine is None:
            from .engine import Engine

            engine = Engine(template_dirs=settings.template_dirs)
        service = Service(engine, settings)
    settings = service.settings
    _setup_logging(settings)
    svc = service
    metrics = svc.metrics
    signing_key = settings.signing_key
    cache_control = settings.cache_control
    cache_control_immutable = settings.cache_control_immutable

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        _log_startup(svc)
        try:
            yield
        finally:
            await svc.flush()
            svc.close()

    app = FastAPI(
        title="ogimage",
        version=__version__,
        description="Open Graph card images. Put `/api/og/{template}?title=…` in your pages' "
        '`<meta property="og:image">` tags.',
        lifespan=lifespan,
        # Prometheus covers metrics; FastAPI's OpenTelemetry hooks cost time on every request.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.service = svc
    app.state.metrics = metrics

    def read_query(request: Request) -> tuple[dict[str, str], bool]:
        """The card fields and format of a request, checked; and whether it is versioned."""
        raw = request.scope["query_string"]
        if len(raw) > MAX_QUERY_BYTES:
            raise QueryTooLong(len(raw))
        try:
            pairs = parse_query(raw)
        except QueryDecodeError as exc:
            raise CardError(str(exc), field=exc.field) from None
        signed = False
        if signing_key:
            try:
                verify(request.scope["path"], pairs, signing_key)
            except OgImageError:
                metrics.rejected.labels("signature").inc()
                raise
            signed = True
        fields: dict[str, str] = {}
        for name, value in pairs:
            if name in fields:
                raise CardError("is given more than once", field=name)
            fields[name] = value
        return fields, signed or "v" in fields

    def split_template(template: str, fields: dict[str, str]) -> tuple[str, str]:
        name, dot, suffix = template.rpartition(".")
        fmt_param = fields.get("format")
        if dot and suffix.lower() in SUFFIXES:
            fmt = SUFFIXES[suffix.lower()]
            if fmt_param and svc.format(fmt_param) != fmt:
                raise CardError(f"{fmt_param!r} disagrees with the path suffix {suffix!r}", field="format")
            return name, fmt
        return template, svc.format(fmt_param)

    def resolve(request: Request) -> _Target:
        fields, immutable = read_query(request)
        name, fmt = split_template(request.path_params["template"], fields)
        card = svc.card(fields, name)
        key = svc.key(card, fmt)
        etag = svc.etag(key)
        cc = cache_control_immutable if immutable else cache_control
        return _Target(card, fmt, key, etag, [(b"etag", etag.encode()), (b"cache-control", cc.encode())])

    async def image(request: Request) -> Response:
        scope = request.scope
        # Everything up to the content key depends only on the URL: worked out once per URL.
        target = svc.resolved((scope["path"], scope["query_string"]), lambda: resolve(request))
        for name, value in scope["headers"]:
            if name == b"if-none-match":
                if _etag_matches(value.decode("latin-1"), target.etag):
                    return _RawResponse(b"", list(target.headers), 304)
                break
        rendered = await svc.image(target.card, target.fmt, target.key)
        body = rendered.body
        headers = [
            (b"content-type", rendered.content_type.encode()),
            (b"content-length", str(len(body)).encode()),
            *target.headers,
            (b"x-cache", rendered.level.encode()),
        ]
        return _RawResponse(b"" if scope["method"] == "HEAD" else body, headers)

    image_doc: dict[str, Any] = {
        "responses": _IMAGE_RESPONSES,
        "openapi_extra": {"parameters": [_TEMPLATE_PARAM, *_CARD_PARAMS]},
        "response_class": Response,
    }
    _lean_route(
        app, "/api/og/{template}", image, methods=["GET", "HEAD"], summary="Card image",
        description="The card image for these fields, rendered once and cached by content.", **image_doc,
    )
    _lean_route(
        app, "/api/og-{template}", image, methods=["GET", "HEAD"], summary="Card image (alias)",
        description="Same as `/api/og/{template}`, in the `/api/og-name` shape existing sites link.", **image_doc,
    )

    async def layout(request: Request) -> Response:
        fields, _ = read_query(request)
        name, _fmt = split_template(request.path_params["template"], fields)
        card = svc.card(fields, name)
        return JSONResponse(await svc.layout(card))

    _lean_route(
        app, "/api/layout/{template}", layout, methods=["GET"], summary="Card layout",
        description="The typeset layout of the card as JSON: lines, font size, fonts used, missing glyphs, boxes.",
        openapi_extra={"parameters": [_TEMPLATE_PARAM, *_CARD_PARAMS]},
        responses={k: v for k, v in _IMAGE_RESPONSES.items() if k not in (200, 304)},
    )

    @app.get("/api/templates", summary="Templates and the fields each shows")
    async def templates() -> JSONResponse:
        return JSONResponse({"templates": svc.templates()})

    @app.get("/healthz", summary="Liveness: the app answers")
    async def healthz() -> JSONResponse:
        return JSONResponse({"status": "ok"})

    @app.get("/readyz", summary="Readiness: fonts and templates are loaded; reports the layout engine")
    async def readyz() -> JSONResponse:
        status = svc.status()
        ready = svc.ready()
        status["status"] = "ready" if ready else "not ready"
        return JSONResponse(status, status_code=200 if ready else 503)

    @app.get("/metrics", summary="Prometheus metrics", response_class=Response)
    async def prometheus() -> Response:
        return Response(metrics.render(), media_type=metrics.content_type)

    _install_error_handlers(app)
    app.add_middleware(AccessLog, metrics=metrics, enabled=settings.access_log)
    return app


@dataclass(frozen=True, slots=True)
class _Target:
    """What an image URL resolves to: the card, its format, key and fixed headers."""

    card: Card
    fmt: str
    key: str
    etag: str
    headers: list[tuple[bytes, bytes]]


class _RawResponse(Response):
    """A response with its header list given ready-made (the cache-hit path)."""

    def __init__(self, body: bytes, raw_headers: list[tuple[bytes, bytes]], status_code: int = 200) -> None:
        self.status_code = status_code
        self.body = body
        self.raw_headers = raw_headers
        self.background = None


def _lean_route(app: FastAPI, path: str, endpoint: Callable[[Request], Awaitable[Response]], **kwargs: Any) -> None:
    """A route FastAPI documents but Starlette serves: ``endpoint(request)`` runs directly.

    These endpoints take only the request and parse their query themselves, so
    FastAPI's dependency solving and exit stacks are pure overhead on the
    cache-hit path. Exception handlers still apply.
    """
    app.add_api_route(path, endpoint, **kwargs)
    route = app.router.routes[-1]
    assert isinstance(route, APIRoute) and route.path == path
    route.app = request_response(endpoint)


def _etag_matches(header: str, etag: str) -> bool:
    """``If-None-Match`` uses the weak comparison: ``W/`` is ignored; ``*`` matches."""
    for candidate in header.split(","):
        candidate = candidate.strip()
        if candidate == "*" or candidate.removeprefix("W/") == etag:
            return True
    return False


# -- errors: one JSON shape for all of them ------------------------------------------

def _error(status: int, reason: str, field: str | None = None, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(
        {"error": {"field": field, "reason": reason}}, status_code=status, headers={**NO_STORE, **(headers or {})}
    )


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(OgImageError)
    async def ogimage_error(request: Request, exc: OgImageError) -> JSONResponse:
        headers = {}
        if isinstance(exc, OverloadedError):
            headers["retry-after"] = str(exc.retry_after)
        if exc.status >= 500 and not isinstance(exc, OverloadedError):
            log.error("%s %s: %s", request.method, request.url.path, exc.format_message())
        return JSONResponse(exc.to_dict(), status_code=exc.status, headers={**NO_STORE, **headers})

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        loc = [str(p) for p in first.get("loc", ()) if p not in ("query", "path", "body")]
        return _error(422, str(first.get("msg", "invalid request")), ".".join(loc) or None)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return _error(exc.status_code, str(exc.detail), None, dict(exc.headers or {}))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return _error(500, "internal error")


# -- access log and request metrics ---------------------------------------------------

class AccessLog:
    """One structured line and one metrics observation per HTTP request."""

    def __init__(self, app: ASGIApp, metrics: Metrics, enabled: bool = True) -> None:
        self.app = app
        self.metrics = metrics
        self.enabled = enabled

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500
        nbytes = 0
        level = "-"

        async def send_wrapper(message: Message) -> None:
            nonlocal status, nbytes, level
            if message["type"] == "http.response.start":
                status = message["status"]
                for name, value in message.get("headers", ()):
                    if name == b"x-cache":
                        level = value.decode("latin-1")
            elif message["type"] == "http.response.body":
                nbytes += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            elapsed = time.perf_counter() - start
            route = scope.get("route")
            route_name = getattr(route, "path", None) or "unmatched"
            self.metrics.observe_request(route_name, status, elapsed)
            if self.enabled:
                access_log.info(
                    'method=%s path="%s" status=%d bytes=%d ms=%.2f cache=%s',
                    scope["method"], scope["path"].replace('"', "%22"), status, nbytes, elapsed * 1000, level,
                )


# -- logging and start-up -------------------------------------------------------------

def _setup_logging(settings: Settings) -> None:
    logger = logging.getLogger("ogimage")
    logger.setLevel(settings.log_level.upper())
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
        logger.addHandler(handler)


def _log_startup(svc: Service) -> None:
    s = svc.settings
    status = svc.status()
    log.info(
        "ogimage %s: %s templates, %s fonts, layout engine %s; memory cache %d MiB; disk cache %s; "
        "renders at once %d, queue %d",
        __version__, status.get("templates"), status.get("fonts"), status.get("layout_engine"),
        s.memory_cache_bytes >> 20, status.get("disk_cache") or "off", s.max_renders, s.max_queue,
    )
    if status.get("layout_engine") != "raqm":
        log.warning(
            "text shaping is degraded (basic layout): Pillow found no raqm/FriBiDi; "
            "install libfribidi0 for right-to-left and complex scripts"
        )
    if s.signing_key:
        log.info("signed URLs required: requests without a valid 'sig' get 403")
    else:
        log.warning("no OGIMAGE_SIGNING_KEY: the service is open and renders any text anyone asks for")


def run(settings: Settings, host: str | None = None, port: int | None = None, workers: int | None = None) -> None:
    """Serve with uvicorn (``ogimage serve``). Each worker builds its app from the environment."""
    import signal
    import sys

    import uvicorn

    # uvicorn shuts down gracefully on SIGTERM/SIGINT, then re-raises the signal
    # to the handler it found. Make that handler a plain exit: a stop we were
    # asked for is a clean exit (0), not a death by signal (143).
    def stopped(signum: int, frame: object) -> None:
        sys.exit(0)

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, stopped)
    workers = workers or settings.workers
    # Several workers: let them share metrics, so /metrics in any one shows them all.
    shared_metrics = None
    if workers > 1 and multiprocess_dir() is None:
        shared_metrics = tempfile.mkdtemp(prefix="ogimage-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = shared_metrics
    try:
        uvicorn.run(
            "ogimage.server:create_app",
            factory=True,
            host=host or settings.host,
            port=port or settings.port,
            workers=workers,
            log_level=settings.log_level,
            access_log=False,  # ogimage.access logs each request, with the cache level
            server_header=False,
            proxy_headers=True,
        )
    finally:
        if shared_metrics is not None:
            shutil.rmtree(shared_metrics, ignore_errors=True)
