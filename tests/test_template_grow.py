"""A box may grow into space no other box of the card uses (template keys grow_into,
grow_height, grow_lines; ogimage/template_grow.py, cardlayout._text_box).

A long title on ``default`` with no description takes the description's space instead of
being cut; with a description it is laid out exactly as without the keys. Checked on the
layout, on the decoded PNG and on the template rules.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ogimage.engine import Engine
from ogimage.errors import TemplateError
from ogimage.resources import assets_dir
from ogimage.template import load_template
from pixels import decode, ink_bbox

LONG = ("What we learned rebuilding our image rendering pipeline in Rust and Python to serve "
        "millions of Open Graph cards for a global audience")
GROW_LINES = ('grow_into = ["description"]', "grow_height =", "grow_lines =")


def _without_growth(tmp_path: Path, name: str) -> Engine:
    """An engine whose ``name`` template is the bundled one less its grow_* keys."""
    text = (assets_dir() / "templates" / f"{name}.toml").read_text(encoding="utf-8")
    kept = [ln for ln in text.splitlines() if not ln.startswith(GROW_LINES)]
    assert len(kept) == len(text.splitlines()) - 3
    (tmp_path / f"{name}.toml").write_text("\n".join(kept) + "\n", encoding="utf-8")
    return Engine(template_dirs=[tmp_path])


@pytest.mark.parametrize("template", ["default", "light"])
def test_a_long_title_with_no_description_takes_its_space(engine, tmp_path, template) -> None:
    assert len(LONG) > 130
    plain = _without_growth(tmp_path, template)
    before = plain.layout(plain.card({"title": LONG}, template))["boxes"]["title"]
    assert before["truncated"]  # what it was: "… serve millions of Open Graph cards…"
    card = engine.card({"title": LONG}, template)
    box = engine.layout(card)["boxes"]["title"]
    grown = engine.template(template).box("title")
    assert not box["truncated"] and "".join(ln["text"] for ln in box["lines"]).replace(" ", "") == LONG.replace(" ", "")
    assert 3 < len(box["lines"]) <= grown.grow_lines
    assert box["font_size"] >= before["font_size"]
    # on the PNG: the card's lowest ink is the title's, inside its grown box, above the meta line
    ink = ink_bbox(engine, card, decode(engine.render(card)))
    assert ink is not None and ink[3] <= grown.y + grown.grow_height


@pytest.mark.parametrize("template", ["default", "light"])
def test_with_a_description_the_title_is_laid_out_as_before(engine, tmp_path, template) -> None:
    fields = {"title": LONG, "description": "How the layout engine decides where a title may go."}
    plain = _without_growth(tmp_path, template)
    assert engine.layout(engine.card(fields, template))["boxes"] == plain.layout(plain.card(fields, template))["boxes"]


def test_a_title_that_fits_does_not_grow(engine, tmp_path) -> None:
    fields = {"title": "The Next Battle Is Reasoning: What Comes After Transformers?"}
    plain = _without_growth(tmp_path, "default")
    assert engine.layout(engine.card(fields, "default"))["boxes"] == plain.layout(plain.card(fields, "default"))["boxes"]


BASE = """
[title]
x = 80
y = 100
width = 1000
height = 200
max_lines = 3
{grow}
[description]
follows = "title"
x = 80
width = 1000
[meta]
x = 80
y = 540
width = 500
height = 40
"""


def _load(tmp_path: Path, grow: str):
    path = tmp_path / "t.toml"
    path.write_text(BASE.format(grow=grow), encoding="utf-8")
    return load_template(path, [assets_dir()])


def test_the_keys_load(tmp_path) -> None:
    box = _load(tmp_path, 'grow_into = ["description"]\ngrow_height = 400\ngrow_lines = 6').box("title")
    assert (box.grow_into, box.grow_height, box.grow_lines) == (("description",), 400, 6)
    box = _load(tmp_path, 'grow_into = "description"\ngrow_height = 400').box("title")
    assert box.grow_lines == box.max_lines == 3  # grow_lines defaults to max_lines


@pytest.mark.parametrize(("grow", "key", "fragment"), [
    ('grow_into = ["descripton"]\ngrow_height = 400', "title.grow_into", "did you mean 'description'?"),
    ('grow_into = ["title"]\ngrow_height = 400', "title.grow_into", "cannot grow into itself"),
    ('grow_into = []\ngrow_height = 400', "title.grow_into", "expected a list of box names"),
    ("grow_height = 400", "title.grow_height", "needs grow_into"),
    ('grow_into = ["description"]', "title.grow_height", "is required"),
    ('grow_into = ["description"]\ngrow_height = 150', "title.grow_height", ">= 201"),
    ('grow_into = ["description"]\ngrow_height = 400\ngrow_lines = 2', "title.grow_lines", ">= 3"),
    ('grow_into = ["description"]\ngrow_height = 460', "title.grow_height", "would overlap [meta]"),
    ('grow_into = ["description"]\ngrow_height = 600', "title.grow_height", "leaves the 630 px high canvas"),
    ('grow_int = ["description"]', "title.grow_int", "did you mean 'grow_into'?"),
])
def test_mistakes_name_the_key(tmp_path, grow, key, fragment) -> None:
    with pytest.raises(TemplateError) as info:
        _load(tmp_path, grow)
    assert info.value.key == key and fragment in info.value.expected, info.value
