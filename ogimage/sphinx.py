"""The Sphinx extension: an ogimage card for every document, and its meta tags.

``extensions = ["ogimage.sphinx"]`` in ``conf.py``. For the ``html`` and ``dirhtml``
builders: the card of each document from its title (and file-wide field lists:
``:og_description:``, ``:og_template:``, ``:ogimage: false`` to opt out), rendered by the
batch runner once the build is done, written to ``<outdir>/_images/social/<doc>.png`` (the
cards of documents that are gone are removed), and the tags of
:func:`ogimage.pages.meta_tags` added to the page's ``metatags``.

Beside ``sphinxext.opengraph`` it writes no second set of tags: it hands the card to that
extension as the page's ``og:image`` field (plus its alt, size and type) and adds only the
``twitter:`` tags, which sphinxext-opengraph does not write for a given image.

Parallel builds (``-j N``) are safe: the tags are a pure function of the environment, so
forked writers compute the same ones, and the cards are rendered in the main process after
every page is written.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Any

# Absolute imports of Sphinx itself (this module is ogimage.sphinx, not sphinx).
from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from sphinx.util import logging as sphinx_logging
from sphinx.util.osutil import relative_uri

from . import __version__
from .errors import OgImageError
from .pages import Page, alt_text, meta_html, meta_tags, output_name, page_from_metadata
from .sitecards import CardSet

log = sphinx_logging.getLogger(__name__)

BUILDERS = ("html", "dirhtml")
OPENGRAPH = "sphinxext.opengraph"
#: Field-list names that map onto card fields (the rest of the file-wide metadata is read as
#: front matter: ``:author:``, ``:date:``, ``:tags:``, ``:description:``).
FIELD_MAP = {"og_description": "description", "og_title": "title", "og_site": "site"}


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the config values and event handlers (``ogimage_*`` in README "Sphinx")."""
    app.add_config_value("ogimage_enabled", True, "html", types=frozenset({bool}))
    app.add_config_value("ogimage_template", "default", "html", types=frozenset({str}))
    app.add_config_value("ogimage_templates_dir", None, "html", types=frozenset({str, type(None)}))
    app.add_config_value("ogimage_fonts_dir", None, "html", types=frozenset({str, type(None)}))
    app.add_config_value("ogimage_site", None, "html", types=frozenset({str, type(None)}))
    app.add_config_value("ogimage_output_dir", "_images/social", "html", types=frozenset({str}))
    app.add_config_value("ogimage_cache_dir", None, "", types=frozenset({str, type(None)}))
    app.add_config_value("ogimage_jobs", None, "", types=frozenset({int, type(None)}))
    app.connect("builder-inited", _builder_inited)
    # Before sphinxext-opengraph (priority 500) so that it finds our image in the page's fields.
    app.connect("html-page-context", _html_page_context, priority=400)
    app.connect("build-finished", _build_finished)
    return {"version": __version__, "parallel_read_safe": True, "parallel_write_safe": True}


def _active(app: Sphinx) -> bool:
    return bool(app.config.ogimage_enabled) and app.builder is not None and app.builder.name in BUILDERS


def _conf_path(app: Sphinx, value: str | None) -> Path | None:
    return (Path(app.confdir) / value).resolve() if value else None


def _builder_inited(app: Sphinx) -> None:
    if not _active(app):
        return
    cfg = app.config
    output = cfg.ogimage_output_dir.strip("/")
    if not output or ".." in PurePosixPath(output).parts:
        raise ExtensionError(f"ogimage_output_dir: {cfg.ogimage_output_dir!r} must be a folder inside the output")
    for name in ("ogimage_templates_dir", "ogimage_fonts_dir"):
        path = _conf_path(app, getattr(cfg, name))
        if path is not None and not path.is_dir():
            raise ExtensionError(f"{name}: {path} is not a folder")
    if not _base_url(app):
        log.warning("ogimage: neither html_baseurl nor ogp_site_url is set; og:image URLs are relative")


def _base_url(app: Sphinx) -> str:
    return app.config.html_baseurl or getattr(app.config, "ogp_site_url", "") or ""


