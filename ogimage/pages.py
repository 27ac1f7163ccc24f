"""What a page gives its card: front matter → card fields, output name, alt text and meta tags.

Shared by ``ogimage batch``, ``ogimage meta`` and the MkDocs and Sphinx integrations, so
every static-site path maps the same keys the same way. Pure: no Pillow, no web stack,
no file access (the callers read the files); every function here is cheap (microseconds).

Key mapping, first present key wins (see README "Static sites")::

    title        title, else the first "# heading" of the body, else the humanised file name
    description  description, summary, excerpt
    tags         tags, keywords, categories            (text "a, b" or a list)
    author       author, authors                       (text, list of text, list of {name: …})
    date         date, publishDate, lastmod            (date, datetime or text)
    lang         lang, language, locale                (en_US → en-US)
    site         site

An ``og:`` or ``ogimage:`` mapping overrides any card field and may name a ``template``;
``ogimage: false`` (or ``og: false``) opts the page out.
"""

from __future__ import annotations

import datetime as _dt
import html
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from .card import MAX_AUTHORS, MAX_DESCRIPTION, MAX_TAGS
from .errors import FrontMatterError

#: Card fields and the front matter keys that feed them, in order of preference.
FIELD_KEYS: dict[str, tuple[str, ...]] = {
    "title": ("title",),
    "description": ("description", "summary", "excerpt"),
    "tags": ("tags", "keywords", "categories"),
    "author": ("author", "authors"),
    "date": ("date", "publishDate", "lastmod"),
    "lang": ("lang", "language", "locale"),
    "site": ("site",),
}
#: Keys that name a page's own image.
IMAGE_KEYS = ("image", "images", "cover", "og_image")
#: Keys whose mapping overrides the card (``og:`` / ``ogimage:``).
OVERRIDE_KEYS = ("ogimage", "og")
#: File names that stand for their folder (page bundles).
BUNDLE_STEMS = ("index", "_index")
MARKDOWN_SUFFIXES = (".md", ".markdown", ".mdx")

# A service card URL: /api/og/{template}?… or /api/og-{template}?… (what many sites link today).
_SERVICE_PATH = re.compile(r"/api/og(?:/|-)[a-z0-9][a-z0-9_-]*/?$")
_HEADING = re.compile(r"^ {0,3}#[ \t]+(.+?)[ \t]*#*[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(```|~~~)")
_DATE_FORMATS = ("%Y-%m-%d %H:%M:%S %z", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d",
                 "%B %d, %Y", "%b %d, %Y", "%d %B %Y", "%d %b %Y", "%a, %d %b %Y %H:%M:%S %z")


@dataclass(frozen=True, slots=True)
class Page:
    """One page's card request: its fields and template, or why it gets no card."""

    source: str  # the source path as given, for messages and the manifest
    fields: dict[str, Any]  # card fields for Service.card(): title, description, tags, author, date, lang, site
    template: str | None  # the page's own template (og:/ogimage: template), None = the caller's default
    skip: str | None  # why it gets no card: "opted out", "draft", "has its own image: …"; None = render it


def page_from_metadata(
    metadata: Mapping[str, Any],
    *,
    source: str,
    body: str = "",
    drafts: bool = False,
    all_images: bool = False,
    base_url: str | None = None,
) -> Page:
    """The :class:`Page` for one file's front matter (and body, for its first heading).

    ``drafts`` renders ``draft: true`` pages; ``all_images`` renders pages that name their
    own image too. An image that is a URL of this service (``…/api/og-brand?title=…``, or
    under ``base_url``) does not count as the page's own. Raises :class:`FrontMatterError`
    naming the key when a value has the wrong type (a list as title, a bad date).
    """
    override = _override(metadata, source)
    if override is False:
        return Page(source, {}, None, "opted out")
    if _truthy(metadata.get("draft")) and not drafts:
        return Page(source, {}, None, "draft")
    fields: dict[str, Any] = {}
    for name, keys in FIELD_KEYS.items():
        for key in keys:
            value = metadata.get(key)
            if value not in (None, "", [], {}):
                fields[name] = _field(name, key, value, source)
                break
    template = None
    for key, value in (override or {}).items():
        if key == "template":
            if not isinstance(value, str) or not value.strip():
                raise FrontMatterError(source, None, "must be a template name", key=f"{_override_key(metadata)}.template")
            template = value.strip()
        elif key in FIELD_KEYS:
            fields[key] = _field(key, f"{_override_key(metadata)}.{key}", value, source)
    if not fields.get("title"):
        fields["title"] = first_heading(body) or humanise(PurePosixPath(source.replace("\\", "/")))
    if not all_images:
        own = own_image(metadata, base_url=base_url)
        if own is not None:
            return Page(source, fields, template, f"has its own image: {own}")
    return Page(source, fields, template, None)


