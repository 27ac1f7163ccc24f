"""Every error ogimage raises on purpose, with the data the edges need to show it.

The HTTP server turns an :class:`OgImageError` into ``status`` and the JSON body
from :meth:`OgImageError.to_dict`; the CLI prints :meth:`OgImageError.format_message`
and exits with ``exit_code``. Nothing else in the code base builds error strings
for users.
"""

from __future__ import annotations

from typing import Any


class OgImageError(Exception):
    """Base class: a reason, the field or key it concerns, and how to show it."""

    status: int = 400
    exit_code: int = 2
    # Whether an HTTP client may read the reason of a 5xx (a 4xx reason is always shown):
    # server-side failures name files and keys, so they are logged and answered generically.
    public: bool = False

    def __init__(self, reason: str, *, field: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.field = field

    def to_dict(self) -> dict[str, Any]:
        """The JSON error body: ``{"error": {"field": …, "reason": …}}``."""
        return error_body(self.reason, self.field)

    def format_message(self) -> str:
        """One line for a terminal."""
        return f"{self.field}: {self.reason}" if self.field else self.reason

    def __str__(self) -> str:
        return self.format_message()


def error_body(reason: str, field: str | None = None) -> dict[str, Any]:
    """The one JSON shape of every error answer: ``{"error": {"field": …, "reason": …}}``.

    :meth:`OgImageError.to_dict` and the HTTP edge's handlers for framework errors
    (404 on an unknown path, 500) both build their bodies here."""
    return {"error": {"field": field, "reason": reason}}


class CardError(OgImageError):
    """A card field is missing, too long or malformed (HTTP 422)."""

    status = 422


class QueryDecodeError(CardError):
    """A query parameter's percent-escapes do not decode to UTF-8 (HTTP 422, naming the parameter)."""

    def __init__(self, field: str | None) -> None:
        super().__init__("is not valid UTF-8 after percent-decoding", field=field)


class QueryTooLong(OgImageError):
    """The query string is longer than any valid card needs (HTTP 414)."""

    status = 414

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"query string is {size} bytes; at most {limit} are accepted", field=None)
        self.size = size
        self.limit = limit


class TemplateNotFound(OgImageError):
    """No template has this name (HTTP 404)."""

    status = 404

    def __init__(self, name: str, available: list[str] | None = None) -> None:
        hint = f"; available: {', '.join(available)}" if available else ""
        super().__init__(f"unknown template {name!r}{hint}", field="template")
        self.name = name
        self.available = available or []


class TemplateError(OgImageError):
    """A template file is missing, unreadable or malformed.

    Carries the file, the key (dotted path inside the TOML) and what was expected.
    """

    status = 500
    exit_code = 3

    def __init__(self, path: str, key: str | None, expected: str) -> None:
        where = f"{path}: {key}" if key else path
        super().__init__(f"{where}: {expected}", field=key)
        self.path = path
        self.key = key
        self.expected = expected

    def format_message(self) -> str:
        """``file: key: what was expected`` (the reason already names the file and the key)."""
        return self.reason


class FontError(OgImageError):
    """The font manifest or a font file is missing or malformed."""

    status = 500
    exit_code = 3


class SignatureError(OgImageError):
    """A signed URL was required and the signature is missing or wrong (HTTP 403)."""

    status = 403

    def __init__(self, reason: str) -> None:
        super().__init__(reason, field="sig")


class OverloadedError(OgImageError):
    """Too many renders are waiting; try again later (HTTP 503)."""

    status = 503
    public = True

    def __init__(self, retry_after: int = 1) -> None:
        super().__init__("server busy: too many renders waiting; retry later")
        self.retry_after = retry_after


class RenderTimeout(OgImageError):
    """A render (or layout) took longer than its budget, ``OGIMAGE_RENDER_TIMEOUT`` (HTTP 503)."""

    status = 503
    public = True

    def __init__(self, seconds: float, retry_after: int = 1) -> None:
        super().__init__(f"rendering this card took longer than the {seconds:g} s budget; retry later")
        self.seconds = seconds
        self.retry_after = retry_after


class SettingsError(OgImageError):
    """An environment variable has a value that does not parse."""

    exit_code = 3

    def __init__(self, name: str, value: str, expected: str) -> None:
        super().__init__(f"Config {name!r} has value {value!r}. {expected}", field=name)
        self.name = name
        self.value = value
        self.expected = expected

    def format_message(self) -> str:
        """``Config 'OGIMAGE_…' has value '…'. What was expected.`` (the reason names the variable)."""
        return self.reason


class FrontMatterError(OgImageError):
    """A Markdown file cannot be read, or its front matter does not parse or has a bad value.

    Carries the file, the line (1-based, where the parser or a search for the key gives
    one) and the key (dotted for ``og.template``); the batch reports it and goes on.
    """

    exit_code = 1

    def __init__(self, path: str, line: int | None, reason: str, *, key: str | None = None) -> None:
        where = f"{path}:{line}" if line else path
        what = f"{key}: {reason}" if key else reason
        super().__init__(f"{where}: {what}", field=key)
        self.path = path
        self.line = line
        self.key = key
        self.detail = reason

    def format_message(self) -> str:
        """``path:line: key: reason`` (the key is already in the message)."""
        return self.reason

    def at(self, path: str | None = None, line: int | None = None) -> FrontMatterError:
        """The same error with the file and/or line filled in (the reader knows them, the mapper not)."""
        return FrontMatterError(path or self.path, line or self.line, self.detail, key=self.key)


class UsageError(OgImageError):
    """A command-line argument is wrong (exit 2): ``field`` names the option."""

    exit_code = 2


class CardsFailed(OgImageError):
    """Cards of a site build (MkDocs, Sphinx) could not be rendered.

    ``failures`` lists (page source, reason); the message shows the first and how many more.
    """

    exit_code = 3

    def __init__(self, failures: list[tuple[str, str]]) -> None:
        first_source, first_reason = failures[0]
        more = f" (and {len(failures) - 1} more)" if len(failures) > 1 else ""
        super().__init__(f"{first_source}: {first_reason}{more}")
        self.failures = failures
