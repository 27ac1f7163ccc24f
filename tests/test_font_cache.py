"""The Pillow font-object cache of FontBook is bounded by memory, not only by count."""

from __future__ import annotations

from PIL import ImageFont, features

from ogimage.fonts import objects
from ogimage.fonts.book import FontBook
from ogimage.resources import fonts_dir


def test_font_objects_are_bounded_by_their_estimated_memory():
    fonts = FontBook(fonts_dir() / "manifest.toml")
    cjk = [f for fam in fonts._families.values() for w in fam.weights.values() for f in w.values()
           if f.path.suffix == ".ttc"]
    assert cjk, "the bundled fonts have a CJK collection"
    cost = objects.face_cost(cjk[0].path)
    # A collection's face costs its share of the file, not the whole file.
    assert cost < cjk[0].path.stat().st_size // 2
    for size in range(40, 80):
        font = fonts.font(cjk[size % len(cjk)], size)
        assert font.getlength("日本語") > 0
        assert fonts._objects.bytes <= objects.FONT_CACHE_BYTES
    assert 1 <= len(fonts._objects) <= objects.FONT_CACHE_BYTES // cost
    assert fonts._objects.bytes == sum(fonts._objects.held(key) for key in fonts._objects.keys())
    # The most recent fonts are the ones kept.
    assert (cjk[79 % len(cjk)], 79) in fonts._objects


def test_a_face_at_a_size_opens_only_the_objects_it_uses():
    """Drawing a Han character needs the basic-layout object only; the raqm one opens (and is
    counted) when something is shaped with it, and both are the same size's."""
    fonts = FontBook(fonts_dir() / "manifest.toml")
    face = fonts.primary_face("Noto Sans CJK", "bold", "ja", "日本")
    cost = objects.face_cost(face.path)
    pair = fonts.font_pair(face, 50)
    assert pair.opened == 0 and fonts._objects.held((face, 50)) == 0
    assert pair.basic().layout_engine == ImageFont.Layout.BASIC
    assert pair.opened == 1 and fonts._objects.bytes == cost
    assert fonts.font(face, 50) is pair.shaped() and pair.shaped().size == pair.basic().size == 50
    assert pair.opened == (2 if features.check("raqm") else 1)
    assert fonts._objects.bytes == pair.opened * cost