def _override(metadata: Mapping[str, Any], source: str) -> Mapping[str, Any] | bool | None:
    key = _override_key(metadata)
    if key is None:
        return None
    value = metadata[key]
    if value is False or (isinstance(value, str) and value.strip().lower() in ("false", "no", "off")):
        return False
    if value is True or value is None:
        return None
    if not isinstance(value, Mapping):
        raise FrontMatterError(source, None, f"must be a mapping of card fields or false, not {type(value).__name__}",
                               key=key)
    if "enabled" in value and not _truthy(value["enabled"]):
        return False
    return value


def _override_key(metadata: Mapping[str, Any]) -> str | None:
    return next((k for k in OVERRIDE_KEYS if k in metadata), None)


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "yes", "on", "1")
    return bool(value)


def _field(name: str, key: str, value: Any, source: str) -> Any:
    """One front matter value as the card field ``name`` wants it (text, list or ISO date)."""
    if name in ("title", "description", "site", "lang"):
        if isinstance(value, bool) or not isinstance(value, (str, int, float, _dt.date)):
            raise FrontMatterError(source, None, f"must be text, not {_type_name(value)}", key=key)
        text = value.isoformat() if isinstance(value, _dt.date) else str(value)
        if name == "description" and len(text) > MAX_DESCRIPTION:
            text = _shorten(text, MAX_DESCRIPTION)
        return text
    if name == "date":
        return _date(value, key, source)
    items = _items(value, key, source)
    return items[: MAX_AUTHORS if name == "author" else MAX_TAGS]


def _type_name(value: Any) -> str:
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, (list, tuple)):
        return "a list"
    return type(value).__name__


def _items(value: Any, key: str, source: str) -> list[str]:
    raw: Iterable[Any]
    if isinstance(value, str):
        raw = value.split(",")
    elif isinstance(value, Mapping):
        raw = (value,)
    elif isinstance(value, (list, tuple)):
        raw = value
    else:
        raw = (value,)
    out: list[str] = []
    for item in raw:
        if isinstance(item, Mapping):
            item = item.get("name", "")
        if isinstance(item, bool) or not isinstance(item, (str, int, float)):
            raise FrontMatterError(source, None, f"items must be text, not {_type_name(item)}", key=key)
        text = str(item).strip()
        if text and text not in out:
            out.append(text)
    return out


def _date(value: Any, key: str, source: str) -> str:
    if isinstance(value, _dt.datetime):
        return value.date().isoformat()
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, str):
        text = value.strip()
        for parse in (_dt.date.fromisoformat, lambda t: _dt.datetime.fromisoformat(t.replace("Z", "+00:00"))):
            try:
                return _as_date(parse(text))
            except ValueError:
                pass
        for fmt in _DATE_FORMATS:
            try:
                return _as_date(_dt.datetime.strptime(text, fmt))
            except ValueError:
                pass
    raise FrontMatterError(source, None, f"{value!r} is not a date (use YYYY-MM-DD)", key=key)


def _as_date(value: _dt.date) -> str:
    return (value.date() if isinstance(value, _dt.datetime) else value).isoformat()


def _shorten(text: str, limit: int) -> str:
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut).rstrip() + "…"


def first_heading(body: str) -> str | None:
    """The text of the body's first ATX ``# heading`` outside code fences, or ``None``."""
    fenced = False
    for line in body.splitlines():
        if _FENCE.match(line):
            fenced = not fenced
        elif not fenced:
            m = _HEADING.match(line)
            if m:
                return m.group(1).strip() or None
    return None


