"""ogimage.pages: the front matter → card mapping shared by batch, meta and the plugins."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import PurePosixPath

import pytest

from ogimage.errors import FrontMatterError
from ogimage.pages import (
    alt_text,
    first_heading,
    is_service_url,
    meta_html,
    meta_tags,
    output_name,
    page_from_metadata,
)


def page(meta, source="blog/post.md", **kw):
    return page_from_metadata(meta, source=source, **kw)


def test_keys_in_order_of_preference() -> None:
    p = page({"title": "T", "summary": "S", "excerpt": "E", "keywords": "a, b", "categories": ["c"],
              "authors": [{"name": "Ana"}, {"name": "Bo"}], "publishDate": dt.date(2026, 3, 4),
              "lastmod": "2020-01-01", "locale": "en_US", "site": "example.dev"})
    assert p.fields == {"title": "T", "description": "S", "tags": ["a", "b"], "author": ["Ana", "Bo"],
                        "date": "2026-03-04", "lang": "en_US", "site": "example.dev"}
    assert p.skip is None and p.template is None
    assert page({"description": "D", "summary": "S"}).fields["description"] == "D"
    assert page({"tags": ["x"], "keywords": ["y"]}).fields["tags"] == ["x"]


@pytest.mark.parametrize("raw", ["2026-10-15", "2026-10-15T08:00:00Z", "2026-10-15 08:00:00 +0900",
                                 "October 15, 2026", dt.datetime(2026, 10, 15, 8), dt.date(2026, 10, 15)])
def test_dates_as_dates_datetimes_or_text(raw) -> None:
    assert page({"date": raw}).fields["date"] == "2026-10-15"


def test_bad_date_names_the_key() -> None:
    with pytest.raises(FrontMatterError) as info:
        page({"date": "last tuesday"})
    assert info.value.key == "date" and "last tuesday" in str(info.value) and "blog/post.md" in str(info.value)


@pytest.mark.parametrize("title", [["a", "b"], {"en": "x"}, True])
def test_title_that_is_not_text_is_an_error(title) -> None:
    with pytest.raises(FrontMatterError) as info:
        page({"title": title})
    assert info.value.key == "title" and "must be text" in str(info.value)


def test_numeric_title_is_text() -> None:
    assert page({"title": 12345}).fields["title"] == "12345"


def test_title_from_heading_then_file_name() -> None:
    body = "```md\n# not this\n```\n\nText\n\n## Sub\n# The heading #\n"
    assert page({}, body=body).fields["title"] == "The heading"
    assert page({}, source="content/my-first_post.md").fields["title"] == "My first post"
    assert page({}, source="content/deep-dive/index.md").fields["title"] == "Deep dive"
    assert first_heading("no heading here") is None


def test_overrides_template_and_opt_out() -> None:
    p = page({"title": "T", "og": {"template": "light", "title": "Card title", "tags": "x"}})
    assert p.template == "light" and p.fields["title"] == "Card title" and p.fields["tags"] == ["x"]
    assert page({"title": "T", "ogimage": {"description": "D"}}).fields["description"] == "D"
    assert page({"title": "T", "ogimage": False}).skip == "opted out"
    assert page({"title": "T", "og": "false"}).skip == "opted out"
    with pytest.raises(FrontMatterError) as info:
        page({"og": {"template": ["x"]}})
    assert info.value.key == "og.template"


def test_drafts_skipped_unless_asked() -> None:
    assert page({"title": "T", "draft": True}).skip == "draft"
    assert page({"title": "T", "draft": True}, drafts=True).skip is None
    assert page({"title": "T", "draft": False}).skip is None


def test_own_image_kept_unless_service_url_or_all() -> None:
    assert page({"title": "T", "image": "/img/a.png"}).skip == "has its own image: /img/a.png"
    assert page({"title": "T", "images": ["/i/b.jpg"]}).skip == "has its own image: /i/b.jpg"
    assert page({"title": "T", "cover": {"image": "c.png"}}).skip == "has its own image: c.png"
    assert page({"title": "T", "image": "/img/a.png"}, all_images=True).skip is None
    assert page({"title": "T", "og_image": "https://og.example.com/api/og-brand?title=T"}).skip is None
    assert page({"title": "T", "image": "https://cards.example/x.png"}, base_url="https://cards.example").skip is None
    assert is_service_url("/api/og/default?title=x") and not is_service_url("/api/other.png")


def test_long_lists_and_descriptions_are_cut_to_what_a_card_takes() -> None:
    p = page({"title": "T", "tags": [f"t{i}" for i in range(30)], "description": "word " * 200})
    assert len(p.fields["tags"]) == 10
    assert len(p.fields["description"]) <= 500 and p.fields["description"].endswith("…")


@pytest.mark.parametrize(("source", "meta", "expected"), [
    ("blog/2026/post.md", {}, "blog/2026/post.png"),
    ("blog/2026/post.markdown", {}, "blog/2026/post.png"),
    ("docs/intro.mdx", {}, "docs/intro.png"),
    ("blog/post/index.md", {}, "blog/post.png"),
    ("blog/_index.md", {}, "blog.png"),
    ("index.md", {}, "index.png"),
    ("blog/2026/post.md", {"slug": "hello-world"}, "blog/2026/hello-world.png"),
    ("blog/post/index.md", {"slug": "../../etc/x"}, "blog/etc/x.png"),
])
def test_output_names(source, meta, expected) -> None:
    assert output_name(PurePosixPath(source), meta) == PurePosixPath(expected)


def test_meta_tags_and_html() -> None:
    alt = alt_text({"title": "Hello <world>", "site": "example.dev"})
    assert alt == "Hello <world> – example.dev"
    assert alt_text({"title": "Only"}) == "Only"
    tags = meta_tags("https://x.dev/og/a.png?a=1&b=2", alt)
    assert [k for k, _ in tags] == ["og:image", "og:image:width", "og:image:height", "og:image:type",
                                    "og:image:alt", "twitter:card", "twitter:image", "twitter:image:alt"]
    assert dict(tags)["twitter:card"] == "summary_large_image"
    html = meta_html(tags)
    assert '<meta property="og:image" content="https://x.dev/og/a.png?a=1&amp;b=2">' in html
    assert '<meta name="twitter:image:alt" content="Hello &lt;world&gt; – example.dev">' in html


def test_pages_is_pure() -> None:
    code = "import sys, ogimage.pages; print(sorted(m for m in sys.modules if m.split('.')[0] in " \
           "('PIL', 'fastapi', 'starlette', 'uvicorn', 'fontTools', 'yaml')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
