"""Cards for a site generator's pages: plan each page's card, render them all, publish them.

Shared by the MkDocs plugin (:mod:`ogimage.mkdocs_plugin`) and the Sphinx extension
(:mod:`ogimage.sphinx`); the page rules (fields, output name, alt text, tags) come from
:mod:`ogimage.pages` and the rendering from the batch runner, like ``ogimage batch``.

Incremental: with a cache folder, cards are rendered into ``<cache>/cards/`` and their
content keys remembered in ``<cache>/ogimage-manifest.json`` (the batch manifest); a later
build (a new process, or the next ``mkdocs serve`` rebuild) re-renders only the cards whose
key changed and copies the rest into the site. Without one, every card is rendered straight into the site.
:meth:`CardSet.prune` then deletes the cards of pages that are gone or now get none, from the
cache and the site: only files the manifest names, so nothing this module did not write.
"""

from __future__ import annotations

import shutil
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any

from .batch.manifest import DEFAULT_NAME, Entry, Manifest, remove_output
from .batch.runner import Job, Outcome, run_jobs
from .errors import CardsFailed
from .pages import Page, alt_text, meta_tags, output_name
from .root import build_service
from .settings import Settings


@dataclass(frozen=True, slots=True)
class SiteCard:
    """One planned card: the page it is for, where it goes (relative) and its alt text."""

    source: str
    name: PurePosixPath
    fields: dict[str, Any]
    template: str
    alt: str


@dataclass(slots=True)
class Summary:
    """What one render pass did: counts by outcome status."""

    rendered: int = 0
    unchanged: int = 0
    failed: int = 0
    outcomes: list[Outcome] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{self.rendered} rendered, {self.unchanged} unchanged, {self.failed} failed"


