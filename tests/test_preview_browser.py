"""/preview and /docs in real headless Chromium, against a real ``ogimage serve --reload``.

Needs Debian's ``chromium`` (/usr/bin/chromium) and Playwright for Python (the ``test``
extra pins a version that drives it; ``.ci/run`` installs both). Skipped, saying which
is missing, only when one of them is absent. Screenshots go to tests/artifacts/.
"""

from __future__ import annotations

import json
import os
import shutil
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest

from serve_helpers import serve

CHROMIUM = os.environ.get("OGIMAGE_TEST_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
if not Path(CHROMIUM).exists():
    pytest.skip("browser tests need Debian's chromium (apt-get install chromium)", allow_module_level=True)
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="browser tests need Playwright for Python (pip install -e '.[test]')"
)
pytest.importorskip("watchfiles", reason="serve --reload needs watchfiles (pip install -e '.[test]')")

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
PLATFORMS = ("x", "facebook", "linkedin", "slack", "discord")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-default-apps", "--disable-extensions",
        "--disable-dev-shm-usage"]
WAIT_MS = 30_000  # the longest any wait_for_* may take before the test fails
RED_TEMPLATE = (ROOT / "assets" / "templates" / "plain.toml").read_text().replace('"#0f172a"', '"#ff0000"', 1)


def _get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - 127.0.0.1 only
        return json.loads(response.read())


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """``ogimage serve --reload`` with a template folder to edit."""
    tmp = tmp_path_factory.mktemp("preview")
    templates = tmp / "templates"
    templates.mkdir()
    (templates / "reloadme.toml").write_text(RED_TEMPLATE)
    with serve(tmp, {"OGIMAGE_TEMPLATE_DIRS": str(templates)}, args=("--reload",)) as served:
        yield {"base": served.base, "templates": templates}


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, server) -> Iterator[object]:
    """A page whose every request must go to the service: others are refused and recorded."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    outside: list[str] = []
    seen: list[str] = []

    def guard(route) -> None:
        url = route.request.url
        seen.append(url)
        host = urlsplit(url).hostname
        if url.startswith(("data:", "blob:")) or host == "127.0.0.1":
            route.continue_()
        else:
            outside.append(url)
            route.abort()

    context.route("**/*", guard)
    context.on("request", lambda request: seen.append(request.url))
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    leaving = [u for u in seen if not u.startswith(("data:", "blob:")) and urlsplit(u).hostname != "127.0.0.1"]
    assert not outside and not leaving, f"requests left the service: {outside or leaving}"
    assert not errors, f"JavaScript errors: {errors}"


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def wait_card(page, *, contains: str) -> dict:
    """Wait until #card shows a loaded image whose URL contains ``contains``; its URL and size."""
    page.wait_for_function(
        """(part) => { const img = document.querySelector('#card');
            return img.src.includes(part) && img.complete && img.naturalWidth > 0; }""",
        arg=contains,
    )
    return page.evaluate("() => { const i = document.querySelector('#card');"
                         " return {src: i.src, w: i.naturalWidth, h: i.naturalHeight}; }")


def card_pixel(page) -> list[int]:
    """The RGBA of the card image's pixel (8, 8), read back through a canvas."""
    return page.evaluate(
        """() => { const img = document.querySelector('#card'); const c = document.createElement('canvas');
            c.width = img.naturalWidth; c.height = img.naturalHeight; const g = c.getContext('2d');
            g.drawImage(img, 0, 0); return Array.from(g.getImageData(8, 8, 1, 1).data); }"""
    )


def open_preview(page, server, query: str = "") -> None:
    page.goto(f"{server['base']}/preview{query}")
    page.wait_for_function("() => document.querySelector('#card').naturalWidth > 0")


def test_typing_a_title_reloads_the_card(page, server) -> None:
    open_preview(page, server)
    title = "Typed in a real browser"
    page.fill("textarea[name=title]", title)
    card = wait_card(page, contains=quote(title))
    assert card["src"].startswith(server["base"] + "/api/og/default?")
    assert (card["w"], card["h"]) == (1200, 630)
    # The page's state is in its URL: a link to it opens the same card.
    page.wait_for_function("(t) => new URL(location.href).searchParams.get('title') === t", arg=title)
    page.goto(page.url)
    assert page.input_value("textarea[name=title]") == title
    wait_card(page, contains=quote(title))
    shot(page, "preview-desktop")

    # Typing is debounced: 20 keystrokes ask for far fewer card URLs than 20.
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if "/preview/api/card/default" in r.url else None)
    page.type("textarea[name=title]", " and twenty more", delay=5)
    wait_card(page, contains=quote(title + " and twenty more"))
    assert 1 <= len(asked) <= 5, asked


