"""Template rules: unknown keys suggest the nearest one, boxes lie on the canvas, assets stay confined."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PIL import Image

from ogimage.errors import TemplateError
from ogimage.template import Background, Chips, Template, TemplateRegistry, TextBox, load_template
from ogimage.resources import assets_dir
from template_samples import MINIMAL


def _load(tmp_path: Path, text: str, name: str = "t") -> Template:
    path = tmp_path / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return load_template(path, [assets_dir()])


def _error(tmp_path: Path, text: str) -> TemplateError:
    with pytest.raises(TemplateError) as info:
        _load(tmp_path, text)
    assert info.value.path == str(tmp_path / "t.toml")
    return info.value


@pytest.mark.parametrize(
    ("extra", "key", "hint"),
    [
        ("max_line = 3\n", "title.max_line", "did you mean 'max_lines'?"),
        ("colr = '#ffffff'\n", "title.colr", "did you mean 'color'?"),
        ("opacity = 0.5\n", "title.opacity", "expected one of x, y, follows"),
        ("chip_color = '#ffffff'\n", "title.chip_color", "it is a key of [tags]"),
        ("[backgrond]\ncolor = '#000000'\n", "backgrond", "did you mean 'background'?"),
        ("[site]\nx = 0\ny = 0\nwidth = 10\ndefualt = 'x'\n", "site.defualt", "did you mean 'default'?"),
        ("[[shapes]]\nx = 0\ny = 0\nwidth = 1\nheight = 1\ncolor = '#fff'\nradious = 2\n",
         "shapes[0].radious", "did you mean 'radius'?"),
    ],
)
def test_unknown_keys_name_the_key_and_the_nearest_valid_one(tmp_path: Path, extra: str, key: str, hint: str) -> None:
    err = _error(tmp_path, MINIMAL + extra)
    assert err.key == key and "unknown key" in err.reason and hint in err.reason


def test_unknown_key_in_background_and_gradient(tmp_path: Path) -> None:
    err = _error(tmp_path, MINIMAL.replace('color = "#123456"', 'color = "#123456"\ncolour = "#000"'))
    assert err.key == "background.colour" and "did you mean 'color'?" in err.reason
    text = MINIMAL.replace('color = "#123456"', 'gradient = { colors = ["#000", "#fff"], angel = 3 }')
    err = _error(tmp_path, text)
    assert err.key == "background.gradient.angel" and "'angle'" in err.reason


@pytest.mark.parametrize(
    ("text", "key"),
    [
        (MINIMAL.replace("x = 10", "x = 1500"), "title.x"),
        (MINIMAL.replace("width = 500", "width = 1191"), "title.width"),
        (MINIMAL.replace("y = 10", "y = 700"), "title.y"),
        (MINIMAL + "height = 640\n", "title.height"),
        ("width = 400\nheight = 300\n" + MINIMAL, "title.width"),
        (MINIMAL + "[logo]\npath = 'logos/ogimage.png'\nx = 1190\ny = 0\nwidth = 52\nheight = 52\n", "logo.width"),
        (MINIMAL + "[[shapes]]\nx = 1300\ny = 0\nwidth = 5\nheight = 5\ncolor = '#fff'\n", "shapes[0].x"),
        ("width = 100000\n" + MINIMAL, "width"),
    ],
)
def test_boxes_lie_inside_the_canvas(tmp_path: Path, text: str, key: str) -> None:
    err = _error(tmp_path, text)
    assert err.key == key and ("canvas" in err.reason or "at most 4096 px" in err.reason)


@pytest.mark.parametrize("bad", ["'#zzz'", "'blue'", "3"])
def test_bad_colour(tmp_path: Path, bad: str) -> None:
    err = _error(tmp_path, MINIMAL + f"color = {bad}\n")
    assert err.key == "title.color" and "colour" in err.reason


def test_defaults_come_from_the_dataclasses(tmp_path: Path) -> None:
    template = _load(tmp_path, "[title]\nx = 0\ny = 0\nwidth = 100\n[tags]\nx = 0\ny = 100\nwidth = 100\n")
    assert (template.width, template.height) == (Template.width, Template.height) == (1200, 630)
    assert template.background == Background()
    assert template.box("title") == TextBox(name="title", x=0, y=0, width=100)
    assert template.box("tags").chips == Chips()


def _logo(path: str) -> str:
    return MINIMAL + f"[logo]\npath = '{path}'\nx = 0\ny = 0\nwidth = 10\nheight = 10\n"


def _png(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (4, 4), "red").save(path)
    return path


def test_asset_inside_the_template_folder_loads(tmp_path: Path) -> None:
    _png(tmp_path / "img" / "logo.png")
    template = _load(tmp_path, _logo("img/logo.png"))
    assert template.logo and template.logo.path == (tmp_path / "img" / "logo.png").resolve()
    assert _load(tmp_path, _logo("logos/ogimage.png")).logo  # the bundled assets


@pytest.mark.parametrize(
    ("path", "fragment"),
    [
        ("/etc/passwd", "relative"),
        ("/proc/self/environ", "relative"),
        ("../../../etc/passwd", "'..'"),
        ("img/../../outside/secret.png", "'..'"),
        ("~/secret.png", "relative"),
        ("link.png", "leads out"),
        ("notes.png", "not an image"),
        ("img", "not a regular file"),
        ("missing.png", "not found"),
    ],
)
def test_assets_are_confined_and_images(tmp_path: Path, path: str, fragment: str) -> None:
    folder = tmp_path / "templates"
    folder.mkdir()
    outside = _png(tmp_path / "outside" / "secret.png")
    os.symlink(outside, folder / "link.png")
    (folder / "notes.png").write_text("not an image at all")
    (folder / "img").mkdir()
    with pytest.raises(TemplateError) as info:
        _load(folder, _logo(path))
    assert info.value.key == "logo.path" and fragment in info.value.reason
    assert info.value.path == str(folder / "t.toml")


def test_background_image_is_confined_too(tmp_path: Path) -> None:
    err = _error(tmp_path, MINIMAL.replace('color = "#123456"', 'image = "/proc/self/environ"'))
    assert err.key == "background.image"


def test_registry_loads_every_bundled_template_under_the_rules() -> None:
    assert [t.name for t in TemplateRegistry().all()] == ["default", "light", "plain"]


def test_the_readme_example_is_a_valid_template(tmp_path: Path) -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    start = readme.index("A complete example (every key")
    block = readme[start:].split("```toml\n", 1)[1].split("```", 1)[0]
    template = _load(tmp_path, block, "example")
    assert [b.name for b in template.boxes] == ["title", "description", "meta", "tags", "site"]
    assert template.logo is not None and template.background.gradient is not None


def _toml_value(value: object) -> str:
    import json

    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    assert isinstance(value, dict)
    return "{ " + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + " }"


def test_any_value_for_any_key_is_loaded_or_a_template_error(tmp_path_factory) -> None:
    """Whatever value a key holds, loading either succeeds or raises TemplateError (never another error)."""
    from hypothesis import given, settings, strategies as st

    from ogimage.template_read import BACKGROUND_KEYS, BOX_EXTRA_KEYS, BOX_KEYS, GRADIENT_KEYS, LOGO_KEYS, SHAPE_KEYS

    scalars = st.one_of(
        st.booleans(), st.integers(-5, 3000), st.floats(-10, 10, allow_nan=False),
        st.sampled_from(["", "#zzz", "#fff", "#11223344", "title", "bold", "center", "../x.png", "logos/ogimage.png"]),
    )
    values = st.one_of(scalars, st.lists(scalars, max_size=3), st.dictionaries(st.sampled_from(GRADIENT_KEYS), scalars, max_size=2))
    sections = {"title": BOX_KEYS, "tags": BOX_KEYS + BOX_EXTRA_KEYS["tags"], "background": BACKGROUND_KEYS,
                "logo": LOGO_KEYS, "shapes": SHAPE_KEYS}
    folder = tmp_path_factory.mktemp("fuzz")

    @settings(max_examples=100, deadline=None)
    @given(st.sampled_from(sorted(sections)), st.data())
    def check(section: str, data) -> None:
        key = data.draw(st.sampled_from(sections[section]))
        value = data.draw(values)
        base: dict[str, dict] = {"title": {"x": 10, "y": 10, "width": 500}}
        valid = {"logo": {"path": "logos/ogimage.png", "x": 0, "y": 0, "width": 10, "height": 10},
                 "tags": {"x": 0, "y": 100, "width": 100}, "background": {"color": "#000"}}
        base.setdefault(section, dict(valid.get(section, {})))
        if section == "shapes":
            table = {"x": 0, "y": 0, "width": 5, "height": 5, "color": "#fff", key: value}
            text = "".join(f"[{name}]\n" + "".join(f"{k} = {_toml_value(v)}\n" for k, v in tab.items())
                           for name, tab in base.items() if name != "shapes")
            text += "[[shapes]]\n" + "".join(f"{k} = {_toml_value(v)}\n" for k, v in table.items())
        else:
            base[section] = {**base[section], key: value}
            text = "".join(f"[{name}]\n" + "".join(f"{k} = {_toml_value(v)}\n" for k, v in tab.items())
                           for name, tab in base.items())
        try:
            _load(folder, text)
        except TemplateError:
            pass

    check()
