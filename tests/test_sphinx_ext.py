"""The Sphinx extension, through real ``sphinx-build`` runs on tests/data/sites/sphinx."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from sitecheck import card_tags, check_card, check_tags, head_meta

SITE = Path(__file__).parent / "data" / "sites" / "sphinx"
BASE = "https://docs.example.org/"
SOCIAL = "_images/social"

# docname -> (card name, card fields, template)
DOCS: dict[str, tuple[str, dict[str, Any], str]] = {
    "index": ("index.png", {"title": "Example Project documentation"}, "default"),
    "ja": ("ja.png", {"title": "日本語の文書：組版と改行のテスト"}, "default"),
    "guide/intro": (
        "guide/intro.png",
        {"title": "An introduction to the project", "description": "A short introduction, from the field list."},
        "plain",
    ),
    "fields": (
        "fields.png",
        {"title": "A document with fields", "author": "Ada Lovelace", "date": "2026-01-02", "tags": ["one", "two"]},
        "default",
    ),
}


def sphinx_build(src: Path, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    """Run the real ``sphinx-build -b html`` (``python -m sphinx``) from ``src`` into ``src/_build/html``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OGIMAGE_")}
    env["XDG_CACHE_HOME"] = str(src / ".xdg-cache")
    proc = subprocess.run(
        [sys.executable, "-m", "sphinx", "-b", "html", *args, str(src), str(src / "_build" / "html")],
        env=env, capture_output=True, text=True, timeout=300,
    )
    if ok:
        assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


def summary(out: str) -> str:
    found = re.findall(r"ogimage: \d+ cards: (.*)", out)
    assert len(found) == 1, out
    return found[0]


