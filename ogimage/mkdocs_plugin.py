"""The MkDocs plugin: an ogimage card for every page, and its meta tags in the page head.

``plugins: [ogimage]`` in ``mkdocs.yml`` (entry point ``mkdocs.plugins: ogimage``). Per page:
fields from the front matter through :func:`ogimage.pages.page_from_metadata` (title from
``title``, then the first heading, then the nav title), cards rendered by the batch runner on
all cores at the end of the build, written to ``site/<output_dir>/<page>.png`` (the cards of
pages that are gone are removed), and the tags
of :func:`ogimage.pages.meta_tags` inserted before ``</head>`` of the rendered page, so any
theme works without cooperating. Translation only: no rendering or caching code here.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

from mkdocs.config import config_options as c
from mkdocs.config.base import Config
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin
from mkdocs.utils import get_relative_url

from .errors import OgImageError
from .pages import first_heading, meta_html, page_from_metadata
from .sitecards import CardSet, SiteCard

if TYPE_CHECKING:
    from mkdocs.config.defaults import MkDocsConfig
    from mkdocs.structure.files import Files
    from mkdocs.structure.pages import Page as MkDocsPage

log = logging.getLogger("mkdocs.plugins.ogimage")

_HEAD_END = re.compile(r"</head\s*>", re.IGNORECASE)


class OgImageConfig(Config):
    """The plugin's options (README "MkDocs" lists them)."""

    enabled = c.Type(bool, default=True)
    template = c.Type(str, default="default")
    templates_dir = c.Optional(c.Dir(exists=True))
    fonts_dir = c.Optional(c.Dir(exists=True))
    site = c.Optional(c.Type(str))
    output_dir = c.Type(str, default="assets/images/social")
    jobs = c.Optional(c.Type(int))
    cache = c.Type(bool, default=True)
    cache_dir = c.Type(str, default=".cache/ogimage")


class OgImagePlugin(BasePlugin[OgImageConfig]):
    """Renders a card per page at build time and adds its Open Graph and Twitter tags."""

    supports_multiple_instances = False

    def __init__(self) -> None:
        self.cards: CardSet | None = None
        self.site_url: str = ""
        self.summary: str = ""  # the last build's "N rendered, M unchanged, K failed", for logs and tests
        self._warned_site_url = False
        self._service: Any = None  # kept across mkdocs serve rebuilds (see on_config)
        self._pages: set[str] = set()  # every page of this build (a dirty build plans only changed ones)

    def on_startup(self, *, command: str, dirty: bool) -> None:
        """Present so that MkDocs keeps this instance across ``mkdocs serve`` rebuilds."""

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        """Check the options and prepare this build's card set (no rendering yet)."""
        opts = self.config
        if not opts.enabled:
            self.cards = None
            return config
        output_dir = opts.output_dir.strip("/")
        if not output_dir or ".." in PurePosixPath(output_dir).parts:
            raise PluginError(f"ogimage: output_dir: {opts.output_dir!r} must be a folder inside the site")
        base = Path(config.config_file_path or ".").resolve().parent
        if opts.jobs is not None and opts.jobs < 1:
            raise PluginError(f"ogimage: jobs: {opts.jobs} must be at least 1")
        self.cards = CardSet(
            template=opts.template,
            site=opts.site if opts.site is not None else (config.site_name or ""),
            cache_dir=(base / opts.cache_dir) if opts.cache else None,
            template_dirs=(Path(opts.templates_dir),) if opts.templates_dir else (),
            font_dirs=(Path(opts.fonts_dir),) if opts.fonts_dir else (),
            jobs=opts.jobs,
        )
        if not self.cards.template_dirs and not self.cards.font_dirs:
            self.cards.service = self._service  # bundled templates and fonts only: they cannot change
        self.site_url = config.site_url or ""
        if not self.site_url and not self._warned_site_url:
            self._warned_site_url = True
            log.warning("ogimage: site_url is not set; og:image URLs are relative, which most sites that read them ignore")
        return config

    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files:
        """Note every page of the site, so that only the cards of pages that are gone are pruned."""
        self._pages = {f.src_uri for f in files.documentation_pages()}
        return files

    def on_page_content(self, html: str, *, page: MkDocsPage, config: MkDocsConfig, files: Files) -> str:
        """Plan the page's card from its front matter, first heading or nav title."""
        if self.cards is None:
            return html
        meta = dict(page.meta or {})
        markdown = page.markdown or ""
        if not meta.get("title") and first_heading(markdown) is None and page.title:
            meta["title"] = page.title  # a setext heading, the nav title, or MkDocs' own fallback
        source = page.file.src_uri
        try:
            planned = page_from_metadata(meta, source=source, body=markdown)
        except OgImageError as exc:
            raise PluginError(f"ogimage: {exc.format_message()}") from exc
        self.cards.plan(planned, PurePosixPath(source), meta)
        return html

    def on_post_page(self, output: str, *, page: MkDocsPage, config: MkDocsConfig) -> str:
        """Insert the card's tags before ``</head>`` (any theme; none has to offer a hook)."""
        card = self.cards.cards.get(page.file.src_uri) if self.cards is not None else None
        if card is None:
            return output
        tags = meta_html(self.cards.tags(card, self._image_url(card, page.url))) + "\n"  # type: ignore[union-attr]
        match = _HEAD_END.search(output)
        if match is None:
            log.warning("ogimage: %s has no </head>; no tags added", page.file.src_uri)
            return output
        return output[: match.start()] + tags + output[match.start():]

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        """Render the cards that changed (all cores) and copy them into the site.

        Rendering runs here, in the main thread, because the runner forks its workers."""
        if self.cards is None:
            return
        out = self._out_dir(config)
        try:
            summary = self.cards.render(out)
        except OgImageError as exc:
            raise PluginError(f"ogimage: {exc.format_message()}") from exc
        finally:
            self._service = self.cards.service
        self.cards.publish(out)
        for output in self.cards.prune(out, self._pages):
            log.info("ogimage: removed %s (its page is gone or has no card now)", output)
        self.summary = str(summary)
        log.info("ogimage: %d cards: %s", len(self.cards.cards), self.summary)

    def _out_dir(self, config: MkDocsConfig) -> Path:
        return Path(config.site_dir).joinpath(*PurePosixPath(self.config.output_dir.strip("/")).parts)

    def _image_url(self, card: SiteCard, page_url: str) -> str:
        path = f"{self.config.output_dir.strip('/')}/{card.name.as_posix()}"
        if self.site_url:
            return urljoin(self.site_url.rstrip("/") + "/", path)
        return get_relative_url(path, page_url)
