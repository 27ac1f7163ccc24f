"""Image formats a card can be encoded as: declared once, here.

Every layer reads this table: the engine and the service (which formats exist and
their content types), the HTTP edge (path suffixes, ``format=``), the CLI (output
file suffixes), the encoder (``draw/encode.py`` dispatches on :attr:`Format.name`)
and the OpenAPI description. A new format is a row here plus its encoder branch.
"""

from __future__ import annotations

from collections.abc import Container, Mapping
from dataclasses import dataclass
from pathlib import PurePath

from .errors import CardError


@dataclass(frozen=True, slots=True)
class Format:
    """One output format: its canonical name, HTTP content type and accepted file suffixes."""

    name: str
    content_type: str
    suffixes: tuple[str, ...]


FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("png", "image/png", ("png",)),
        Format("jpeg", "image/jpeg", ("jpg", "jpeg")),
        Format("webp", "image/webp", ("webp",)),
    )
}
DEFAULT = "png"
CONTENT_TYPES: dict[str, str] = {f.name: f.content_type for f in FORMATS.values()}
# File and path suffix (lower case, no dot) -> format name.
SUFFIXES: dict[str, str] = {s: f.name for f in FORMATS.values() for s in f.suffixes}
ALIASES: dict[str, str] = {s: n for s, n in SUFFIXES.items() if s != n}


def normalise_format(fmt: str | None, formats: Mapping[str, str] = CONTENT_TYPES) -> str:
    """``png``/``jpeg``/``webp`` in any case (``jpg`` is ``jpeg``; empty is ``png``); CardError otherwise."""
    if fmt is None or fmt == "":
        return DEFAULT
    name = fmt.strip().lower()
    name = ALIASES.get(name, name)
    if name not in formats:
        raise CardError(f"{fmt!r} is not a format; use one of {', '.join(sorted(formats))} (or jpg)", field="format")
    return name


def split_suffix(segment: str, fmt_param: str | None, formats: Mapping[str, str] = CONTENT_TYPES,
                 templates: Container[str] = ()) -> tuple[str, str]:
    """``(template name, format)`` of a path segment such as ``default.png`` and a ``format=`` value.

    A known suffix names the format, and ``format=``, if given, must agree with it
    (CardError(field="format") otherwise); without a suffix ``format=`` decides. A suffix
    that is no format of ours after the name of one of ``templates`` (``default.gif``) is a
    CardError naming the format, unless the whole segment is a template's name (``acme.v2``).
    """
    name, dot, suffix = segment.rpartition(".")
    fmt = SUFFIXES.get(suffix.lower()) if dot else None
    if fmt is None:
        if dot and name in templates and segment not in templates:  # a format we do not make
            raise CardError(f"{suffix!r} is not a supported format; use {', '.join(sorted(SUFFIXES))}", field="format")
        return segment, normalise_format(fmt_param, formats)
    if fmt_param and normalise_format(fmt_param, formats) != fmt:
        raise CardError(f"{fmt_param!r} disagrees with the path suffix {suffix!r}", field="format")
    return name, fmt


def for_filename(filename: str) -> str | None:
    """The format a file name's suffix names (``card.WEBP`` -> ``webp``, ``out/c.jpg`` -> ``jpeg``).

    ``None`` when the last path component has no suffix (``card``, ``out.d/card``);
    CardError(field="format") naming the accepted suffixes when its suffix is no format's.
    The one place that maps an output file's suffix to a format (``ogimage render -o``).
    """
    suffix = PurePath(filename).suffix.lstrip(".").lower()
    if not suffix:
        return None
    if suffix not in SUFFIXES:
        allowed = ", ".join(f".{s}" for s in sorted(SUFFIXES))
        raise CardError(f"unknown extension '.{suffix}'; use one of {allowed}", field="format")
    return SUFFIXES[suffix]
