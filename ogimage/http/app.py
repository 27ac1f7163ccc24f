"""The FastAPI app: routes that translate HTTP to :mod:`ogimage.service` and back.

No rendering or caching happens here: this module parses query strings,
checks signatures, and sets HTTP headers.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from starlette.routing import request_response

from .. import __version__
from ..errors import CardError, OgImageError, QueryTooLong
from ..service import ImageRequest, Service
from ..settings import Settings
from ..signing import parse_query, verify
from .accesslog import AccessLog, AccessLogger, setup_logging
from .errors import install_error_handlers
from .fastpath import FastPath, not_modified
from .headers import ImageHeaders
from .openapi import CARD_PARAMS, IMAGE_RESPONSES, TEMPLATE_PARAM
from .preview import mount_preview

log = logging.getLogger("ogimage.server")

# Longest query string accepted: a 300-character CJK title and a 500-character
# description percent-encoded are about 7 KiB.
MAX_QUERY_BYTES = 16 * 1024


def create_app(
    settings: Settings | None = None,
    engine: Any = None,
    service: Service | None = None,
) -> FastAPI:
    """Build the app. ``uvicorn --factory ogimage.http.app:create_app`` reads the environment.

    Without ``service`` it is built by :func:`ogimage.root.build_service` from
    ``settings`` (default: the ``OGIMAGE_*`` environment) and ``engine`` (an
    :class:`ogimage.engine.Engine`, or a stand-in in tests; default: built there)."""
    if service is None:
        from ..root import build_service

        service = build_service(settings, engine=engine)
    setup_logging(service.settings)
    service.templates()  # every template loads before the app exists: a broken one stops start-up
    app = FastAPI(
        title="ogimage",
        version=__version__,
        description="Open Graph card images. Put `/api/og/{template}?title=…` in your pages' "
        '`<meta property="og:image">` tags.',
        lifespan=_lifespan,
        # Prometheus covers metrics; FastAPI's OpenTelemetry hooks cost time on every request.
        telemetry={"tracing": False, "metrics": False, "logs": False},
        # No trailing-slash redirect: Starlette built its absolute Location from the Host header,
        # an open redirect for anyone who sets Host (issue 10). "/api/og/x/" is a 404 JSON.
        redirect_slashes=False,
    )
    app.state.service = service
    app.state.metrics = service.metrics
    app.state.headers = ImageHeaders(service.settings)
    _add_card_routes(app)
    _add_info_routes(app)
    mount_preview(app, service)  # /, /preview and offline /docs (ogimage/http/preview.py)
    install_error_handlers(app)
    app.add_middleware(AccessLog, metrics=service.metrics, enabled=service.settings.access_log)
    # Outside AccessLog (it logs what it answers itself): exact repeats of image URLs.
    app.add_middleware(
        FastPath, service=service, headers=app.state.headers, metrics=service.metrics,
        log=AccessLogger(service.settings.access_log),
    )
    return app


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    svc: Service = app.state.service
    _log_startup(svc)
    svc.start_warm_up()
    try:
        yield
    finally:
        await svc.flush()
        svc.close()


# -- the card routes --------------------------------------------------------------

def _read_query(request: Request) -> ImageRequest:
    """The request's template segment and query fields, checked (length, UTF-8, repeats, signature)."""
    svc: Service = request.app.state.service
    raw = request.scope["query_string"]
    if len(raw) > MAX_QUERY_BYTES:
        raise QueryTooLong(len(raw), MAX_QUERY_BYTES)
    pairs = parse_query(raw)
    signed = False
    if svc.settings.signing_key:
        try:
            verify(request.scope["path"], pairs, svc.settings.signing_key)
        except OgImageError:
            svc.metrics.rejected.labels("signature").inc()
            raise
        signed = True
    fields: dict[str, str] = {}
    for name, value in pairs:
        if name in fields:
            raise CardError("is given more than once", field=name)
        fields[name] = value
    return ImageRequest(request.path_params["template"], fields, signed or "v" in fields)


async def image(request: Request) -> Response:
    """``GET``/``HEAD /api/og/{template}``: the card image, or ``304`` when ``If-None-Match`` matches."""
    scope = request.scope
    svc: Service = request.app.state.service
    headers: ImageHeaders = request.app.state.headers
    answer = await svc.answer(
        (scope["path"], scope["query_string"]),
        lambda: _read_query(request),
        lambda etag: not_modified(scope, etag),
    )
    if answer.rendered is None:
        return _RawResponse(b"", headers.not_modified(answer.resolved), 304)
    body = b"" if scope["method"] == "HEAD" else answer.rendered.body
    return _RawResponse(body, headers.image(answer.resolved, answer.rendered))


async def layout(request: Request) -> Response:
    """``GET /api/layout/{template}``: the card's layout as JSON."""
    svc: Service = request.app.state.service
    return JSONResponse(await svc.layout_of(_read_query(request)))


def _add_card_routes(app: FastAPI) -> None:
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

    _lean_route(
        app, "/api/layout/{template}", layout, methods=["GET"], summary="Card layout",
        description="The typeset layout of the card as JSON: lines, font size, fonts used, missing glyphs, boxes.",
        openapi_extra={"parameters": [TEMPLATE_PARAM, *CARD_PARAMS]},
        responses={k: v for k, v in IMAGE_RESPONSES.items() if k not in (200, 304)},
    )


# -- templates, health, readiness, metrics -------------------------------------------

async def templates(request: Request) -> JSONResponse:
    """``GET /api/templates``: every template with its size and fields."""
    return JSONResponse({"templates": request.app.state.service.templates()})


async def healthz(request: Request) -> JSONResponse:
    """``GET /healthz``: 200 while the process answers."""
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> JSONResponse:
    """``GET /readyz``: 200 once fonts and templates are loaded (and warm-up is done), else 503."""
    svc: Service = request.app.state.service
    status = svc.status()
    ready = svc.ready()
    status["status"] = "ready" if ready else "not ready"
    return JSONResponse(status, status_code=200 if ready else 503)


async def prometheus(request: Request) -> Response:
    """``GET /metrics``: Prometheus text format."""
    metrics = request.app.state.metrics
    return Response(metrics.render(), media_type=metrics.content_type)


def _add_info_routes(app: FastAPI) -> None:
    app.add_api_route("/api/templates", templates, methods=["GET"], summary="Templates and the fields each shows")
    app.add_api_route("/healthz", healthz, methods=["GET"], summary="Liveness: the app answers")
    app.add_api_route("/readyz", readyz, methods=["GET"],
                      summary="Readiness: fonts and templates are loaded; reports the layout engine")
    app.add_api_route("/metrics", prometheus, methods=["GET"], summary="Prometheus metrics", response_class=Response)


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
    shared = status.get("shared_cache")
    if shared:  # [shared tier] app hook 2/2: say which Redis (password hidden) and whether it answered
        log.info(
            "shared cache %s (%s): timeout %.0f ms, TTL %d s, values up to %d KiB",
            shared["url"], shared["state"], shared["timeout_ms"], shared["ttl_s"], shared["max_value_bytes"] >> 10,
        )
    if s.signing_key:
        log.info("signed URLs required: requests without a valid 'sig' get 403")
    else:
        log.warning("no OGIMAGE_SIGNING_KEY: the service is open and renders any text anyone asks for")