def _stem(path: PurePosixPath) -> PurePosixPath:
    """``path`` without its Markdown suffix; a bundle (``post/index.md``) is its folder."""
    name = path.name
    for suffix in MARKDOWN_SUFFIXES:
        if name.lower().endswith(suffix):
            name = name[: -len(suffix)]
            break
    if name in BUNDLE_STEMS and path.parent.name:
        return path.parent
    return path.with_name(name) if name else path


def humanise(path: PurePosixPath) -> str:
    """A title from a file name: ``2026-my_first-post.md`` → ``2026 my first post`` capitalised."""
    words = re.sub(r"[-_.\s]+", " ", _stem(path).name).strip()
    return words[:1].upper() + words[1:] if words else "Untitled"


def own_image(metadata: Mapping[str, Any], *, base_url: str | None = None) -> str | None:
    """The page's own image (first of ``image``, ``images``, ``cover``, ``og_image``), or ``None``.

    An image that is a card URL of this service (``/api/og/…``, ``/api/og-…``, or under
    ``base_url``) is not the page's own: the batch renders it instead.
    """
    for key in IMAGE_KEYS:
        value = metadata.get(key)
        while isinstance(value, (list, tuple)) and value:
            value = value[0]
        if isinstance(value, Mapping):
            value = value.get("image") or value.get("src") or value.get("url")
        if isinstance(value, str) and value.strip():
            url = value.strip()
            if not is_service_url(url, base_url=base_url):
                return url
    return None


def is_service_url(url: str, *, base_url: str | None = None) -> bool:
    """Whether ``url`` is a card URL of an ogimage service (or under ``base_url``)."""
    if base_url and url.startswith(base_url.rstrip("/") + "/"):
        return True
    return bool(_SERVICE_PATH.search(urlsplit(url).path))


def alt_text(fields: Mapping[str, Any]) -> str:
    """Alt text for the card, from its own text: ``"{title} – {site}"``, or the title alone."""
    title = " ".join(str(fields.get("title") or "").split())
    site = " ".join(str(fields.get("site") or "").split())
    return f"{title} – {site}" if site and title else title or site


def _slug_parts(slug: Any) -> list[str]:
    text = str(slug).strip() if isinstance(slug, (str, int)) and not isinstance(slug, bool) else ""
    return [p for p in text.replace("\\", "/").split("/") if p not in ("", ".", "..")]


def output_name(relative_source: PurePosixPath, metadata: Mapping[str, Any], suffix: str = ".png") -> PurePosixPath:
    """Where a page's card goes, relative to the output folder.

    Mirrors the source tree (``blog/2026/post.md`` → ``blog/2026/post.png``); a page bundle
    (``post/index.md``, ``_index.md``) is named after its folder (``blog/post.png``); a
    ``slug`` in the front matter replaces the last part (``blog/2026/{slug}.png``). A top
    level ``index.md`` stays ``index.png``. Never leaves the output folder (no ``..``).
    """
    parts = [p for p in PurePosixPath(str(relative_source).replace("\\", "/")).parts if p not in ("", ".", "..", "/")]
    stem = _stem(PurePosixPath(*parts)) if parts else PurePosixPath("index")
    slug = _slug_parts(metadata.get("slug"))
    if slug:
        stem = stem.parent.joinpath(*slug)
    return stem.with_name(stem.name + suffix)


def meta_tags(
    image_url: str, alt: str, *, content_type: str = "image/png", width: int = 1200, height: int = 630
) -> list[tuple[str, str]]:
    """The Open Graph and Twitter tags for a card image, as ``(property or name, content)`` pairs."""
    return [
        ("og:image", image_url),
        ("og:image:width", str(width)),
        ("og:image:height", str(height)),
        ("og:image:type", content_type),
        ("og:image:alt", alt),
        ("twitter:card", "summary_large_image"),
        ("twitter:image", image_url),
        ("twitter:image:alt", alt),
    ]


def meta_html(tags: Sequence[tuple[str, str]]) -> str:
    """The ``<meta>`` elements, one a line, escaped; ``og:*`` use ``property=``, others ``name=``."""
    lines = []
    for key, content in tags:
        attr = "property" if key.startswith("og:") else "name"
        lines.append(f'<meta {attr}="{html.escape(key)}" content="{html.escape(content)}">')
    return "\n".join(lines)
