"""The design preview page, the index at ``/`` and offline API docs, mounted on the app.

    mount_preview(app, service)    # one line in create_app

Routes (none of them renders; the page loads cards from ``/api/og`` and ``/api/layout``):

- ``/``                       a small index linking ``/preview``, ``/docs`` and the quick start
- ``/preview``                the page (:mod:`ogimage.preview` holds its HTML, CSS and JS)
- ``/preview/api/state``      templates, platforms, reload generation and the last reload error
- ``/preview/api/card/{t}``   the image and layout URLs for a card, signed when the server signs
- ``/docs``, ``/redoc``       Swagger UI and ReDoc from files shipped in the package

Access: with no signing key the page is open (the service renders anything anyway). With
``OGIMAGE_SIGNING_KEY`` it is off (404) unless ``OGIMAGE_PREVIEW_TOKEN`` is set; then every
page and API request needs that token (``?token=`` once, which sets an HttpOnly cookie, or
an ``X-Preview-Token`` header), compared in constant time. Only a request with the token
gets signed URLs, and only for card URLs this module builds itself.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Awaitable, Callable, Mapping
from functools import cache, partial
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.staticfiles import StaticFiles

from ..errors import OgImageError
from ..signing import sign_url

if TYPE_CHECKING:
    from ..service import Service

PACKAGE = Path(__file__).resolve().parent.parent / "preview"
STATIC = PACKAGE / "static"
VENDOR = PACKAGE / "vendor"
COOKIE = "ogimage_preview"
HEADER = "x-preview-token"
CARD_FIELDS = ("title", "description", "site", "author", "date", "tags", "lang")
NO_STORE = {"cache-control": "no-store"}


class PreviewOff(OgImageError):
    """The preview is off: the server signs URLs and has no preview token (HTTP 404)."""

    status = 404

    def __init__(self) -> None:
        super().__init__(
            "the preview is off: this server requires signed URLs; set OGIMAGE_PREVIEW_TOKEN to enable it",
            field=None,
        )


class PreviewTokenRequired(OgImageError):
    """The preview needs its token, and the request has none or a wrong one (HTTP 401)."""

    status = 401

    def __init__(self) -> None:
        super().__init__("the preview needs its token (OGIMAGE_PREVIEW_TOKEN)", field="token")


def preview_mode(signing_key: str, token: str) -> str:
    """``"open"`` (no signing key), ``"token"`` (key and token) or ``"off"`` (key, no token)."""
    if not signing_key:
        return "open"
    return "token" if token else "off"


def token_matches(given: str | None, token: str) -> bool:
    """Whether ``given`` is ``token``, compared in constant time; an empty token never matches."""
    if not token or given is None:
        return False
    return hmac.compare_digest(given.encode("utf-8"), token.encode("utf-8"))


@cache
def _static_text(name: str) -> str:
    return (STATIC / name).read_text(encoding="utf-8")


@cache
def platforms() -> list[dict[str, Any]]:
    """The platform crop and frame rules from ``ogimage/preview/platforms.toml`` (read once)."""
    import tomllib

    with (PACKAGE / "platforms.toml").open("rb") as fh:
        return list(tomllib.load(fh)["platform"])


def card_query(fields: Mapping[str, str], version: str | None = None) -> str:
    """The query of a card URL: the non-empty card fields in a fixed order, then ``v``."""
    pairs = [(name, fields[name]) for name in CARD_FIELDS if fields.get(name)]
    if version:
        pairs.append(("v", version))
    return urlencode(pairs, quote_via=quote)


def mount_preview(app: FastAPI, service: Service) -> None:
    """Add ``/``, ``/preview``, its API and static files, and offline ``/docs`` and ``/redoc``.

    Replaces FastAPI's CDN-backed ``/docs`` and ``/redoc`` routes. Costs nothing per
    request on the other routes (they are matched first by path).
    """
    routes = PreviewRoutes(service)
    _replace_docs(app)
    hidden: dict[str, Any] = {"include_in_schema": False}
    app.add_api_route("/", routes.index, methods=["GET"], **hidden)
    app.add_api_route("/preview", routes.page, methods=["GET"], **hidden)
    app.add_api_route("/preview/api/state", routes.state, methods=["GET"], **hidden)
    app.add_api_route("/preview/api/card/{template}", routes.card_urls, methods=["GET"], **hidden)
    app.mount("/preview/static", StaticFiles(directory=STATIC), name="preview-static")
    app.mount("/docs/assets", StaticFiles(directory=VENDOR), name="docs-assets")


class PreviewRoutes:
    """The preview's handlers over one service (or a reloading stand-in for one)."""

    def __init__(self, service: Service) -> None:
        self.service = service
        settings = service.settings
        self.signing_key = settings.signing_key
        self.token = settings.preview_token
        self.mode = preview_mode(settings.signing_key, settings.preview_token)
        # Part of every image URL the page shows: a restart or a reload changes it.
        self.started = f"{int(time.time()):x}"

    def check(self, request: Request) -> None:
        """Raise unless this request may use the preview (mode, then token in constant time)."""
        if self.mode == "open":
            return
        if self.mode == "off":
            raise PreviewOff()
        given = request.headers.get(HEADER) or request.cookies.get(COOKIE)
        if not token_matches(given, self.token):
            raise PreviewTokenRequired()

    def generation(self, request: Request) -> str:
        reload = getattr(request.app.state, "preview_reload", None)
        return f"{self.started}.{reload.generation}" if reload is not None else self.started

    async def index(self, request: Request) -> HTMLResponse:
        return HTMLResponse(_static_text("index.html"))

    async def page(self, request: Request) -> Response:
        if self.mode == "off":
            raise PreviewOff()
        given = request.query_params.get("token")
        if self.mode == "token" and given is not None:
            if not token_matches(given, self.token):
                return HTMLResponse(_static_text("token.html"), status_code=401, headers=NO_STORE)
            # Swap the token in the address bar for a cookie the page's requests carry.
            rest = [(k, v) for k, v in request.query_params.multi_items() if k != "token"]
            target = "/preview" + ("?" + urlencode(rest, quote_via=quote) if rest else "")
            response = RedirectResponse(target, status_code=303, headers=NO_STORE)
            response.set_cookie(COOKIE, given, httponly=True, samesite="strict", path="/preview")
            return response
        try:
            self.check(request)
        except PreviewTokenRequired:
            return HTMLResponse(_static_text("token.html"), status_code=401, headers=NO_STORE)
        return HTMLResponse(_static_text("preview.html"), headers=NO_STORE)

    async def state(self, request: Request) -> JSONResponse:
        self.check(request)
        reload = getattr(request.app.state, "preview_reload", None)
        body: dict[str, Any] = {
            "reload": reload is not None,
            "generation": self.generation(request),
            "error": reload.error if reload is not None else None,
            "signed": bool(self.signing_key),
            "platforms": platforms(),
        }
        try:
            body["templates"] = self.service.templates()
        except OgImageError as exc:  # a broken template file: the page shows it
            body["templates"] = []
            body["error"] = body["error"] or exc.format_message()
        return JSONResponse(body, headers=NO_STORE)

    async def card_urls(self, request: Request) -> JSONResponse:
        """The card's URLs, signed with the token; only ever ``/api/og`` and ``/api/layout`` ones."""
        self.check(request)
        template = request.path_params["template"]
        fields = {k: v for k, v in request.query_params.items() if k in CARD_FIELDS}
        self.service.card(fields, template)  # CardError / TemplateNotFound: 4xx JSON naming the field
        urls = {
            # The page shows `image` (its `v` changes whenever the service is rebuilt, so a
            # browser never shows a card drawn by an older template); `share` is the URL to
            # publish in a page's <meta> tags.
            "image": f"/api/og/{template}?{card_query(fields, 'p' + self.generation(request))}",
            "layout": f"/api/layout/{template}?{card_query(fields)}",
            "share": f"/api/og/{template}?{card_query(fields)}",
        }
        if self.signing_key:
            urls = {k: sign_url(v, self.signing_key) for k, v in urls.items()}
        return JSONResponse(urls, headers=NO_STORE)


