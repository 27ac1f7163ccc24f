"""Every error as JSON in one shape: ``{"error": {"field": …, "reason": …}}``."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..errors import OgImageError, OverloadedError, RenderTimeout, error_body
from .accesslog import escape

log = logging.getLogger("ogimage.server")

# Errors are never cached by a CDN or a browser.
NO_STORE = {"cache-control": "no-store"}
# What a client sees of a server-side failure: no file path, key or traceback text
# (those go to the log). Issue 10: a template's path leaked in 500 bodies.
INTERNAL = "internal error; the server log has the details"


def _error(status: int, reason: str, field: str | None = None, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(
        error_body(reason, field), status_code=status, headers={**NO_STORE, **(headers or {})}
    )


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(OgImageError)
    async def ogimage_error(request: Request, exc: OgImageError) -> JSONResponse:
        headers = {}
        retry_after = getattr(exc, "retry_after", None)  # OverloadedError, RenderTimeout
        if retry_after is not None:
            headers["retry-after"] = str(retry_after)
        if isinstance(exc, RenderTimeout):
            log.warning("%s %s: %s", escape(request.method), escape(request.scope["path"]), exc.format_message())
        if exc.status >= 500 and not exc.public:
            log.error("%s %s: %s", escape(request.method), escape(request.scope["path"]), exc.format_message())
            return _error(exc.status, INTERNAL)
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
        log.exception("unexpected error on %s %s", escape(request.method), escape(request.scope["path"]))
        return _error(500, INTERNAL)
