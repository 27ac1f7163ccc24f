"""Image formats a card can be encoded as, and the one place a requested format is validated."""

from __future__ import annotations

from collections.abc import Mapping

from .errors import CardError

CONTENT_TYPES: dict[str, str] = {"png": "image/png", "jpeg": "image/jpeg", "webp": "image/webp"}
ALIASES = {"jpg": "jpeg"}


def normalise_format(fmt: str | None, formats: Mapping[str, str] = CONTENT_TYPES) -> str:
    """``png``/``jpeg``/``webp`` in any case (``jpg`` is ``jpeg``; empty is ``png``); CardError otherwise."""
    if fmt is None or fmt == "":
        return "png"
    name = fmt.strip().lower()
    name = ALIASES.get(name, name)
    if name not in formats:
        raise CardError(f"{fmt!r} is not a format; use one of {', '.join(sorted(formats))} (or jpg)", field="format")
    return name