def _page(app: Sphinx, docname: str) -> Page:
    """The card request of ``docname`` from the environment (its title and file-wide fields)."""
    env = app.env
    meta = dict(env.metadata.get(docname, {}))
    if "ogp_disable" in meta or "og:image" in meta:  # opted out, or the page names its own image
        return Page(docname, {}, None, "opted out" if "ogp_disable" in meta else f"has its own image: {meta['og:image']}")
    title = env.titles.get(docname)
    text = title.astext().strip() if title is not None else ""
    if text and text != "<no title>":
        meta["title"] = text
    for key, name in FIELD_MAP.items():
        if meta.get(key):
            meta[name] = meta[key]
    template = meta.pop("og_template", None)
    if template:
        override = meta.get("ogimage")
        meta["ogimage"] = {**(override if isinstance(override, dict) else {}), "template": template}
    language = app.config.language
    if language and language != "en" and not meta.get("lang"):
        meta["lang"] = language.replace("_", "-")
    site = app.config.ogimage_site if app.config.ogimage_site is not None else app.config.project
    if site and not meta.get("site"):
        meta["site"] = site
    return page_from_metadata(meta, source=docname)


def _name(app: Sphinx, docname: str) -> PurePosixPath:
    # A docname has no suffix: "guide/intro" -> guide/intro.png, "guide/index" -> guide.png;
    # a ":slug:" field replaces the last part.
    return output_name(PurePosixPath(docname), app.env.metadata.get(docname, {}))


def _image_url(app: Sphinx, docname: str) -> str:
    path = f"{app.config.ogimage_output_dir.strip('/')}/{_name(app, docname).as_posix()}"
    base = _base_url(app)
    if base:
        return base.rstrip("/") + "/" + path
    return relative_uri(app.builder.get_target_uri(docname), path)


def _html_page_context(app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any) -> None:
    if not _active(app) or doctree is None or pagename not in app.env.all_docs:
        return
    try:
        page = _page(app, pagename)
    except OgImageError:
        return  # reported once, by _build_finished
    if page.skip is not None:
        return
    alt = alt_text(page.fields)
    tags = meta_tags(_image_url(app, pagename), alt)
    if OPENGRAPH in app.extensions:
        fields = dict(context.get("meta") or {})
        fields.update((k, v) for k, v in tags if k.startswith("og:"))
        context["meta"] = fields  # sphinxext-opengraph writes the og: tags from these
        tags = [(k, v) for k, v in tags if not k.startswith("og:")]
    context["metatags"] = context.get("metatags", "") + meta_html(tags) + "\n"


def _build_finished(app: Sphinx, exception: BaseException | None) -> None:
    if exception is not None or not _active(app):
        return
    cfg = app.config
    cache = _conf_path(app, cfg.ogimage_cache_dir) if cfg.ogimage_cache_dir else Path(app.doctreedir) / "ogimage"
    templates = _conf_path(app, cfg.ogimage_templates_dir)
    fonts = _conf_path(app, cfg.ogimage_fonts_dir)
    cards = CardSet(
        template=cfg.ogimage_template,
        cache_dir=cache,
        template_dirs=(templates,) if templates else (),
        font_dirs=(fonts,) if fonts else (),
        jobs=cfg.ogimage_jobs,
    )
    for docname in sorted(app.env.all_docs):
        try:
            page = _page(app, docname)
        except OgImageError as exc:
            log.warning("ogimage: %s", exc.format_message(), location=docname)
            continue
        cards.plan(page, PurePosixPath(docname), app.env.metadata.get(docname, {}))
    out = Path(app.outdir).joinpath(*PurePosixPath(cfg.ogimage_output_dir.strip("/")).parts)
    try:
        summary = cards.render(out)
    except OgImageError as exc:
        raise ExtensionError(f"ogimage: {exc.format_message()}") from exc
    cards.publish(out)
    for output in cards.prune(out):  # every document was planned: the rest are gone
        log.info("ogimage: removed %s/%s (its document is gone or has no card now)", cfg.ogimage_output_dir, output)
    log.info("ogimage: %d cards: %s", len(cards.cards), summary)
