"""Encode a card image as PNG, JPEG or WebP."""

from __future__ import annotations

import io

from PIL import Image

CONTENT_TYPES = {"png": "image/png", "jpeg": "image/jpeg", "webp": "image/webp"}


def encode(image: Image.Image, fmt: str = "png") -> bytes:
    """The image's bytes in ``fmt`` (``png``, ``jpeg`` or ``webp``)."""
    buf = io.BytesIO()
    if fmt == "png":
        image.save(buf, "PNG", compress_level=6)
    elif fmt == "jpeg":
        image.convert("RGB").save(buf, "JPEG", quality=90, optimize=False, progressive=True)
    elif fmt == "webp":
        image.save(buf, "WEBP", quality=90, method=4)
    else:
        raise ValueError(f"unknown format {fmt!r}")
    return buf.getvalue()
