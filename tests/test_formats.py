"""ogimage.formats: the output formats, declared once, and how requests name them."""

from __future__ import annotations

import pytest

from ogimage.errors import CardError
from ogimage.formats import CONTENT_TYPES, FORMATS, SUFFIXES, for_filename, normalise_format, split_suffix


def test_one_table_gives_names_types_and_suffixes() -> None:
    assert CONTENT_TYPES == {"png": "image/png", "jpeg": "image/jpeg", "webp": "image/webp"}
    assert SUFFIXES == {"png": "png", "jpg": "jpeg", "jpeg": "jpeg", "webp": "webp"}
    assert all(name in f.suffixes or name == "jpeg" for name, f in FORMATS.items())


def test_normalise_format() -> None:
    assert normalise_format(None) == "png" and normalise_format("") == "png"
    assert normalise_format(" JPG ") == "jpeg" and normalise_format("WebP") == "webp"
    with pytest.raises(CardError) as info:
        normalise_format("gif")
    assert info.value.field == "format" and "gif" in info.value.reason


@pytest.mark.parametrize(("segment", "param", "expected"), [
    ("default", None, ("default", "png")),
    ("default", "webp", ("default", "webp")),
    ("default.PNG", None, ("default", "png")),
    ("default.jpg", "jpeg", ("default", "jpeg")),
    ("acme.v2", None, ("acme.v2", "png")),  # not a format suffix: part of the name
])
def test_split_suffix(segment: str, param: str | None, expected: tuple[str, str]) -> None:
    assert split_suffix(segment, param) == expected


def test_a_suffix_and_a_disagreeing_parameter_is_an_error() -> None:
    with pytest.raises(CardError) as info:
        split_suffix("default.png", "webp")
    assert info.value.field == "format"


def test_output_file_suffix() -> None:
    assert for_filename("card.WEBP") == "webp" and for_filename("out/card.jpg") == "jpeg"
    assert for_filename("card") is None and for_filename("out.d/card") is None


def test_an_output_file_suffix_that_is_no_format_is_an_error() -> None:
    with pytest.raises(CardError) as info:
        for_filename("card.gif")
    assert info.value.field == "format" and "'.gif'" in info.value.reason and ".webp" in info.value.reason
