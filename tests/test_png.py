"""Our palette PNG writer: any decoder must read back exactly the pixels we wrote."""

from __future__ import annotations

import io
import random

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
