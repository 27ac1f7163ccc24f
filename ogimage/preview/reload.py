"""``ogimage serve --reload``: rebuild the service when templates, assets or fonts change.

A development aid, one worker. The app is built once over a :class:`ServiceSlot`, a
stand-in that hands every attribute lookup to the current :class:`~ogimage.service.Service`.
A watcher thread (watchfiles) sees a change in a template folder, the bundled assets or a
font folder, builds a fresh service from the composition root, checks it (every template
loads and lays out a card), and only then swaps it in. A build that fails leaves the last
good service serving and records the error, which ``/preview/api/state`` reports; the page
polls that and shows it, and redraws its cards when the generation changes.

    uvicorn --factory ogimage.preview.reload:create_reloading_app   # what serve --reload runs
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import OgImageError
from ..resources import assets_dir
from ..settings import Settings

if TYPE_CHECKING:
    from fastapi import FastAPI

    from ..service import Service

log = logging.getLogger("ogimage.reload")

# Old services keep answering requests already under way for this long, then close.
RETIRE_AFTER_S = 30.0


@dataclass
class ReloadState:
    """What the preview page reads: how many swaps so far, and the last failed build's error."""

    generation: int = 0
    error: str | None = None
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)


class ServiceSlot:
    """Looks like a :class:`Service`; every attribute comes from the one swapped in last.

    The swap is one reference assignment, so a request sees either the old or the new
    service for each lookup. Costs one ``__getattr__`` per lookup (development only).
    """

    def __init__(self, service: Service) -> None:
        self.__dict__["_current"] = service

    def __getattr__(self, name: str) -> Any:
        return getattr(self.__dict__["_current"], name)

    @property
    def current(self) -> Service:
        return self.__dict__["_current"]  # type: ignore[no-any-return]

    def swap(self, service: Service) -> Service:
        """Put ``service`` in; return the one it replaces."""
        old = self.__dict__["_current"]
        self.__dict__["_current"] = service
        return old  # type: ignore[no-any-return]


def check_service(service: Service) -> None:
    """Raise unless every template loads and lays out a card (the errors name file and key).

    Costs one layout per template (a few ms each once fonts are loaded); it draws nothing
    and writes no cache.
    """
    import asyncio

    names = [t["name"] for t in service.templates()]  # loads every template: TemplateError
    if not names:
        raise OgImageError("no templates found")

    async def lay_out_all() -> None:
        for name in names:
            await service.layout(service.card({"title": "Ag 字"}, name))

    # In a thread of its own: the app factory runs inside uvicorn's event loop.
    failure: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(lay_out_all())
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            failure.append(exc)

    worker = threading.Thread(target=run, name="ogimage-reload-check")
    worker.start()
    worker.join()
    if failure:
        raise failure[0]


def watched_paths(settings: Settings) -> list[Path]:
    """The folders whose changes rebuild the service: bundled assets, template and font folders."""
    paths = [assets_dir(), *settings.template_dirs, *settings.font_dirs]
    seen: list[Path] = []
    for p in paths:
        if p.exists() and p not in seen:
            seen.append(p)
    return seen


class Reloader:
    """Watches ``paths`` in a daemon thread and swaps a checked, freshly built service in."""

    def __init__(self, slot: ServiceSlot, settings: Settings, paths: Sequence[Path], state: ReloadState) -> None:
        self.slot = slot
        self.settings = settings
        self.paths = list(paths)
        self.state = state
        self.stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="ogimage-reload", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        from watchfiles import watch

        log.info("--reload: watching %s", ", ".join(map(str, self.paths)))
        for changes in watch(*self.paths, stop_event=self.stop, debounce=300, step=50, yield_on_timeout=False):
            self.rebuild(sorted({Path(p).name for _, p in changes}))

    def rebuild(self, changed: Iterable[str] = ()) -> bool:
        """Build and check a new service; swap it in and return True, or keep the old one.

        The new service records into the metrics of the one it replaces (the app's
        ``/metrics`` and its middleware hold that object from the start), so counters go on
        across reloads and the cache gauges read the live service's caches, also after a
        build that failed.
        """
        from ..root import build_service

        with self.state.lock:
            service = None
            try:
                service = build_service(self.settings, metrics=self.slot.metrics)
                check_service(service)
            except Exception as exc:  # noqa: BLE001 - any failed build keeps the last good service
                if service is not None:  # building it pointed the cache gauges at its caches
                    _gauge_caches_of(self.slot.current)
                    service.close()
                message = exc.format_message() if isinstance(exc, OgImageError) else f"{type(exc).__name__}: {exc}"
                self.state.error = message
                log.error("reload failed (%s); still serving the last good version: %s", ", ".join(changed), message)
                return False
            old = self.slot.swap(service)
            self.state.generation += 1
            self.state.error = None
            log.info("reloaded (%s): generation %d", ", ".join(changed), self.state.generation)
        timer = threading.Timer(RETIRE_AFTER_S, old.close)
        timer.daemon = True
        timer.start()
        return True


def _gauge_caches_of(service: Service) -> None:
    """Make ``service``'s metrics read the sizes of ``service``'s own memory and disk caches."""
    service.metrics.watch_memory_cache(lambda: service.memory.bytes, lambda: len(service.memory))
    if service.disk is not None:
        service.metrics.watch_disk_cache(service.disk.bytes)


def create_reloading_app(settings: Settings | None = None) -> FastAPI:
    """The app of ``ogimage serve --reload``: one worker, service rebuilt on file changes."""
    from ..http.app import create_app
    from ..root import build_service

    settings = settings if settings is not None else Settings.from_env()
    state = ReloadState()
    slot = ServiceSlot(build_service(settings))
    try:
        check_service(slot.current)
    except Exception as exc:  # noqa: BLE001 - serve anyway; the page shows what is wrong
        state.error = exc.format_message() if isinstance(exc, OgImageError) else f"{type(exc).__name__}: {exc}"
    app = create_app(service=slot)  # type: ignore[arg-type]
    app.state.preview_reload = state
    reloader = Reloader(slot, settings, watched_paths(settings), state)
    app.state.preview_reloader = reloader
    reloader.start()
    return app
