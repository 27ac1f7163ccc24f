"""Signed URLs: only the cards you generated can be rendered.

With a signing key set (``OGIMAGE_SIGNING_KEY``) every image and layout URL
must carry ``sig``: the HMAC-SHA256, URL-safe base64 without padding, of

    {path}?{canonical query}

where the canonical query is every parameter that changes the image (the card
fields, ``format`` and ``v``: :data:`SIGNED`), percent-decoded, sorted by name then
value, and re-encoded one fixed way (RFC 3986, ``%20`` for a space). So
``title=a+b`` and ``title=a%20b`` sign alike, parameter order does not matter, a
signature made for one template or format does not open another, and parameters
the service ignores (``utm_source``, ``fbclid``, a cache buster a CDN adds) may be
added to a signed URL without breaking it: they change neither the image nor its
ETag. ``v`` (a version, which makes the answer immutable) is signed.

    >>> sign_url("/api/og/default?title=Hello", "secret")
    '/api/og/default?title=Hello&sig=…'
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable
from urllib.parse import quote, unquote_to_bytes, urlsplit, urlunsplit

from .card import FIELDS
from .errors import QueryDecodeError, SignatureError

__all__ = ["SIG", "QueryDecodeError", "canonical_query", "parse_query", "sign_url", "signature", "verify"]

SIG = "sig"
# The parameters a signature covers: those that change the image or its caching.
SIGNED = frozenset((*FIELDS, "format", "v"))


def parse_query(raw: bytes | str) -> list[tuple[str, str]]:
    """Split a raw query string into decoded ``(name, value)`` pairs, strictly.

    ``+`` is a space; percent-escapes must decode to UTF-8 (``ValueError``
    naming the parameter otherwise: :class:`~ogimage.errors.QueryDecodeError`, a CardError). Empty segments (``a=1&&b=2``) are skipped.
    """
    if isinstance(raw, str):
        raw = raw.encode("utf-8")
    pairs: list[tuple[str, str]] = []
    for segment in raw.split(b"&"):
        if not segment:
            continue
        name_b, _, value_b = segment.partition(b"=")
        name = _decode(name_b, None)
        pairs.append((name, _decode(value_b, name)))
    return pairs


def _decode(raw: bytes, field: str | None) -> str:
    try:
        return unquote_to_bytes(raw.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError:
        raise QueryDecodeError(field) from None


def canonical_query(pairs: Iterable[tuple[str, str]]) -> str:
    """The pairs a signature covers (:data:`SIGNED`), sorted, percent-encoded one fixed way."""
    kept = sorted((k, v) for k, v in pairs if k in SIGNED)
    return "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in kept)


def signature(path: str, pairs: Iterable[tuple[str, str]], key: str | bytes) -> str:
    """The ``sig`` value for ``path`` with these query pairs."""
    secret = key.encode("utf-8") if isinstance(key, str) else key
    message = f"{path}?{canonical_query(pairs)}".encode()
    digest = hmac.digest(secret, message, hashlib.sha256)
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def sign_url(url: str, key: str | bytes) -> str:
    """``url`` (a path with a query, or a full URL) with a ``sig`` added.

    The query comes back in canonical order, followed by the parameters that are not
    signed (in their order); any old ``sig`` is replaced.
    Scheme and host, if given, are kept and not signed (a CDN or proxy may
    serve the same path under several hosts).
    """
    if not key:
        raise ValueError("no signing key: set OGIMAGE_SIGNING_KEY or pass --key")
    parts = urlsplit(url)
    path = parts.path or "/"
    pairs = parse_query(parts.query)
    query = canonical_query(pairs)
    others = "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in pairs if k not in SIGNED and k != SIG)
    sig = signature(path, pairs, key)
    query = "&".join(part for part in (query, others, f"{SIG}={sig}") if part)
    return urlunsplit((parts.scheme, parts.netloc, path, query, ""))


def verify(path: str, pairs: list[tuple[str, str]], key: str | bytes) -> None:
    """Raise :class:`SignatureError` unless ``pairs`` carry a good ``sig`` for ``path``."""
    given = [v for k, v in pairs if k == SIG]
    if not given:
        raise SignatureError("missing signature: this server only renders signed URLs")
    if len(given) > 1:
        raise SignatureError("more than one signature")
    expected = signature(path, pairs, key)
    if not hmac.compare_digest(given[0].encode("utf-8"), expected.encode("ascii")):
        raise SignatureError("signature does not match the URL")