def test_grid_shows_every_template(page, server) -> None:
    names = [t["name"] for t in _get_json(f"{server['base']}/api/templates")["templates"]]
    assert {"default", "light", "plain", "reloadme"} <= set(names)
    open_preview(page, server, "?title=Grid%20title")
    for name in names:
        page.wait_for_function(
            """(n) => { const img = document.querySelector(`#grid figure[data-template="${n}"] img`);
                return img && img.src.includes(`/api/og/${n}?`) && img.src.includes('Grid%20title')
                    && img.complete && img.naturalWidth === 1200; }""",
            arg=name,
        )
    assert page.locator("#grid figure").count() == len(names)


def test_each_platform_mockup_shows_the_card(page, server) -> None:
    open_preview(page, server, "?title=Platforms")
    card = wait_card(page, contains="Platforms")
    for platform in PLATFORMS:
        images = page.locator(f'[data-platform="{platform}"] img')
        assert images.count() >= 1, platform
        for i in range(images.count()):
            images.nth(i).evaluate("(img) => img.decode()")
            assert images.nth(i).evaluate("(img) => [img.src, img.naturalWidth]") == [card["src"], 1200], platform
    # X crops to 2:1, Facebook's comment crop and LinkedIn's thumbnail are square.
    ratio = page.locator('[data-platform="x"] .frame').first.evaluate(
        "(f) => f.getBoundingClientRect().width / f.getBoundingClientRect().height")
    assert ratio == pytest.approx(2.0, abs=0.02)
    assert page.locator('[data-platform="x"] .frame .domain').inner_text() == "example.com"
    for platform in ("facebook", "linkedin"):
        square = page.locator(f'[data-platform="{platform}"] .frame').nth(1)
        box = square.bounding_box()
        assert box and box["width"] == pytest.approx(box["height"], abs=1)
    shot(page, "preview-platforms")


def test_overlay_draws_the_line_boxes_and_safe_areas(page, server) -> None:
    query = "?title=Overlay%20lines%20that%20wrap%20over%20more%20than%20one%20line%20on%20the%20card&tags=a,b"
    open_preview(page, server, query)
    layout = _get_json(f"{server['base']}/api/layout/default{query}")
    lines = sum(len(box["lines"]) for box in layout["boxes"].values())
    assert lines >= 3
    assert not page.locator("#overlay").is_visible()
    page.check("#overlay-toggle")
    page.wait_for_function("(n) => document.querySelectorAll('#overlay .line-box').length === n", arg=lines)
    assert page.locator("#overlay").is_visible()
    # Each line box sits where the layout put that line (the SVG is in card pixels).
    first = next(box["lines"][0] for box in layout["boxes"].values() if box["lines"])
    drawn = page.locator("#overlay .line-box").first
    assert float(drawn.get_attribute("x")) == pytest.approx(first["x"])
    assert float(drawn.get_attribute("width")) == pytest.approx(first["width"])
    assert page.locator("#overlay .tbox").count() == len(layout["boxes"])
    for platform in PLATFORMS:
        assert page.locator(f'#overlay .safe[data-platforms~="{platform}"]').count() >= 1, platform
    assert "overlay=1" in page.url
    assert page.locator("#safe-legend li").count() >= 3
    shot(page, "preview-overlay")
    page.uncheck("#overlay-toggle")
    assert not page.locator("#overlay").is_visible()


def test_warning_badge_names_missing_glyphs_and_truncation(page, server) -> None:
    open_preview(page, server, "?title=" + quote("Hieroglyph \U00013000 here"))
    page.wait_for_selector("#warnings .badge")
    assert "U+13000" in page.inner_text("#warnings")
    page.click("[data-sample='very long']")
    page.wait_for_function("() => document.querySelector('#warnings').innerText.includes('truncated')")


def test_switching_templates_and_samples(page, server) -> None:
    open_preview(page, server, "?title=Switch")
    page.select_option("#template", "light")
    wait_card(page, contains="/api/og/light?")
    assert "template=light" in page.url
    page.click("[data-sample='ja 日本語']")
    card = wait_card(page, contains="lang=ja")
    assert "/api/og/light?" in card["src"]
    assert page.input_value("input[name=lang]") == "ja"


