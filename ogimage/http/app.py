"""The FastAPI app: routes that translate HTTP to :mod:`ogimage.service` and back.

No rendering or caching happens here: this module parses query strings,
checks signatures, and sets HTTP headers.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from starlette.routing import request_response

from .. import __version__
from ..errors import CardError, OgImageError
from ..service import Service
from ..settings import Settings
from ..signing import QueryDecodeError, parse_query, verify
from .accesslog import AccessLog, AccessLogger, setup_logging
from .fastpath import FastPath, Target, not_modified
from .errors import install_error_handlers
from .openapi import CARD_PARAMS, IMAGE_RESPONSES, TEMPLATE_PARAM

if TYPE_CHECKING:
    from ..engine import Engine

log = logging.getLogger("ogimage.server")

# Longest query string accepted: a 300-character CJK title and a 500-character
# description percent-encoded are about 7 KiB.
MAX_QUERY_BYTES = 16 * 1024
SUFFIXES = {"png": "png", "jpg": "jpeg", "jpeg": "jpeg", "webp": "webp"}


class QueryTooLong(OgImageError):
    """The query string is longer than any valid card needs (HTTP 414)."""

    status = 414

    def __init__(self, size: int) -> None:
        super().__init__(f"query string is {size} bytes; at most {MAX_QUERY_BYTES} are accepted", field=None)


def create_app(
    settings: Settings | None = None,
    engine: Engine | None = None,
    service: Service | None = None,
) -> FastAPI:
    """Build the app. ``uvicorn --factory ogimage.server:create_app`` reads the environment."""
    if service is None:
        from ..root import build_service

        service = build_service(settings, engine=engine)
    settings = service.settings
    setup_logging(settings)
    svc = service
    metrics = svc.metrics
    signing_key = settings.signing_key
    cache_control = settings.cache_control
    cache_control_immutable = settings.cache_control_immutable

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        _log_startup(svc)
        svc.start_warm_up()
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
        # No trailing-slash redirect: Starlette built its absolute Location from the Host header,
        # an open redirect for anyone who sets Host (issue 10). "/api/og/x/" is a 404 JSON.
        redirect_slashes=False,
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
        if dot and name:  # "default.gif": a format we do not make, not an unknown template
            raise CardError(
                f"{suffix!r} is not a supported format; use {', '.join(sorted(SUFFIXES))}", field="format"
            )
        return template, svc.format(fmt_param)

    def resolve(request: Request) -> Target:
        fields, immutable = read_query(request)
        name, fmt = split_template(request.path_params["template"], fields)
        card = svc.card(fields, name)
        key = svc.key(card, fmt)
        etag = svc.etag(key)
        cc = cache_control_immutable if immutable else cache_control
        return Target(card, fmt, key, etag, [(b"etag", etag.encode()), (b"cache-control", cc.encode())])

    async def image(request: Request) -> Response:
        scope = request.scope
        # Everything up to the content key depends only on the URL: worked out once per URL.
        target = svc.resolved((scope["path"], scope["query_string"]), lambda: resolve(request))
        if not_modified(scope, target.etag):
            return _RawResponse(b"", list(target.headers), 304)
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
        "responses": IMAGE_RESPONSES,
        "openapi_extra": {"parameters": [TEMPLATE_PARAM, *CARD_PARAMS]},
        "response_class": Response,
    }
    # One route per method, each with its own operation id: GET and HEAD on one route shared
    # one id in /openapi.json (issue 10), which OpenAPI forbids and client generators trip on.
    for method in ("GET", "HEAD"):
        _lean_route(
            app, "/api/og/{template}", image, methods=[method], summary="Card image",
            operation_id=f"card_image_{method.lower()}",
            description="The card image for these fields, rendered once and cached by content.", **image_doc,
        )
        _lean_route(
            app, "/api/og-{template}", image, methods=[method], summary="Card image (alias)",
            operation_id=f"card_image_alias_{method.lower()}",
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
        openapi_extra={"parameters": [TEMPLATE_PARAM, *CARD_PARAMS]},
        responses={k: v for k, v in IMAGE_RESPONSES.items() if k not in (200, 304)},
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

    install_error_handlers(app)
    app.add_middleware(AccessLog, metrics=metrics, enabled=settings.access_log)
    # Outside AccessLog (it logs what it answers itself): exact repeats of image URLs.
    app.add_middleware(FastPath, service=svc, metrics=metrics, log=AccessLogger(settings.access_log))
    return app


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
