"""The card: what one image says, validated and normalised.

A :class:`Card` is immutable and already clean: NFC, trimmed, white space
folded, control and bidi-override characters removed. Build one with
:meth:`Card.from_mapping` (query parameters, front matter, JSON) so every edge
validates the same way and every error names its field.
"""

from __future__ import annotations

import datetime as _dt
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .errors import CardError
from .typeset.script import canonical_tag

MAX_TITLE = 300
MAX_DESCRIPTION = 500
MAX_SITE = 100
MAX_AUTHOR = 100
MAX_AUTHORS = 5
MAX_TAG = 40
MAX_TAGS = 10

# Every name Card.from_mapping reads: the fields that change what a card shows.
FIELDS = ("title", "description", "site", "author", "authors", "date", "tags", "lang", "template")

# Explicit bidi embeddings, overrides and isolates: they would let a title
# reorder the text around it. Marks (LRM/RLM) and joiners stay.
_BIDI_CONTROLS = dict.fromkeys(
    [*range(0x202A, 0x202F), *range(0x2066, 0x206A)], None
)
_SPACES = re.compile(r"\s+")
# The control characters (Cc, a set Unicode keeps fixed below U+00A0) that are not white space.
_CONTROLS = re.compile("[" + "".join(re.escape(chr(c)) for c in range(0xA0)
                                     if unicodedata.category(chr(c)) == "Cc" and not chr(c).isspace()) + "]")
_IDEOGRAPHIC_SPACE = "\u3000"
_LANG = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8}){0,4}$")
_TEMPLATE_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


def normalise_text(value: str) -> str:
    """NFC, no control or bidi-override characters, white space folded and trimmed.

    A run of white space folds to one ASCII space, except a run holding U+3000
    (ideographic space), which folds to one U+3000: in CJK text it is a full-width gap
    the author chose, not a space to fold (``新機能を追加　使い方を解説`` keeps it).
    """
    text = unicodedata.normalize("NFC", value).translate(_BIDI_CONTROLS)
    # Control characters (Cc) other than white space go; white space folds to one space.
    text = _CONTROLS.sub("", text)
    fold = lambda m: _IDEOGRAPHIC_SPACE if _IDEOGRAPHIC_SPACE in m.group() else " "
    return _SPACES.sub(fold, text).strip()


def normalise_lang(value: str, field_name: str = "lang") -> str:
    """A BCP 47 tag in canonical case (``zh-hans-cn`` → ``zh-Hans-CN``)."""
    tag = value.strip().replace("_", "-")
    if not _LANG.match(tag):
        raise CardError(f"{value!r} is not a BCP 47 language tag (e.g. 'ja', 'zh-Hant')", field=field_name)
    return canonical_tag(tag)


def _text(data: Mapping[str, Any], name: str, limit: int, *, required: bool = False) -> str:
    raw = data.get(name)
    if raw is None:
        if required:
            raise CardError("is required", field=name)
        return ""
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        raw = str(raw)
    if not isinstance(raw, str):
        raise CardError(f"must be text, not {type(raw).__name__}", field=name)
    if len(raw) > limit:  # the limit is the parameter's, as given (OpenAPI maxLength), and after
        raise CardError(f"is {len(raw)} characters long; at most {limit} are allowed", field=name)
    text = normalise_text(raw)
    if required and not text:
        raise CardError("must not be empty", field=name)
    if len(text) > limit:
        raise CardError(f"is {len(text)} characters long; at most {limit} are allowed", field=name)
    return text


def _names(raw: Any) -> Iterable[Any]:
    if raw is None:
        return ()
    if isinstance(raw, str):
        return raw.split(",")
    if isinstance(raw, Mapping):
        return (raw,)
    if isinstance(raw, Iterable):
        return raw
    return (raw,)


def _list(raw: Any, name: str, limit: int, count: int) -> tuple[str, ...]:
    items: list[str] = []
    for item in _names(raw):
        if isinstance(item, Mapping):  # front matter: authors: [{name: …}]
            item = item.get("name", "")
        if not isinstance(item, (str, int, float)) or isinstance(item, bool):
            raise CardError(f"items must be text, not {type(item).__name__}", field=name)
        text = normalise_text(str(item))
        if not text:
            continue
        if len(text) > limit:
            raise CardError(f"item {text[:20]!r}… is {len(text)} characters; at most {limit}", field=name)
        if text not in items:
            items.append(text)
    if len(items) > count:
        raise CardError(f"has {len(items)} items; at most {count} are allowed", field=name)
    return tuple(items)


def _date(raw: Any) -> _dt.date | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, _dt.datetime):
        return raw.date()
    if isinstance(raw, _dt.date):
        return raw
    if isinstance(raw, str):
        text = raw.strip()
        try:
            return _dt.date.fromisoformat(text)
        except ValueError:
            pass
        try:
            return _dt.datetime.fromisoformat(text.replace("Z", "+00:00")).date()
        except ValueError:
            pass
    raise CardError(f"{raw!r} is not a date; use YYYY-MM-DD", field="date")


@dataclass(frozen=True, slots=True)
class Card:
    """One card's content. ``site`` empty means "the template's default"."""

    title: str
    description: str = ""
    site: str = ""
    author: tuple[str, ...] = ()
    date: _dt.date | None = None
    tags: tuple[str, ...] = ()
    lang: str | None = None
    template: str = "default"

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], *, template: str | None = None) -> Card:
        """Validate and normalise a mapping of card fields.

        Accepts ``author`` or ``authors`` (text, a comma-separated string, a list,
        or front-matter style ``[{name: …}]``), ``tags`` as a list or a
        comma-separated string, and ``date`` as a date or ISO 8601 text.
        Raises :class:`~ogimage.errors.CardError` naming the first bad field.
        """
        lang_raw = data.get("lang")
        lang = None
        if lang_raw not in (None, ""):
            if not isinstance(lang_raw, str):
                raise CardError("must be text", field="lang")
            lang = normalise_lang(lang_raw)
        name = template if template is not None else data.get("template") or "default"
        if not isinstance(name, str) or not _TEMPLATE_NAME.match(name):
            raise CardError(
                f"{name!r} is not a template name (lowercase letters, digits, '-' and '_')",
                field="template",
            )
        authors = data.get("author")
        if authors in (None, "", []):
            authors = data.get("authors")
        return cls(
            title=_text(data, "title", MAX_TITLE, required=True),
            description=_text(data, "description", MAX_DESCRIPTION),
            site=_text(data, "site", MAX_SITE),
            author=_list(authors, "author", MAX_AUTHOR, MAX_AUTHORS),
            date=_date(data.get("date")),
            tags=_list(data.get("tags"), "tags", MAX_TAG, MAX_TAGS),
            lang=lang,
            template=name,
        )

    def canonical(self) -> dict[str, Any]:
        """A plain, stable mapping of the content (the cache key hashes this)."""
        return {
            "title": self.title,
            "description": self.description,
            "site": self.site,
            "author": list(self.author),
            "date": self.date.isoformat() if self.date else None,
            "tags": list(self.tags),
            "lang": self.lang,
            "template": self.template,
        }