def html_of(src: Path, docname: str) -> str:
    return (src / "_build" / "html" / f"{docname}.html").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def parallel(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The project built with ``-j 2`` (reads and writes in two processes)."""
    src = tmp_path_factory.mktemp("sphinx") / "src"
    shutil.copytree(SITE, src)
    return src, sphinx_build(src, "-j", "2").stdout


@pytest.mark.parametrize("docname", sorted(DOCS))
def test_every_document_has_every_tag_and_its_own_card(parallel: tuple[Path, str], docname: str) -> None:
    src, _ = parallel
    name, fields, template = DOCS[docname]
    fields = {**fields, "site": "Example Project"}
    check_tags(html_of(src, docname), f"{BASE}{SOCIAL}/{name}", f"{fields['title']} – Example Project")
    check_card(src / "_build" / "html" / SOCIAL / name, fields, template)


def test_opted_out_document_has_no_tags_and_no_card(parallel: tuple[Path, str]) -> None:
    src, out = parallel
    assert card_tags(html_of(src, "private")) == []
    pngs = sorted(p.relative_to(src / "_build" / "html" / SOCIAL).as_posix()
                  for p in (src / "_build" / "html" / SOCIAL).rglob("*.png"))
    assert pngs == sorted(name for name, _, _ in DOCS.values())
    assert summary(out) == f"{len(DOCS)} rendered, 0 unchanged, 0 failed"


def test_serial_build_gives_the_same_pages_and_cards(parallel: tuple[Path, str], tmp_path: Path) -> None:
    src, _ = parallel
    serial = tmp_path / "src"
    shutil.copytree(SITE, serial)
    sphinx_build(serial)
    for docname, (name, _, _) in DOCS.items():
        assert card_tags(html_of(serial, docname)) == card_tags(html_of(src, docname))
        a = (serial / "_build" / "html" / SOCIAL / name).read_bytes()
        assert a == (src / "_build" / "html" / SOCIAL / name).read_bytes()


def test_rebuild_without_change_renders_nothing_and_a_change_renders_one(parallel: tuple[Path, str]) -> None:
    src, _ = parallel
    assert summary(sphinx_build(src, "-j", "2").stdout) == f"0 rendered, {len(DOCS)} unchanged, 0 failed"
    page = src / "ja.rst"
    page.write_text(page.read_text(encoding="utf-8").replace("組版と改行のテスト", "改行のテスト"), encoding="utf-8")
    assert summary(sphinx_build(src, "-j", "2").stdout) == f"1 rendered, {len(DOCS) - 1} unchanged, 0 failed"
    fields = {"title": "日本語の文書：改行のテスト", "site": "Example Project"}
    check_tags(html_of(src, "ja"), f"{BASE}{SOCIAL}/ja.png", f"{fields['title']} – Example Project")
    check_card(src / "_build" / "html" / SOCIAL / "ja.png", fields)


def test_cards_of_deleted_and_opted_out_documents_are_pruned(tmp_path: Path) -> None:
    src = tmp_path / "src"
    shutil.copytree(SITE, src)
    index = src / "index.rst"
    index.write_text(index.read_text(encoding="utf-8").replace("   fields\n", ""), encoding="utf-8")
    sphinx_build(src)
    social = src / "_build" / "html" / SOCIAL
    cache = src / "_build" / "html" / ".doctrees" / "ogimage"
    assert (social / "fields.png").exists() and (cache / "cards" / "fields.png").exists()
    (src / "fields.rst").unlink()
    ja = src / "ja.rst"
    ja.write_text(":ogimage: false\n\n" + ja.read_text(encoding="utf-8"), encoding="utf-8")
    out = sphinx_build(src).stdout  # incremental: Sphinx keeps the output folder
    for name in ("fields.png", "ja.png"):
        assert not (social / name).exists() and not (cache / "cards" / name).exists(), name
    assert "ogimage: removed _images/social/fields.png" in out
    kept = {name for doc, (name, _, _) in DOCS.items() if doc not in ("fields", "ja")}
    assert {p.relative_to(social).as_posix() for p in social.rglob("*.png")} == kept
    assert summary(out) == f"0 rendered, {len(kept)} unchanged, 0 failed"


def test_beside_sphinxext_opengraph_one_set_of_tags(tmp_path: Path) -> None:
    src = tmp_path / "src"
    shutil.copytree(SITE, src)
    sphinx_build(src, "-D", "extensions=ogimage.sphinx,sphinxext.opengraph", "-D", "html_baseurl=",
                 "-D", "ogp_site_url=https://og.example.org/")
    for docname, (name, fields, template) in DOCS.items():
        html = html_of(src, docname)
        meta = head_meta(html)
        assert dict(meta)["og:title"] == fields["title"]  # sphinxext-opengraph wrote the page's tags ...
        alt = f"{fields['title']} – Example Project"
        check_tags(html, f"https://og.example.org/{SOCIAL}/{name}", alt)  # ... each card tag once, ours
        check_card(src / "_build" / "html" / SOCIAL / name, {**fields, "site": "Example Project"}, template)
    assert card_tags(html_of(src, "private")) == []


def test_config_values_site_template_and_disabled(tmp_path: Path) -> None:
    src = tmp_path / "src"
    shutil.copytree(SITE, src)
    sphinx_build(src, "-D", "ogimage_site=Brand", "-D", "ogimage_template=light")
    name, fields, _ = DOCS["index"]
    check_tags(html_of(src, "index"), f"{BASE}{SOCIAL}/{name}", f"{fields['title']} – Brand")
    check_card(src / "_build" / "html" / SOCIAL / name, {**fields, "site": "Brand"}, "light")
    off = tmp_path / "off"
    shutil.copytree(SITE, off)
    sphinx_build(off, "-D", "ogimage_enabled=0")
    assert card_tags(html_of(off, "index")) == []
    assert not (off / "_build" / "html" / SOCIAL).exists()


def test_without_a_base_url_warns_and_links_relative(tmp_path: Path) -> None:
    src = tmp_path / "src"
    shutil.copytree(SITE, src)
    proc = sphinx_build(src, "-D", "html_baseurl=")
    assert (proc.stdout + proc.stderr).count("neither html_baseurl nor ogp_site_url is set") == 1
    url = dict(card_tags(html_of(src, "guide/intro")))["og:image"]
    assert url == f"../{SOCIAL}/guide/intro.png"
    assert (src / "_build" / "html" / "guide" / url).resolve().is_file()


def test_unknown_template_fails_the_build_naming_the_document(tmp_path: Path) -> None:
    src = tmp_path / "src"
    shutil.copytree(SITE, src)
    proc = sphinx_build(src, "-D", "ogimage_template=nope", ok=False)
    assert proc.returncode != 0
    found = re.search(r"ogimage: ([\w/]+): template: unknown template 'nope'.*\(and (\d+) more\)", proc.stderr)
    assert found, proc.stderr
    defaults = [d for d, (_, _, template) in DOCS.items() if template == "default"]  # guide/intro names its own
    assert found.group(1) in defaults and int(found.group(2)) == len(defaults) - 1


def test_two_documents_with_one_card_name_fail_until_one_has_a_slug(tmp_path: Path) -> None:
    src = tmp_path / "src"
    shutil.copytree(SITE, src)
    (src / "guide.rst").write_text("Guide\n=====\n\nA page.\n", encoding="utf-8")
    (src / "guide" / "index.rst").write_text("Guide index\n===========\n\nAnother page.\n", encoding="utf-8")
    proc = sphinx_build(src, ok=False)
    assert proc.returncode != 0
    assert "output guide.png is also the output of guide/index" in proc.stderr, proc.stderr
    (src / "guide" / "index.rst").write_text(":slug: guide-index\n\nGuide index\n===========\n\nAnother page.\n",
                                             encoding="utf-8")
    sphinx_build(src)
    check_tags(html_of(src, "guide/index"), f"{BASE}{SOCIAL}/guide-index.png", "Guide index – Example Project")
    check_card(src / "_build" / "html" / SOCIAL / "guide-index.png",
               {"title": "Guide index", "site": "Example Project"})
    check_card(src / "_build" / "html" / SOCIAL / "guide.png", {"title": "Guide", "site": "Example Project"})