def _replace_docs(app: FastAPI) -> None:
    """Serve ``/docs`` and ``/redoc`` with the vendored Swagger UI and ReDoc, not a CDN."""
    openapi_url = app.openapi_url or "/openapi.json"
    title = f"{app.title} API"
    favicon = "/docs/assets/swagger-ui/favicon-32x32.png"
    pages: dict[str, Callable[[], HTMLResponse]] = {
        "/docs": partial(
            get_swagger_ui_html, openapi_url=openapi_url, title=title,
            swagger_js_url="/docs/assets/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url="/docs/assets/swagger-ui/swagger-ui.css", swagger_favicon_url=favicon,
            oauth2_redirect_url=app.swagger_ui_oauth2_redirect_url,
            # No online validator badge: it would send the spec's URL to an outside service.
            swagger_ui_parameters={"validatorUrl": None},
        ),
        "/redoc": partial(
            get_redoc_html, openapi_url=openapi_url, title=title,
            redoc_js_url="/docs/assets/redoc/redoc.standalone.js", redoc_favicon_url=favicon,
            with_google_fonts=False,
        ),
    }
    app.router.routes[:] = [r for r in app.router.routes if getattr(r, "path", None) not in pages]
    for path, page in pages.items():
        app.add_api_route(path, _html_handler(page), methods=["GET"], include_in_schema=False)


def _html_handler(page: Callable[[], HTMLResponse]) -> Callable[[Request], Awaitable[HTMLResponse]]:
    """A route handler answering every request with ``page()``."""

    async def handler(request: Request) -> HTMLResponse:
        return page()

    return handler