@dataclass
class CardSet:
    """The cards of one build. Plan pages, then :meth:`render` and :meth:`publish`.

    ``cache_dir`` None renders every card on every build (no state kept). ``site`` is the
    card's ``site`` field when a page gives none. The service comes from
    :func:`ogimage.root.build_service` with ``OGIMAGE_*`` settings, its own disk cache off
    (the cache folder here is what makes builds incremental). Not thread-safe.
    """

    template: str = "default"
    site: str = ""
    cache_dir: Path | None = None
    template_dirs: tuple[Path, ...] = ()
    font_dirs: tuple[Path, ...] = ()
    jobs: int | None = None
    service: Any = None  # built on first render; pass the last build's to reuse it (mkdocs serve)
    cards: dict[str, SiteCard] = field(default_factory=dict)
    seen: set[str] = field(default_factory=set)  # every page planned, with a card or without

    def plan(self, page: Page, relative_source: PurePosixPath, metadata: Mapping[str, Any]) -> SiteCard | None:
        """The card for ``page`` (its name from :func:`output_name`), or None when it gets none.

        Cheap (microseconds): only text. A later plan for the same source replaces the first.
        """
        self.seen.add(page.source)
        if page.skip is not None:
            self.cards.pop(page.source, None)
            return None
        fields = dict(page.fields)
        if self.site and not fields.get("site"):
            fields["site"] = self.site
        card = SiteCard(
            source=page.source,
            name=output_name(relative_source, metadata),
            fields=fields,
            template=page.template or self.template,
            alt=alt_text(fields),
        )
        self.cards[page.source] = card
        return card

    def _output(self, card: SiteCard, site_dir: Path) -> Path:
        root = self.cache_dir / "cards" if self.cache_dir is not None else site_dir
        return root.joinpath(*card.name.parts)

    def render(self, site_dir: Path) -> Summary:
        """Render every planned card not already rendered with the same content key.

        ``site_dir`` is the output folder of the cards (used directly without a cache).
        Costs one service start (~0.3 s) plus ~10-40 ms of CPU per changed card, spread over
        ``jobs`` processes (default: all cores). Raises :class:`CardsFailed` if any failed.
        """
        self._check_names()
        manifest = Manifest.load(self.cache_dir / DEFAULT_NAME) if self.cache_dir is not None else None
        previous = manifest.previous(self.cache_dir / "cards") if manifest is not None and self.cache_dir else None
        if self.service is None:
            settings = replace(Settings.from_env(), disk_cache=False)
            self.service = build_service(settings, template_dirs=self.template_dirs, font_dirs=self.font_dirs)
        jobs = [
            Job(fields=c.fields, template=c.template, output=self._output(c, site_dir), source=c.source)
            for c in self.cards.values()
        ]
        outcomes = run_jobs(
            jobs,
            jobs_count=self.jobs,
            settings=self.service.settings,
            template_dirs=self.template_dirs,
            font_dirs=self.font_dirs,
            previous=previous,
            service=self.service,
        )
        summary = Summary(outcomes=outcomes)
        for outcome in outcomes:
            setattr(summary, outcome.status, getattr(summary, outcome.status) + 1)
        if manifest is not None:
            for outcome in outcomes:
                card = self.cards[outcome.job.source]
                if outcome.status != "failed" and outcome.key:
                    manifest.pages[card.source] = Entry(card.name.as_posix(), outcome.key, card.fields["title"], card.alt)
            manifest.save()
        failures = [(o.job.source, o.error or "failed") for o in outcomes if o.status == "failed"]
        if failures:
            raise CardsFailed(failures)
        return summary

    def _check_names(self) -> None:
        """Raise :class:`CardsFailed` if two pages map to one card (``guide.md``, ``guide/index.md``)."""
        by_name: dict[PurePosixPath, list[str]] = {}
        for card in self.cards.values():
            by_name.setdefault(card.name, []).append(card.source)
        clashes = [
            (source, f"output {name.as_posix()} is also the output of {' and '.join(s for s in sources if s != source)}"
                     " (set a different slug in one of them)")
            for name, sources in by_name.items() if len(sources) > 1 for source in sources
        ]
        if clashes:
            raise CardsFailed(clashes)

    def publish(self, site_dir: Path) -> int:
        """Copy the rendered cards from the cache into ``site_dir``; returns how many were copied.

        A card already there with the same size and modification time is left alone.
        Without a cache the cards were rendered in place and nothing is copied.
        """
        if self.cache_dir is None:
            return 0
        copied = 0
        for card in self.cards.values():
            src = self._output(card, site_dir)
            dest = site_dir.joinpath(*card.name.parts)
            try:
                s = src.stat()
                d = dest.stat()
                if s.st_size == d.st_size and int(s.st_mtime) == int(d.st_mtime):
                    continue
            except FileNotFoundError:
                pass
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest)
            copied += 1
        return copied

    def prune(self, site_dir: Path, pages: Collection[str] | None = None) -> list[str]:
        """Delete the cards of pages that are gone or now get none; the outputs removed.

        A card goes when the manifest names it and its page is not in ``pages`` (every page
        of the site in this build; default: the pages planned), or was planned and got no
        card, and no planned card has its name. It is deleted from the cache and from
        ``site_dir``, empty folders with it, and leaves the manifest. A page in ``pages``
        that was not planned (``mkdocs build --dirty`` skips unchanged ones) keeps its card.
        Without a cache folder there is no manifest, and nothing is deleted.
        """
        if self.cache_dir is None:
            return []
        manifest = Manifest.load(self.cache_dir / DEFAULT_NAME)
        present = self.seen if pages is None else set(pages)
        claimed = {card.name.as_posix() for card in self.cards.values()}
        removed, before = [], len(manifest.pages)
        for source in sorted(manifest.pages):
            if source in self.cards or (source in present and source not in self.seen):
                continue
            output = manifest.pages.pop(source).output
            if output not in claimed:
                remove_output(self.cache_dir / "cards", output)
                remove_output(site_dir, output)
                removed.append(output)
        if len(manifest.pages) != before:
            manifest.save()
        return removed

    def tags(self, card: SiteCard, image_url: str) -> list[tuple[str, str]]:
        """The meta tags of ``card`` when its image is at ``image_url``."""
        return meta_tags(image_url, card.alt)
