"""The composition root: the one place that builds a :class:`~ogimage.service.Service`.

Every edge (HTTP, CLI, batch, preview, the MkDocs plugin and the Sphinx extension)
gets its service from :func:`build_service`, so they all share one engine, one cache
key and one set of settings::

    from ogimage.root import build_service
    service = build_service()                     # OGIMAGE_* from the environment
    service = build_service(settings, template_dirs=[Path("og")])
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from .settings import Settings

if TYPE_CHECKING:
    from .cache import DiskCache
    from .engine import Engine
    from .metrics import Metrics, NoMetrics
    from .service import Service


def build_service(
    settings: Settings | None = None,
    *,
    template_dirs: Sequence[Path] = (),
    font_dirs: Sequence[Path] = (),
    engine: Engine | None = None,
    metrics: Metrics | NoMetrics | None = None,
) -> Service:
    """A service over the bundled templates and fonts plus ``settings``' folders and these.

    ``settings`` defaults to :meth:`Settings.from_env` (raises :class:`SettingsError`).
    Extra ``template_dirs``/``font_dirs`` (CLI flags, plugin options) come after the
    settings' own. ``metrics``: default a fresh Prometheus :class:`Metrics`; the CLI passes
    :class:`NoMetrics` (it exports none). Loading fonts and templates costs ~0.1-0.3 s; reuse the service.
    """
    from .engine import Engine, take_prewarmed
    from .preflight import check_folders
    from .service import Service

    settings = settings if settings is not None else Settings.from_env()
    check_folders(settings)  # a folder that does not exist: SettingsError naming the variable
    templates = (*settings.template_dirs, *template_dirs)
    fonts = (*settings.font_dirs, *font_dirs)
    if engine is None:
        engine = take_prewarmed(templates, fonts) or Engine(templates, font_dirs=fonts)
    if isinstance(engine, Engine):
        engine.fonts.limit_font_objects(settings.font_cache_bytes)
    return Service(engine, settings, metrics)


def prewarm(settings: Settings) -> None:
    """Start building and warming the engine :func:`build_service` will take for ``settings``,
    in a background thread (``ogimage serve`` with one worker, before importing the web
    framework: the warm-up's image work overlaps the import)."""
    from .engine import prewarm as start

    start(settings.template_dirs, settings.font_dirs)


def open_disk_cache(settings: Settings | None = None) -> DiskCache:
    """The disk cache the settings name (``OGIMAGE_CACHE_DIR``, ``OGIMAGE_DISK_CACHE_BYTES``),
    for maintenance (``ogimage cache``); opening it touches nothing on disk."""
    from .cache import DiskCache

    settings = settings if settings is not None else Settings.from_env()
    return DiskCache(settings.cache_dir, settings.disk_cache_bytes)
