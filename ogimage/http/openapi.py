"""The OpenAPI description of the card parameters (shown at ``/docs``)."""

from __future__ import annotations

from typing import Any

from ..card import MAX_AUTHOR, MAX_AUTHORS, MAX_DESCRIPTION, MAX_SITE, MAX_TAG, MAX_TAGS, MAX_TITLE
from ..formats import CONTENT_TYPES, DEFAULT, FORMATS, SUFFIXES
from ..signing import SIG

_SUFFIX_LIST = ", ".join(f"`.{s}`" for s in SUFFIXES)
_FORMAT_LIST = ", ".join("/".join(f"`{n}`" for n in dict.fromkeys((f.name, *f.suffixes))) for f in FORMATS.values())


def _q(name: str, description: str, example: str | None = None, **schema: Any) -> dict[str, Any]:
    param: dict[str, Any] = {
        "name": name, "in": "query", "required": name == "title",
        "description": description, "schema": {"type": "string", **schema},
    }
    if example is not None:
        param["example"] = example
    return param


TEMPLATE_PARAM = {
    "name": "template", "in": "path", "required": True,
    "schema": {"type": "string", "pattern": r"^[a-z0-9][a-z0-9_-]{0,63}(\.([Pp][Nn][Gg]|[Jj][Pp][Ee]?[Gg]|[Ww][Ee][Bb][Pp]))?$"},
    "description": "Template name (see `/api/templates`), optionally with a `.png`, `.jpg` or `.webp` suffix.",
    "example": "default",
}
CARD_PARAMS = [
    _q("title", f"The card's title (required; at most {MAX_TITLE} characters).", "Hello, world",
       minLength=1, maxLength=MAX_TITLE),
    _q("description", f"A subtitle or summary (at most {MAX_DESCRIPTION} characters)."),
    _q("site", f"Site name shown on the card (at most {MAX_SITE} characters); empty means the template's default."),
    _q("author", f"Author name(s), comma-separated (at most {MAX_AUTHORS}, {MAX_AUTHOR} characters each)."),
    _q("date", "Publication date, ISO 8601 (`YYYY-MM-DD`)."),
    _q("tags", f"Tags, comma-separated (at most {MAX_TAGS}, {MAX_TAG} characters each)."),
    _q("lang", "BCP 47 language of the text (`ja`, `zh-Hant`, `ar`…): picks regional glyphs and line breaking."),
    _q("format", f"Image format: {_FORMAT_LIST} (default `{DEFAULT}`). Must agree with a path suffix if both are given.",
       enum=sorted({n for f in FORMATS.values() for n in (f.name, *f.suffixes)})),
    _q("v", "A version of your choosing; with it the answer is cached as immutable for a year."),
    _q(SIG, "Signature (HMAC-SHA256, URL-safe base64), required when the server has a signing key."),
]
# Every error body: {"error": {"field": …, "reason": …}}.
ERROR_BODY = {"application/json": {"schema": {
    "type": "object", "required": ["error"], "additionalProperties": False,
    "properties": {"error": {
        "type": "object", "required": ["field", "reason"], "additionalProperties": False,
        "properties": {"field": {"type": ["string", "null"]}, "reason": {"type": "string"}},
    }},
}}}


def _err(description: str) -> dict[str, Any]:
    return {"description": description, "content": ERROR_BODY}


IMAGE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {t: {} for t in CONTENT_TYPES.values()}, "description": "The card image."},
    304: {"description": "Not modified (`If-None-Match` matched the ETag)."},
    403: _err("Signature missing or wrong."),
    404: _err("Unknown template, or no such path."),
    414: _err("Query string too long."),
    422: _err("A field is too long or malformed, or an unknown format; the body names it."),
    500: _err("An error on the server's side (a broken template); details only in the server log."),
    503: _err("Too many renders waiting, or the render took longer than its budget; retry after `Retry-After` seconds."),
}
