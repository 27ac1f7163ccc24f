"""Draw ogimage's own logo into assets/ (run once; the PNG is committed).

    python scripts/make_assets.py

The mark: a rounded tile with a sky-to-indigo gradient and a white "card"
(a rounded frame with a title bar and two text lines), drawn at 4x and
downsampled for clean edges.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageChops, ImageDraw

ROOT = Path(__file__).resolve().parent.parent
SIZE = 256
SCALE = 4


def logo() -> Image.Image:
    n = SIZE * SCALE
    vertical = Image.linear_gradient("L").resize((n, n))
    ramp = ImageChops.add(vertical, vertical.transpose(Image.Transpose.ROTATE_270), scale=2.0)
    top, bottom = (56, 189, 248), (129, 140, 248)
    tile = Image.merge("RGB", [ramp.point(lambda v, a=a, b=b: a + (b - a) * v // 255) for a, b in zip(top, bottom)])
    mask = Image.new("L", (n, n), 0)
    ImageDraw.Draw(mask).rounded_rectangle((0, 0, n - 1, n - 1), radius=n * 0.22, fill=255)
    out = Image.new("RGBA", (n, n), (0, 0, 0, 0))
    out.paste(tile, (0, 0), mask)
    d = ImageDraw.Draw(out)
    white = (255, 255, 255, 255)
    m, w = n * 0.2, n * 0.05
    d.rounded_rectangle((m, n * 0.27, n - m, n * 0.73), radius=n * 0.06, outline=white, width=round(w))
    d.rounded_rectangle((m + n * 0.1, n * 0.39, n * 0.62, n * 0.46), radius=n * 0.03, fill=white)
    d.rounded_rectangle((m + n * 0.1, n * 0.54, n * 0.5, n * 0.6), radius=n * 0.03, fill=(255, 255, 255, 190))
    return out.resize((SIZE, SIZE), Image.Resampling.LANCZOS)


def main() -> None:
    path = ROOT / "assets" / "logos" / "ogimage.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    logo().save(path, optimize=True)
    print(f"wrote {path} ({path.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
