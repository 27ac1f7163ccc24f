"""The Pillow font-object cache of FontBook is bounded by memory, not only by count."""

from __future__ import annotations

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
    assert fonts._objects.bytes == sum(fonts._objects.cost(face) for face, _size in fonts._objects.keys())
    # The most recent fonts are the ones kept.
    assert (cjk[79 % len(cjk)], 79) in fonts._objects
