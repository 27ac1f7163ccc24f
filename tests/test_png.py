"""Our palette PNG writer: any decoder must read back exactly the pixels we wrote."""

from __future__ import annotations

import io
import random
import zlib

import pytest
from PIL import Image

from ogimage.draw.png import encode_palette


def _palette_image(size: tuple[int, int], colours: int, seed: int) -> Image.Image:
    rng = random.Random(seed)
    image = Image.new("P", size, 0)
    image.putpalette([rng.randrange(256) for _ in range(colours * 3)])
    image.putdata([rng.randrange(colours) if rng.random() < 0.3 else 0 for _ in range(size[0] * size[1])])
    return image


@pytest.mark.parametrize(("size", "colours"), [((1200, 630), 200), ((37, 11), 16), ((1, 1), 1), ((5, 3), 2), ((33, 7), 17)])
def test_round_trip(size: tuple[int, int], colours: int) -> None:
    image = _palette_image(size, colours, seed=size[0] * colours)
    data = encode_palette(image)
    back = Image.open(io.BytesIO(data))
    back.load()
    assert back.format == "PNG" and back.mode == "P" and back.size == size
    assert back.convert("RGB").tobytes() == image.convert("RGB").tobytes()


def test_sixteen_colours_pack_to_four_bits() -> None:
    image = _palette_image((64, 8), 16, seed=1)
    data = encode_palette(image)
    assert data[24] == 4  # IHDR bit depth
    assert encode_palette(_palette_image((64, 8), 17, seed=1))[24] == 8


def test_rejects_other_modes() -> None:
    with pytest.raises(ValueError):
        encode_palette(Image.new("RGB", (2, 2)))


def test_adler32_combine_matches_zlib() -> None:
    from ogimage.draw.png import adler32_combine

    a, b = bytes(range(256)) * 40, b"\xff" * 70000 + b"tail"
    assert adler32_combine(zlib.adler32(a), zlib.adler32(b), len(b)) == zlib.adler32(a + b)
    assert adler32_combine(1, zlib.adler32(b), len(b)) == zlib.adler32(b)


@pytest.mark.parametrize("colours", [12, 200])
@pytest.mark.parametrize("hint", [True, False])
def test_rows_reused_from_a_reference_decode_to_the_card(colours: int, hint: bool) -> None:
    """Bands equal to the template base are spliced in compressed; the PNG must decode to
    exactly the card, whether the composer names the dirty rows or the writer compares."""
    from ogimage.draw.png import reference_for

    base = _palette_image((300, 97), colours, seed=3)
    card = base.copy()
    patch = _palette_image((120, 13), colours, seed=9)
    card.paste(patch, (40, 30))
    card.paste(patch, (150, 80))  # runs into the last, short band
    dirty = [(30, 43), (80, 93)] if hint else None
    for _ in range(2):  # the second time the base's segments come from its cache
        data = encode_palette(card, base=base, dirty=dirty)
        back = Image.open(io.BytesIO(data))
        back.load()
        assert back.convert("RGB").tobytes() == card.convert("RGB").tobytes()
        idat = data[data.index(b"IDAT") + 4 : data.index(b"IEND") - 8]
        zlib.decompress(idat)  # a whole zlib stream, Adler-32 checked (Pillow stops at the last row)
    assert encode_palette(base, base=base) != encode_palette(card, base=base)
    assert reference_for(base) is reference_for(base)  # the writer keeps one per base image
