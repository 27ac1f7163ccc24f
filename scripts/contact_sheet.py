#!/usr/bin/env python3
"""A before/after contact sheet of typesetting cases: each case rendered by two source trees.

Usage::

    git archive BASE | tar -x -C /tmp/before        # the tree to compare against
    python scripts/contact_sheet.py /tmp/before . -o docs/typesetting-before-after.png

Each tree renders every case of :data:`CASES` in a subprocess with that tree first on
``sys.path`` (its own code, templates and fonts); the sheet shows them side by side as
thumbnails, before on the left, with the case's label above, quantised to a palette so it
stays small.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

CASES: list[tuple[str, str, str]] = [  # (template, title, what to look at)
    ("light", "DeepSeekのオープンソース革命：クローズドAIサミットからの洞察", "light: two lines broken after ："),
    ("plain", "Threads私訊功能預計何時開放？官方回應", "何時 is one word; break at the ？"),
    ("default", "ちょうどいい暮らし方のすすめ", "ちょうどいい whole: one line, a little smaller"),
    ("plain", "开源人工智能的下一个十年：挑战与机遇", "人工智能 whole, 的 not at a line start"),
    ("light", "MySQL 8的窗口函数详解与实战", "no line starts with 的"),
    ("light", "春の風景写真コンテスト入賞作品を発表", "no stub, no break before 発表"),
    ("light", "ちょうどいい距離感で働くためのリモートワーク入門", "ちょうどいい whole"),
    ("plain", "คู่มือสำหรับผู้เริ่มต้นเขียนโปรแกรมภาษาไพทอนฉบับสมบูรณ์", "Thai: ผู้เริ่มต้น kept (the other break moved: a judgement call)"),
    ("default", "מדריך מעשי למעבר ל-Python 3.13 בסביבת ייצור ובענן", "Python 3.13 whole (RTL)"),
    ("default", "Open Source vs. Closed Source: The New Front Line", "size traded for a break after the colon"),
    ("default", "本当に必要か？新しいMacBook Proレビュー", "break at the ？"),
    ("plain", "新機能を追加\u3000使い方を解説", "U+3000 kept"),
    ("plain", "「監督付きファインチューニング」は終わるのか。推論モデルとプロセス報酬の最前線",
     "「 at a line start is not indented (halt)"),
    ("default", "தமிழ் மொழியில் நிரலாக்கம் கற்றுக்கொள்ளுங்கள்", "Tamil: tofu before"),
    ("default", "ሰላም ለዓለም፤ የአማርኛ ፊደል ታሪክ", "Ethiopic: tofu before"),
    ("plain", "👋" + "🏻" * 299, "one cluster wider than the box"),
    ("plain", "『鬼滅の刃』『呪術廻戦』に続くヒット作は？（2026年版）、編集者が選ぶ10冊",
     "』『 and ）、 half-width inside the line (chws from halt)"),
    ("default", "What we learned rebuilding our image rendering pipeline in Rust and Python to serve "
     "millions of Open Graph cards for a global audience", "no description: the title grows into its space"),
    ("default", "ព័ត៌មានបច្ចេកវិទ្យាថ្មីៗសម្រាប់អ្នកអភិវឌ្ឍន៍កម្មវិធីនៅកម្ពុជា", "Khmer: breaks between dictionary words"),
    ("default", "ຂ່າວເຕັກໂນໂລຊີໃໝ່ສຳລັບນັກພັດທະນາຊອບແວໃນລາວ", "Lao: breaks between dictionary words"),
]

_RENDER = """
import json, sys
from ogimage.engine import Engine
e = Engine()
for i, (template, title, _) in enumerate(json.loads(sys.argv[2])):
    open(f"{sys.argv[1]}/{i}.png", "wb").write(e.render(e.card({"title": title}, template)))
"""


def render(tree: Path, out: Path) -> None:
    """Render every case with ``tree``'s code, templates and fonts into ``out``/N.png."""
    env_path = str(tree.resolve())
    subprocess.run([sys.executable, "-c", f"import sys; sys.path.insert(0, {env_path!r})\n" + _RENDER,
                    str(out), json.dumps(CASES)], check=True, cwd=env_path)


def sheet(before: Path, after: Path, dest: Path, thumb: int = 420) -> None:
    from PIL import Image, ImageDraw, ImageFont

    fonts = Path(__file__).resolve().parent.parent / "fonts"
    label_font = ImageFont.truetype(str(fonts / "NotoSansCJK-Regular.ttc"), 15)
    th = thumb * 630 // 1200
    pad, head = 8, 24
    width = 2 * thumb + 3 * pad
    height = head + len(CASES) * (th + head + pad)
    img = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(img)
    draw.text((pad, 4), "before", fill="black", font=label_font)
    draw.text((2 * pad + thumb, 4), "after", fill="black", font=label_font)
    y = head
    for i, (template, _title, what) in enumerate(CASES):
        draw.text((pad, y + 2), f"{i + 1}. {template}: {what}", fill=(60, 60, 60), font=label_font)
        y += head
        for col, folder in enumerate((before, after)):
            card = Image.open(folder / f"{i}.png").convert("RGB").resize((thumb, th), Image.LANCZOS)
            img.paste(card, (pad + col * (thumb + pad), y))
        y += th + pad
    img.quantize(colors=128, method=Image.Quantize.MEDIANCUT).save(dest, optimize=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("before", type=Path)
    ap.add_argument("after", type=Path)
    ap.add_argument("-o", "--out", type=Path, default=Path("docs/typesetting-before-after.png"))
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        b, a = Path(tmp, "before"), Path(tmp, "after")
        b.mkdir()
        a.mkdir()
        render(args.before, b)
        render(args.after, a)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        sheet(b, a, args.out)
    print(f"{args.out}: {args.out.stat().st_size / 1000:.0f} KB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
