"""A stand-in engine for the service tests: real image bytes, controllable timing.

It follows the ``ogimage.engine.Engine`` interface, counts renders, and can be
made slow (``delay``) or held (``gate``) so tests can pile up concurrent
requests deterministically.
"""

from __future__ import annotations

import hashlib
import io
import threading
from collections.abc import Mapping
from typing import Any

from PIL import Image

from ogimage.card import Card
from ogimage.errors import TemplateNotFound

_PIL_FORMATS = {"png": "PNG", "jpeg": "JPEG", "webp": "WEBP"}


class FakeEngine:
    fonts_digest = "fonts-v1"
    renderer_version = "fake-1"
    formats = {"png": "image/png", "jpeg": "image/jpeg", "webp": "image/webp"}

    def __init__(self, templates: tuple[str, ...] = ("default", "cuckoo-network"), delay: float = 0.0,
                 gate: threading.Event | None = None, fonts: int = 3) -> None:
        self.templates = {name: f"digest-{name}-1" for name in templates}
        self.delay = delay
        self.gate = gate
        self.fonts = fonts
        self.calls = 0
        self.started = threading.Semaphore(0)  # released once per render that began
        self._lock = threading.Lock()

    def template_names(self) -> list[str]:
        return sorted(self.templates)

    def describe_templates(self) -> list[dict[str, Any]]:
        return [{"name": n, "description": f"{n} card", "width": 1200, "height": 630,
                 "fields": ["title", "description", "site"]} for n in self.template_names()]

    def template_digest(self, name: str) -> str:
        try:
            return self.templates[name]
        except KeyError:
            raise TemplateNotFound(name, self.template_names()) from None

    def card(self, data: Mapping[str, Any], template: str) -> Card:
        self.template_digest(template)
        return Card.from_mapping(data, template=template)

    def render(self, card: Card, fmt: str = "png") -> bytes:
        with self._lock:
            self.calls += 1
        self.started.release()
        if self.gate is not None:
            assert self.gate.wait(10), "test gate never opened"
        if self.delay:
            threading.Event().wait(self.delay)
        shade = hashlib.sha256(card.title.encode()).digest()
        image = Image.new("RGB", (1200, 630), tuple(shade[:3]))
        buf = io.BytesIO()
        image.save(buf, _PIL_FORMATS[fmt])
        return buf.getvalue()

    def layout(self, card: Card) -> dict[str, Any]:
        return {"template": card.template, "title": {"lines": [card.title], "size": 64}}

    def status(self) -> dict[str, Any]:
        return {"layout_engine": "raqm", "fonts": self.fonts, "templates": len(self.templates)}


def make_service(tmp_path, engine: Any = None, **overrides: Any):
    """A Service over ``engine`` (a FakeEngine by default) with its caches under ``tmp_path``."""
    from ogimage.service import Service
    from ogimage.settings import Settings

    overrides.setdefault("cache_dir", tmp_path / "cache")
    return Service(engine if engine is not None else FakeEngine(), Settings(**overrides))


def make_app(tmp_path, engine: Any = None, **overrides: Any):
    """The real app over a fake (or given) engine, caches under ``tmp_path``."""
    from ogimage.http.app import create_app

    return create_app(service=make_service(tmp_path, engine, **overrides))


async def wait_until(predicate, timeout: float = 5.0) -> None:
    import asyncio

    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.005)
