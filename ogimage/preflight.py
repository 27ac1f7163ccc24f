"""Checks that run before anything reports ready: a broken setup stops start-up at once.

- :func:`check_folders`: every folder ``OGIMAGE_TEMPLATE_DIRS`` and ``OGIMAGE_FONT_DIRS``
  name exists (:class:`SettingsError` naming the variable and the folder, exit 3).
- :func:`check_templates`: every template loads and validates (:class:`TemplateError`
  naming the file, the key and the reason, exit 3).
- :func:`check_fonts`: every face draws a probe glyph of each script it claims
  (:mod:`ogimage.fonts.probe`); a broken face stops start-up with one line naming its
  folder and file (:class:`FontError`, exit 3), after one log line per broken face.

``ogimage serve`` runs all three in its main process before uvicorn starts a worker
(:class:`Preflight`, with the font probe in a thread beside the web framework's import);
the app factory runs the first two through the composition root and the service.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import FontError, OgImageError, SettingsError
from .settings import Settings

if TYPE_CHECKING:
    from .fonts import FontBook

log = logging.getLogger("ogimage.preflight")

FONT_SUFFIXES = (".ttf", ".otf", ".ttc", ".otc")
FONT_MEMO = ".ogimage-fonts-checked.json"  # in the disk cache folder: faces that passed the probe


def check_folders(settings: Settings) -> None:
    """Raise :class:`SettingsError` (exit 3) if a folder the settings name is not a folder."""
    for name, folders in (("OGIMAGE_TEMPLATE_DIRS", settings.template_dirs),
                          ("OGIMAGE_FONT_DIRS", settings.font_dirs)):
        for folder in folders:
            if not folder.is_dir():
                what = "is not a folder" if folder.exists() else "does not exist"
                raise SettingsError(name, os.pathsep.join(map(str, folders)), f"Folder '{folder}' {what}.")


def check_templates(template_dirs: Sequence[Path]) -> int:
    """Load every template (bundled and in ``template_dirs``); the number loaded.

    Raises :class:`TemplateError` on the first broken one. Costs a few ms per template.
    """
    from .template import TemplateRegistry

    return len(TemplateRegistry(template_dirs).all())


def _faces(book: FontBook, font_dirs: Sequence[Path]) -> list[tuple[Path, int, int | None]]:
    """Every face of the book, then every font file of the user's folders (also the ones
    the book skipped), as (path, index, bitmap size)."""
    faces = [(f.path, f.index, book._families[f.family].bitmap_size) for f in book._all_faces()]
    for folder in font_dirs:
        for path in sorted(Path(folder).iterdir()):
            if path.suffix.lower() in FONT_SUFFIXES:
                faces.append((path.resolve(), 0, None))
    return faces


def report_skipped(book: FontBook, font_dirs: Sequence[Path]) -> list[Path]:
    """Font files of the user's folders the book does not use (their family and weight came
    earlier); one WARNING line each. Returns them."""
    used = {f.path for f in book._all_faces()}
    skipped = [path for path, _i, _b in _faces(book, font_dirs) if path not in used]
    for path in skipped:
        log.warning("font skipped: %s: an earlier font (bundled or in an earlier folder) already "
                    "provides its family and weight", path)
    return skipped


def check_fonts(book: FontBook, font_dirs: Sequence[Path] = (), memo: Path | None = None) -> None:
    """Probe every face (see :mod:`ogimage.fonts.probe`); log one line per broken face after the first and
    raise :class:`FontError` naming the first one's folder. 30-70 ms for the bundled fonts (measured)."""
    from .fonts.probe import probe_faces

    report_skipped(book, font_dirs)
    failures = probe_faces(_faces(book, font_dirs), memo)
    for failure in failures[1:]:  # the first is in the error raised below
        log.error("font check failed: %s", failure.line())
    if failures:
        first = failures[0]
        folder = next((str(d) for d in font_dirs if first.path.is_relative_to(Path(d).resolve())), None)
        where = f"font folder '{folder}'" if folder else "bundled fonts"
        more = f" (and {len(failures) - 1} more, logged)" if len(failures) > 1 else ""
        raise FontError(f"{where}: {first.line()}{more}", field="fonts")


def font_book(font_dirs: Sequence[Path]) -> FontBook:
    """The font book for these folders (the shared bundled one when there are none)."""
    from .fonts import FontBook
    from .resources import fonts_dir

    return FontBook(fonts_dir() / "manifest.toml", font_dirs) if font_dirs else FontBook.bundled()


class Preflight:
    """All three checks for ``ogimage serve``: folders and templates at once, fonts in a thread.

    ``Preflight(settings)`` raises at once for a folder or a template; :meth:`finish`
    waits for the font probe (started in the background so that it overlaps importing
    the web framework) and raises its :class:`FontError`.
    """

    def __init__(self, settings: Settings) -> None:
        check_folders(settings)
        self.templates = check_templates(settings.template_dirs)
        book = font_book(settings.font_dirs)
        self._error: OgImageError | None = None
        memo = None
        if settings.disk_cache:
            try:
                settings.cache_dir.mkdir(parents=True, exist_ok=True)
                memo = settings.cache_dir / FONT_MEMO
            except OSError:  # no writable cache folder: probe every time
                pass
        self._thread = threading.Thread(target=self._probe, args=(book, settings.font_dirs, memo),
                                        name="ogimage-font-probe", daemon=True)
        self._thread.start()

    def _probe(self, book: FontBook, font_dirs: Sequence[Path], memo: Path | None) -> None:
        try:
            check_fonts(book, font_dirs, memo)
        except OgImageError as exc:
            self._error = exc
        except Exception as exc:  # noqa: BLE001 - anything else is a broken font too, named
            self._error = FontError(f"font check failed: {exc}", field="fonts")

    def finish(self) -> None:
        """Wait for the font probe; raise what it found."""
        self._thread.join()
        if self._error is not None:
            raise self._error
