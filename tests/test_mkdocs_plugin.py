"""The MkDocs plugin, through real ``mkdocs build`` runs on tests/data/sites/mkdocs."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from sitecheck import card_tags, check_card, check_tags, head_meta

SITE = Path(__file__).parent / "data" / "sites" / "mkdocs"
BASE = "https://docs.example.org/sub/"
SOCIAL = "assets/images/social"

# page source -> (built HTML, card name, card fields, template)
PAGES: dict[str, tuple[str, str, dict[str, Any], str]] = {
    "index.md": ("index.html", "index.png", {"title": "Welcome to Example Docs"}, "default"),
    "heading-only.md": ("heading-only/index.html", "heading-only.png", {"title": "A page with only a heading"}, "default"),
    "untitled.md": ("untitled/index.html", "untitled.png", {"title": "Named in the nav"}, "default"),
    "guide/setup.md": (
        "guide/setup/index.html",
        "guide/setup.png",
        {
            "title": "Setting up the project",
            "description": "Install the package, write the config, run the first build.",
            "tags": ["install", "config"],
        },
        "default",
    ),
    "guide/deep/nested.md": ("guide/deep/nested/index.html", "guide/deep/nested.png", {"title": "A deeply nested page"}, "default"),
    "ja/index.md": ("ja/index.html", "ja.png", {"title": "日本語の組版：禁則処理と文節で改行するカードのテスト"}, "default"),
    "plain.md": ("plain/index.html", "plain.png", {"title": "The plain template, chosen by the page"}, "plain"),
}


def copy_site(dest: Path, **replace: str) -> Path:
    """A copy of the test site; ``replace`` edits mkdocs.yml (old text -> new text)."""
    shutil.copytree(SITE, dest)
    config = dest / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    for old, new in replace.items():
        assert old in text
        text = text.replace(old, new)
    config.write_text(text, encoding="utf-8")
    return dest


def mkdocs(root: Path, *args: str, env: dict[str, str] | None = None, ok: bool = True) -> subprocess.CompletedProcess[str]:
    """Run the real ``mkdocs`` (``python -m mkdocs``) in ``root``."""
    run_env = {k: v for k, v in os.environ.items() if not k.startswith("OGIMAGE_")}
    run_env["XDG_CACHE_HOME"] = str(root / ".xdg-cache")
    run_env.update(env or {})
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", *args], cwd=root, env=run_env, capture_output=True, text=True, timeout=300
    )
    if ok:
        assert proc.returncode == 0, proc.stderr
    return proc


def summary(log: str) -> str:
    found = re.findall(r"ogimage: \d+ cards: (.*)", log)
    assert len(found) == 1, log
    return found[0]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    root = copy_site(tmp_path_factory.mktemp("mkdocs") / "site")
    return root, mkdocs(root, "build").stderr


@pytest.mark.parametrize("source", sorted(PAGES))
def test_every_page_has_every_tag_and_its_own_card(built: tuple[Path, str], source: str) -> None:
    root, _ = built
    html_path, name, fields, template = PAGES[source]
    fields = {**fields, "site": "Example Docs"}
    html = (root / "site" / html_path).read_text(encoding="utf-8")
    check_tags(html, f"{BASE}{SOCIAL}/{name}", f"{fields['title']} – Example Docs")
    check_card(root / "site" / SOCIAL / name, fields, template)


def test_first_build_renders_every_card_once(built: tuple[Path, str]) -> None:
    assert summary(built[1]) == f"{len(PAGES)} rendered, 0 unchanged, 0 failed"


def test_opted_out_page_has_no_tags_and_no_card(built: tuple[Path, str]) -> None:
    root, _ = built
    html = (root / "site" / "private" / "index.html").read_text(encoding="utf-8")
    assert card_tags(html) == []
    assert not (root / "site" / SOCIAL / "private.png").exists()
    cards = sorted(p.relative_to(root / "site" / SOCIAL).as_posix() for p in (root / "site" / SOCIAL).rglob("*.png"))
    assert cards == sorted(name for _, name, _, _ in PAGES.values())


def test_rebuild_without_change_renders_nothing(built: tuple[Path, str]) -> None:
    root, _ = built
    cached = {p: p.stat().st_mtime_ns for p in (root / ".cache" / "ogimage").rglob("*.png")}
    assert len(cached) == len(PAGES)
    log = mkdocs(root, "build").stderr  # mkdocs cleans site/ first: the cards come back from the cache
    assert summary(log) == f"0 rendered, {len(PAGES)} unchanged, 0 failed"
    assert {p: p.stat().st_mtime_ns for p in cached} == cached
    for source, (html_path, name, fields, template) in PAGES.items():
        check_card(root / "site" / SOCIAL / name, {**fields, "site": "Example Docs"}, template)


def test_serve_style_rebuilds_rerender_only_what_changed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What ``mkdocs serve`` does on a change: load the config again and build, in one process."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    root = copy_site(tmp_path / "site")
    monkeypatch.chdir(root)
    for key in [k for k in os.environ if k.startswith("OGIMAGE_")]:
        monkeypatch.delenv(key)

    def rebuild() -> Any:
        config = load_config(config_file=str(root / "mkdocs.yml"))
        config.plugins.on_startup(command="serve", dirty=False)
        build(config)
        return config.plugins["ogimage"]

    first = rebuild()
    assert first.summary == f"{len(PAGES)} rendered, 0 unchanged, 0 failed"
    page = root / "docs" / "guide" / "setup.md"
    page.write_text(page.read_text(encoding="utf-8").replace("Setting up the project", "Setting it all up"), encoding="utf-8")
    second = rebuild()
    assert second.summary == f"1 rendered, {len(PAGES) - 1} unchanged, 0 failed"
    fields = {**PAGES["guide/setup.md"][2], "title": "Setting it all up", "site": "Example Docs"}
    check_card(root / "site" / SOCIAL / "guide" / "setup.png", fields)
    html = (root / "site" / "guide" / "setup" / "index.html").read_text(encoding="utf-8")
    check_tags(html, f"{BASE}{SOCIAL}/guide/setup.png", "Setting it all up – Example Docs")
    assert rebuild().summary == f"0 rendered, {len(PAGES)} unchanged, 0 failed"


def test_cards_of_deleted_and_opted_out_pages_are_pruned(tmp_path: Path) -> None:
    root = copy_site(tmp_path / "site", **{"  - Nested: guide/deep/nested.md\n": ""})
    mkdocs(root, "build")
    social, cache = root / "site" / SOCIAL, root / ".cache" / "ogimage"
    (root / "docs" / "guide" / "deep" / "nested.md").unlink()
    page = root / "docs" / "ja" / "index.md"
    page.write_text("---\nogimage: false\n---\n" + page.read_text(encoding="utf-8"), encoding="utf-8")
    log = mkdocs(root, "build", "--dirty").stderr  # the site is not cleaned; unchanged pages are not rebuilt
    for name in ("guide/deep/nested.png", "ja.png"):
        assert not (social / name).exists() and not (cache / "cards" / name).exists(), name
    assert not (social / "guide" / "deep").exists()  # emptied folders go too
    assert "ogimage: removed guide/deep/nested.png" in log
    kept = {name for source, (_, name, _, _) in PAGES.items() if source not in ("guide/deep/nested.md", "ja/index.md")}
    assert {p.relative_to(social).as_posix() for p in social.rglob("*.png")} == kept
    pages = json.loads((cache / "ogimage-manifest.json").read_text(encoding="utf-8"))["pages"]
    assert {entry["output"] for entry in pages.values()} == kept
    assert summary(mkdocs(root, "build").stderr) == f"0 rendered, {len(kept)} unchanged, 0 failed"


def test_material_theme_gets_the_tags_in_its_head(tmp_path: Path) -> None:
    root = copy_site(tmp_path / "site", **{"name: mkdocs": "name: material"})
    mkdocs(root, "build")
    for source in ("ja/index.md", "guide/setup.md"):
        html_path, name, fields, template = PAGES[source]
        html = (root / "site" / html_path).read_text(encoding="utf-8")
        assert "mkdocs-material-" in dict(head_meta(html))["generator"]  # it is Material's page
        check_tags(html, f"{BASE}{SOCIAL}/{name}", f"{fields['title']} – Example Docs")
        check_card(root / "site" / SOCIAL / name, {**fields, "site": "Example Docs"}, template)


def test_without_site_url_warns_once_and_links_relative(tmp_path: Path) -> None:
    root = copy_site(tmp_path / "site", **{"site_url: https://docs.example.org/sub/\n": ""})
    log = mkdocs(root, "build").stderr
    assert log.count("site_url is not set") == 1, log
    html_path, name, fields, _ = PAGES["guide/deep/nested.md"]
    html = (root / "site" / html_path).read_text(encoding="utf-8")
    url = dict(card_tags(html))["og:image"]
    assert url == f"../../../{SOCIAL}/{name}"
    assert ((root / "site" / html_path).parent / url).resolve() == (root / "site" / SOCIAL / name).resolve()


def test_options_template_site_output_dir_and_cache(tmp_path: Path) -> None:
    options = "  - ogimage:\n      template: light\n      site: Brand\n      output_dir: og/cards\n      cache: false\n"
    root = copy_site(tmp_path / "site", **{"  - ogimage\n": options})
    log = mkdocs(root, "build").stderr
    assert summary(log) == f"{len(PAGES)} rendered, 0 unchanged, 0 failed"
    assert not (root / ".cache" / "ogimage").exists()
    html_path, name, fields, _ = PAGES["index.md"]
    html = (root / "site" / html_path).read_text(encoding="utf-8")
    check_tags(html, f"{BASE}og/cards/{name}", f"{fields['title']} – Brand")
    check_card(root / "site" / "og" / "cards" / name, {**fields, "site": "Brand"}, "light")
    # no cache: the next build renders every card again
    assert summary(mkdocs(root, "build").stderr) == f"{len(PAGES)} rendered, 0 unchanged, 0 failed"


def test_enabled_from_the_environment(tmp_path: Path) -> None:
    options = "  - ogimage:\n      enabled: !ENV [OGIMAGE_TEST_CARDS, false]\n"
    root = copy_site(tmp_path / "site", **{"  - ogimage\n": options})
    mkdocs(root, "build")
    assert not (root / "site" / SOCIAL).exists()
    assert card_tags((root / "site" / "index.html").read_text(encoding="utf-8")) == []
    mkdocs(root, "build", env={"OGIMAGE_TEST_CARDS": "true"})
    assert (root / "site" / SOCIAL / "index.png").is_file()


def test_unknown_template_fails_the_build_naming_the_page(tmp_path: Path) -> None:
    root = copy_site(tmp_path / "site", **{"  - ogimage\n": "  - ogimage:\n      template: nope\n"})
    proc = mkdocs(root, "build", ok=False)
    assert proc.returncode != 0
    assert "unknown template 'nope'" in proc.stderr
    assert "ogimage: " in proc.stderr and ".md" in proc.stderr


@pytest.mark.parametrize("module", ["ogimage.mkdocs_plugin", "ogimage.sphinx"])
def test_integrations_load_light_and_only_through_the_root(module: str) -> None:
    """Loading the plugin (MkDocs loads it even when disabled) pulls in no engine, pixels or web stack."""
    code = (f"import sys, {module}\n"
            "print(' '.join(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('ogimage', 'PIL', 'fontTools', 'budoux', 'fastapi', 'uvicorn'))))")
    loaded = set(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split())
    assert not {m for m in loaded if m.split(".")[0] != "ogimage"}, loaded
    internal = {m for m in loaded if m.startswith("ogimage.")}
    assert not internal & {"ogimage.engine", "ogimage.cache", "ogimage.service"}
    # card.py reads the text facts (typeset/script.py, pure and light); nothing else of the core
    light = {"ogimage.typeset", "ogimage.typeset.script"}
    assert not [m for m in internal - light if m.startswith(("ogimage.draw", "ogimage.fonts", "ogimage.typeset"))]


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_real_mkdocs_serve_rerenders_only_the_edited_page(tmp_path: Path) -> None:
    """A real ``mkdocs serve`` on 127.0.0.1: edit one page, the rebuild renders one card, served at once."""
    import threading
    import time
    import urllib.request

    root = copy_site(tmp_path / "site")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("OGIMAGE_")}
    env["XDG_CACHE_HOME"] = str(root / ".xdg-cache")
    proc = subprocess.Popen([sys.executable, "-m", "mkdocs", "serve", "-a", f"127.0.0.1:{port}"], cwd=root,
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    lines: list[str] = []
    threading.Thread(target=lambda: lines.extend(iter(proc.stderr.readline, "")), daemon=True).start()  # type: ignore[union-attr]

    def wait_for(text: str, count: int = 1) -> None:
        deadline = time.monotonic() + 120
        while sum(text in line for line in list(lines)) < count:
            assert proc.poll() is None and time.monotonic() < deadline, "".join(lines)
            time.sleep(0.1)

    def get(path: str) -> bytes:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/sub/{path}", timeout=30) as response:
            return response.read()

    base = f"http://127.0.0.1:{port}/sub/"  # mkdocs serve points site_url at itself
    try:
        wait_for("Serving on")
        assert f"ogimage: {len(PAGES)} cards: {len(PAGES)} rendered, 0 unchanged, 0 failed" in "".join(lines)
        page = root / "docs" / "guide" / "setup.md"
        page.write_text(page.read_text(encoding="utf-8").replace("Setting up the project", "Served and edited"),
                        encoding="utf-8")
        wait_for(f"ogimage: {len(PAGES)} cards: 1 rendered, {len(PAGES) - 1} unchanged, 0 failed")
        wait_for("Documentation built", 2)
        check_tags(get("guide/setup/").decode("utf-8"), f"{base}{SOCIAL}/guide/setup.png", "Served and edited – Example Docs")
        png = tmp_path / "served.png"
        png.write_bytes(get(f"{SOCIAL}/guide/setup.png"))
        check_card(png, {**PAGES["guide/setup.md"][2], "title": "Served and edited", "site": "Example Docs"})
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_templates_dir_gives_the_site_its_own_template(tmp_path: Path) -> None:
    root = copy_site(tmp_path / "site", **{"  - ogimage\n": "  - ogimage:\n      template: brand\n      templates_dir: og\n"})
    (root / "og").mkdir()
    plain = (Path(__file__).parents[1] / "assets" / "templates" / "plain.toml").read_text(encoding="utf-8")
    (root / "og" / "brand.toml").write_text(plain.replace('color = "#0f172a"', 'color = "#7c2d12"'), encoding="utf-8")
    mkdocs(root, "build")
    from PIL import Image

    with Image.open(root / "site" / SOCIAL / "index.png") as im:
        assert im.size == (1200, 630)
        assert im.convert("RGB").getpixel((1190, 10)) == (0x7C, 0x2D, 0x12)  # brand.toml's background
    with Image.open(root / "site" / SOCIAL / "plain.png") as im:  # the page that names its own template
        assert im.convert("RGB").getpixel((1190, 10)) == (0x0F, 0x17, 0x2A)