def test_copy_buttons_zoom_and_download(page, server) -> None:
    open_preview(page, server, "?title=Copy%20me&description=Alt%20text")
    wait_card(page, contains="Copy%20me")
    page.click("[data-copy='meta']")
    meta = page.evaluate("() => document.body.dataset.copied")
    assert f'<meta property="og:image" content="{server["base"]}/api/og/default?title=Copy%20me' in meta
    assert '<meta name="twitter:card" content="summary_large_image">' in meta
    page.click("[data-copy='url']")
    assert page.evaluate("() => document.body.dataset.copied").startswith(server["base"] + "/api/og/default?")
    page.click("[data-copy='alt']")
    assert page.evaluate("() => document.body.dataset.copied") == "Copy me — Alt text"
    assert page.get_attribute("#download", "href").startswith("/api/og/default?")
    page.click("[data-zoom='100']")
    assert page.evaluate("() => document.querySelector('#card').getBoundingClientRect().width") == 1200
    page.click("[data-zoom='fit']")
    assert page.evaluate("() => document.querySelector('#card').getBoundingClientRect().width") < 1200


def test_phone_width(browser, server) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    try:
        open_preview(page, server, "?title=On%20a%20phone")
        card = page.locator("#card").bounding_box()
        assert card and 0 < card["width"] <= 390
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
        shot(page, "preview-phone")
    finally:
        context.close()


def test_docs_and_redoc_render_offline(page, server) -> None:
    page.goto(f"{server['base']}/docs")
    page.wait_for_selector(".opblock")
    assert page.locator(".opblock").count() >= 5
    assert page.locator(".opblock-summary-path", has_text="/api/og/{template}").count() >= 1
    shot(page, "docs")
    page.goto(f"{server['base']}/redoc")
    page.get_by_text("Card layout").first.wait_for()
    page.goto(f"{server['base']}/")
    assert page.locator("a[href='/preview']").count() == 1 and page.locator("a[href='/docs']").count() == 1


def test_reload_follows_template_edits_and_shows_errors(page, server) -> None:
    template = server["templates"] / "reloadme.toml"
    open_preview(page, server, "?template=reloadme&title=Reload")
    wait_card(page, contains="/api/og/reloadme?")
    assert card_pixel(page)[:3] == [255, 0, 0]
    first = page.get_attribute("#card", "src")

    template.write_text(RED_TEMPLATE.replace('"#ff0000"', '"#0000ff"', 1))
    page.wait_for_function("(old) => document.querySelector('#card').getAttribute('src') !== old", arg=first)
    wait_card(page, contains="/api/og/reloadme?")
    assert card_pixel(page)[:3] == [0, 0, 255]

    template.write_text(RED_TEMPLATE + "\n[broken\n")
    page.wait_for_selector("#reload-error", state="visible")
    assert "reloadme.toml" in page.inner_text("#reload-error")
    shot(page, "preview-reload-error")
    # The last good version keeps serving.
    with urllib.request.urlopen(f"{server['base']}/api/og/reloadme?title=Still%20here", timeout=30) as r:  # noqa: S310
        assert r.status == 200 and r.headers["content-type"] == "image/png"

    template.write_text(RED_TEMPLATE)
    page.wait_for_selector("#reload-error", state="hidden")
    page.wait_for_function(
        """() => { const img = document.querySelector('#card'); if (!img.complete) return false;
            const c = document.createElement('canvas'); c.width = 16; c.height = 16; const g = c.getContext('2d');
            g.drawImage(img, 0, 0); return g.getImageData(8, 8, 1, 1).data[0] === 255; }"""
    )


def test_signing_server_needs_the_token_and_signs_for_it(browser, tmp_path: Path) -> None:
    token = "a preview token"
    env = {"OGIMAGE_SIGNING_KEY": "k" * 32, "OGIMAGE_PREVIEW_TOKEN": token}
    with serve(tmp_path, env) as served:
        base = served.base
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_timeout(WAIT_MS)
        try:
            asked = page.goto(f"{base}/preview?title=Signed%20card")
            assert asked.status == 401 and page.locator("input[name=token]").count() == 1
            page.fill("input[name=token]", token)
            page.click("button[type=submit]")
            card = wait_card(page, contains="Signed%20card")  # the link's fields survive the token form
            assert "sig=" in card["src"] and card["w"] == 1200 and "token" not in page.url
            page.fill("textarea[name=title]", "Signed and typed")
            page.wait_for_function(
                "() => { const i = document.querySelector('#card');"
                " return i.src.includes('Signed%20and%20typed') && i.src.includes('sig=') && i.naturalWidth === 1200; }")
        finally:
            context.close()
        # Without the token: no page, and no way to a signature.
        other = browser.new_context()
        try:
            bare = other.new_page()
            assert bare.goto(f"{base}/preview/api/card/default?title=x").status == 401
            assert bare.goto(f"{base}/api/og/default?title=x").status == 403
        finally:
            other.close()
