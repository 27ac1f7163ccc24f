"""The CLI, called as main([...]) and asserted on output, files and exit codes."""

from __future__ import annotations

import io
import json
from pathlib import Path

from PIL import Image

from ogimage.cli import main

TITLE = "DeepSeekのオープンソース革命：クローズドAIサミットからの洞察"


def test_render_to_file(tmp_path: Path) -> None:
    out = tmp_path / "card.png"
    assert main(["render", "--template", "default", "--title", TITLE, "--tags", "AI,LLM", "-o", str(out)]) == 0
    image = Image.open(out)
    assert image.format == "PNG" and image.size == (1200, 630)


def test_render_to_stdout(capsysbinary) -> None:
    assert main(["render", "-t", "plain", "--title", "Hello", "-o", "-"]) == 0
    data = capsysbinary.readouterr().out
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert Image.open(io.BytesIO(data)).size == (1200, 630)


def test_render_format_from_suffix(tmp_path: Path) -> None:
    out = tmp_path / "card.webp"
    assert main(["render", "--title", "Hello", "-o", str(out)]) == 0
    assert Image.open(out).format == "WEBP"


def test_unknown_template_is_a_clear_error(capsys, tmp_path: Path) -> None:
    assert main(["render", "-t", "nope", "--title", "x", "-o", str(tmp_path / "x.png")]) == 2
    err = capsys.readouterr().err
    assert "template" in err and "nope" in err and "plain" in err


def test_bad_field_names_it(capsys, tmp_path: Path) -> None:
    assert main(["render", "--title", "x", "--date", "yesterday", "-o", str(tmp_path / "x.png")]) == 2
    assert "date:" in capsys.readouterr().err


def test_templates_lists_bundled(capsys) -> None:
    assert main(["templates"]) == 0
    out = capsys.readouterr().out
    for name in ("default", "light", "plain"):
        assert name in out
    assert "1200x630" in out


def test_user_template_dir(tmp_path: Path, capsys) -> None:
    (tmp_path / "mine.toml").write_text("[background]\ncolor='#ff0000'\n[title]\nx=10\ny=10\nwidth=400\n")
    assert main(["templates", "--json", "--templates-dir", str(tmp_path)]) == 0
    names = [t["name"] for t in json.loads(capsys.readouterr().out)]
    assert "mine" in names


def test_layout_json(capsys) -> None:
    assert main(["layout", "-t", "plain", "--title", TITLE, "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["template"] == "plain"
    title = result["boxes"]["title"]
    assert title["font_size"] == 64 and title["truncated"] is False
    assert "".join(line["text"] for line in title["lines"]) == TITLE
    for line in title["lines"]:
        assert {"text", "width", "x", "y"} <= set(line)
        assert line["width"] <= 1040
    assert result["missing_glyphs"] == []


def test_fonts_dir_adds_coverage(tmp_path: Path, capsys, tiny_font) -> None:
    pua = chr(0xF0001)
    fonts = tmp_path / "fonts"
    fonts.mkdir()
    tiny_font(fonts / "Private.ttf", "Private Glyphs", [0xF0001])
    assert main(["layout", "-t", "plain", "--title", f"Logo {pua}", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["missing_glyphs"] == [pua]
    assert main(["layout", "-t", "plain", "--title", f"Logo {pua}", "--json", "--fonts-dir", str(fonts)]) == 0
    assert json.loads(capsys.readouterr().out)["missing_glyphs"] == []


def test_prewarmed_engine_is_taken_once_and_warm_up_runs_once(monkeypatch) -> None:
    """`ogimage serve` with one worker warms its engine while FastAPI imports; the app takes
    that engine, and the app's own warm-up waits for the running one instead of redoing it."""
    from ogimage import engine as engine_module

    calls = []
    real = engine_module.Engine.warm_up

    def counted(self):  # type: ignore[no-untyped-def]
        calls.append(self)
        real(self)

    monkeypatch.setattr(engine_module.Engine, "warm_up", counted)
    engine_module.prewarm((), ())
    engine_module.prewarm((), ())  # a second call for the same folders builds nothing new
    taken = engine_module.take_prewarmed((), ())
    assert taken is not None and engine_module.take_prewarmed((), ()) is None
    import threading

    for thread in threading.enumerate():
        if thread.name == "ogimage-prewarm":
            thread.join(60)
    real(taken)  # already warm: returns at once
    assert taken._warmed
    from ogimage.http.app import create_app

    monkeypatch.setattr(engine_module, "_prewarmed", {((), ()): taken})
    from ogimage.settings import Settings

    app = create_app(Settings.from_env({"OGIMAGE_DISK_CACHE": "0"}))
    assert app.state.service.engine is taken
    assert len(calls) == 1  # only prewarm's thread ran the warm-up body


def test_render_goes_through_the_service_with_its_content_key_and_no_disk_cache(tmp_path: Path, monkeypatch) -> None:
    """`ogimage render` writes the bytes the service would answer for the same card, and
    leaves the disk cache alone (it is off for one-shot renders)."""
    from ogimage.engine import Engine
    from ogimage.service import Service
    from ogimage.settings import Settings

    cache = tmp_path / "cache"
    monkeypatch.setenv("OGIMAGE_CACHE_DIR", str(cache))
    out = tmp_path / "card.png"
    assert main(["render", "-t", "light", "--title", TITLE, "--lang", "ja", "-o", str(out)]) == 0
    assert not cache.exists() or not any(cache.rglob("*.png"))
    svc = Service(Engine(), Settings(disk_cache=False))
    expected = svc.render_cached(svc.card({"title": TITLE, "lang": "ja"}, "light"), "png")
    assert out.read_bytes() == expected.body
