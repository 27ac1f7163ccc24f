"""Templates load from TOML, validate with errors that name file and key, and override by name."""

from __future__ import annotations

from pathlib import Path

import pytest

from ogimage.errors import TemplateError, TemplateNotFound
from ogimage.template import TemplateRegistry, load_template, parse_colour
from template_samples import MINIMAL

BUNDLED = ("default", "light", "plain")


def test_bundled_templates_load() -> None:
    registry = TemplateRegistry()
    assert set(BUNDLED) <= set(registry.names())
    for template in registry.all():
        assert (template.width, template.height) == (1200, 630)
        assert template.box("title") is not None
        assert len(template.digest) == 64


def test_plain_is_the_benchmark_design() -> None:
    plain = TemplateRegistry().get("plain")
    title = plain.box("title")
    assert title and (title.x, title.y, title.width) == (80, 80, 1040)
    assert (title.min_size, title.max_size, title.max_lines, title.line_height) == (64, 64, 5, 1.25)
    assert plain.background.color[:3] == (0x0F, 0x17, 0x2A)
    square = plain.shapes[0]
    assert (square.x, square.width, square.height, square.radius) == (80, 24, 24, 6)
    assert square.y + square.height / 2 == 556
    site = plain.box("site")
    assert site and site.default == "example.dev · Engineering Blog" and site.x == 80 + 24 + 16


def test_unknown_template() -> None:
    with pytest.raises(TemplateNotFound) as info:
        TemplateRegistry().get("nope")
    assert info.value.status == 404 and "plain" in info.value.reason


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_user_folder_overrides_bundled(tmp_path: Path) -> None:
    _write(tmp_path, "plain", MINIMAL)
    registry = TemplateRegistry([tmp_path])
    assert registry.get("plain").background.color == (0x12, 0x34, 0x56, 255)


@pytest.mark.parametrize(
    ("text", "key", "fragment"),
    [
        ("[background]\ncolor='#123456'\n", "title", "required"),
        (MINIMAL.replace('"#123456"', '"blue"'), "background.color", "colour"),
        (MINIMAL + "max_lines = 0\n", "title.max_lines", ">= 1"),
        (MINIMAL + "align = 'justify'\n", "title.align", "one of"),
        (MINIMAL + "[description]\nfollows='nothing'\nx=1\nwidth=2\n", "description.follows", "box above"),
        (MINIMAL + "[logo]\npath='missing.png'\nx=0\ny=0\nwidth=1\nheight=1\n", "logo.path", "not found"),
        ("colour = 1\n" + MINIMAL, "colour", "unknown key"),
        ("this is = not toml", None, "not valid TOML"),
    ],
)
def test_malformed_template_names_file_and_key(tmp_path: Path, text: str, key: str | None, fragment: str) -> None:
    path = _write(tmp_path, "broken", text)
    with pytest.raises(TemplateError) as info:
        load_template(path)
    assert info.value.path == str(path)
    assert info.value.key == key
    assert fragment in str(info.value)


def test_digest_changes_with_content(tmp_path: Path) -> None:
    path = _write(tmp_path, "t", MINIMAL)
    first = load_template(path).digest
    _write(tmp_path, "t", MINIMAL.replace("500", "501"))
    assert load_template(path).digest != first


def test_parse_colour() -> None:
    assert parse_colour("#fff") == (255, 255, 255, 255)
    assert parse_colour("#6366f133") == (0x63, 0x66, 0xF1, 0x33)
    with pytest.raises(ValueError):
        parse_colour("red")
