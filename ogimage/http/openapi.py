"""The OpenAPI description of the card parameters (shown at ``/docs``)."""

from __future__ import annotations

from typing import Any

from ..card import MAX_AUTHOR, MAX_AUTHORS, MAX_DESCRIPTION, MAX_SITE, MAX_TAG, MAX_TAGS, MAX_TITLE
from ..formats import CONTENT_TYPES, DEFAULT, FORMATS, SUFFIXES
from ..signing import SIG

_SUFFIX_LIST = ", ".join(f"`.{s}`" for s in SUFFIXES)
_FORMAT_LIST = ", ".join("/".join(f"`{n}`" for n in dict.fromkeys((f.name, *f.suffixes))) for f in FORMATS.values())


def _q(name: str, description: str, example: str | None = None) -> dict[str, Any]:
    param: dict[str, Any] = {
        "name": name, "in": "query", "required": name == "title",
        "description": description, "schema": {"type": "string"},
    }
    if example is not None:
        param["example"] = example
    return param


TEMPLATE_PARAM = {
    "name": "template", "in": "path", "required": True, "schema": {"type": "string"},
    "description": f"Template name (see `/api/templates`), optionally with a suffix: {_SUFFIX_LIST}.",
    "example": "default",
}
CARD_PARAMS = [
    _q("title", f"The card's title (required; at most {MAX_TITLE} characters).", "Hello, world"),
    _q("description", f"A subtitle or summary (at most {MAX_DESCRIPTION} characters)."),
    _q("site", f"Site name shown on the card (at most {MAX_SITE} characters); empty means the template's default."),
    _q("author", f"Author name(s), comma-separated (at most {MAX_AUTHORS}, {MAX_AUTHOR} characters each)."),
    _q("date", "Publication date, ISO 8601 (`YYYY-MM-DD`)."),
    _q("tags", f"Tags, comma-separated (at most {MAX_TAGS}, {MAX_TAG} characters each)."),
    _q("lang", "BCP 47 language of the text (`ja`, `zh-Hant`, `ar`…): picks regional glyphs and line breaking."),
    _q("format", f"Image format: {_FORMAT_LIST} (default `{DEFAULT}`). Must agree with a path suffix if both are given."),
    _q("v", "A version of your choosing; with it the answer is cached as immutable for a year."),
    _q(SIG, "Signature (HMAC-SHA256, URL-safe base64), required when the server has a signing key."),
]
IMAGE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {t: {} for t in CONTENT_TYPES.values()}, "description": "The card image."},
    304: {"description": "Not modified (`If-None-Match` matched the ETag)."},
    403: {"description": "Signature missing or wrong."},
    404: {"description": "Unknown template."},
    414: {"description": "Query string too long."},
    422: {"description": "A field is too long or malformed; the body names it."},
    503: {"description": "Too many renders waiting; retry after `Retry-After` seconds."},
}
