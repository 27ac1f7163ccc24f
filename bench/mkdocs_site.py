"""A 200-page MkDocs site built with the ogimage plugin and with mkdocs-material's ``social``.

Both on the Material theme, caches off (``cache: false``: every card rendered), one run on
this machine, each build a fresh ``python -m mkdocs build`` process, timed whole (wall and
CPU of the process and its workers). A build without any card plugin gives the floor; the
card cost of a plugin is its build minus that floor. Each plugin runs at its default
parallelism (ogimage: every core; social: ``cpu_count - 1`` threads) and at one worker.

mkdocs-material's social plugin fetches its fonts from Google Fonts unless
``<cache_dir>/fonts/<family>/`` exists; like the peers harness
(/work/shared/bench-peers/bench_mkdocs_social.py) we seed that folder with links to the
bundled Noto Sans CJK faces, so nothing touches the network and CJK titles have glyphs.

Needs mkdocs-material's imaging extra in the same Python as ogimage::

    .venv/bin/pip install 'mkdocs-material[imaging]'    # Pillow, CairoSVG (libcairo2)
    .venv/bin/python bench/mkdocs_site.py               # ~1 min; writes results/mkdocs.md
    .venv/bin/python bench/mkdocs_site.py --pages 50 --no-write
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import DATA, RESULTS, ROOT, fmt, ratio  # noqa: E402

FAMILY = "Noto Sans CJK JP"
FONTS = {"Bold.ttf": ROOT / "fonts" / "NotoSansCJK-Bold.ttc", "Regular.ttf": ROOT / "fonts" / "NotoSansCJK-Regular.ttc"}
HEAD = """site_name: example.dev
site_description: "example.dev · Engineering Blog"
site_url: https://example.dev/
theme:
  name: material
  font: false
"""
PLUGINS = {
    "plain": "plugins: []\n",
    "ogimage": "plugins:\n  - ogimage:\n      cache: false\n",
    "ogimage-1": "plugins:\n  - ogimage:\n      cache: false\n      jobs: 1\n",
    "social": (
        "plugins:\n  - social:\n      cache: false\n      cards_layout_options:\n"
        f"        font_family: {FAMILY}\n"
    ),
    "social-1": (
        "plugins:\n  - social:\n      cache: false\n      concurrency: 1\n      cards_layout_options:\n"
        f"        font_family: {FAMILY}\n"
    ),
}
LABELS = {
    "plain": "no card plugin (floor)",
    "ogimage": "ogimage plugin (all cores)",
    "ogimage-1": "ogimage plugin, `jobs: 1`",
    "social": f"material `social` (default concurrency {max(1, (os.cpu_count() or 2) - 1)})",
    "social-1": "material `social`, `concurrency: 1`",
}


@dataclass
class Build:
    variant: str
    wall: float
    cpu: float
    cards: int


def titles(n: int) -> list[str]:
    base = [line.strip() for line in (DATA / "peers.txt").read_text(encoding="utf-8").splitlines() if line.strip()]
    return [f"{base[i % len(base)]} {i + 1}" for i in range(n)]  # distinct: no card is drawn twice


def make_site(root: Path, pages: int) -> None:
    if root.exists():
        shutil.rmtree(root)
    docs = root / "docs"
    docs.mkdir(parents=True)
    (docs / "index.md").write_text("# Home\n\nThe index.\n", encoding="utf-8")
    for i, title in enumerate(titles(pages)):
        page = docs / f"section-{i // 20:02d}" / f"p{i + 1:03d}.md"
        page.parent.mkdir(exist_ok=True)
        quoted = title.replace("\\", "\\\\").replace('"', '\\"')
        page.write_text(f'---\ntitle: "{quoted}"\ndescription: "Page {i + 1} of the benchmark site."\n---\n\n'
                        f"Body of page {i + 1}.\n\n## A section\n\nMore text.\n", encoding="utf-8")
    fonts = root / ".cache" / "plugin" / "social" / "fonts" / FAMILY
    fonts.mkdir(parents=True)
    for name, src in FONTS.items():
        (fonts / name).symlink_to(src)


def build(root: Path, variant: str) -> Build:
    (root / "mkdocs.yml").write_text(HEAD + PLUGINS[variant], encoding="utf-8")
    for stale in (root / "site", root / ".cache" / "plugin" / "social" / "assets", root / ".cache" / "ogimage"):
        shutil.rmtree(stale, ignore_errors=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("OGIMAGE_")}
    env["NO_MKDOCS_2_WARNING"] = "1"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q"], cwd=root, env=env,
                          capture_output=True, text=True, timeout=1800)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"{variant}: mkdocs build failed:\n{proc.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    cards = len(list((root / "site" / "assets" / "images" / "social").rglob("*.png")))
    return Build(variant, wall, cpu, cards)


def report(builds: dict[str, Build], pages: int) -> str:
    from importlib.metadata import version

    floor = builds["plain"]
    lines = [
        f"# MkDocs: {pages + 1} pages, ogimage plugin vs mkdocs-material `social`",
        "",
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, one run of "
        f"`python bench/mkdocs_site.py --pages {pages}`; mkdocs {version('mkdocs')}, "
        f"mkdocs-material {version('mkdocs-material')}, Pillow {version('pillow')}, CairoSVG {version('cairosvg')}. "
        "Material theme, `cache: false` for both plugins, each build a fresh process.",
        "",
        "| build | wall s | CPU s | cards | card time s (wall - floor) | ms per card |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, b in builds.items():
        extra = b.wall - floor.wall
        per = "" if name == "plain" else fmt(extra / max(1, b.cards) * 1000)
        lines.append(f"| {LABELS[name]} | {fmt(b.wall, 2)} | {fmt(b.cpu, 2)} | {b.cards} | "
                     f"{'' if name == 'plain' else fmt(extra, 2)} | {per} |")
    og, so = builds["ogimage"], builds["social"]
    og1, so1 = builds["ogimage-1"], builds["social-1"]
    lines += [
        "",
        f"- Whole build, defaults: social / ogimage = **{fmt(ratio(so.wall, og.wall), 2)}x** "
        f"(one worker each: {fmt(ratio(so1.wall, og1.wall), 2)}x).",
        f"- Card time (build minus the floor), defaults: social / ogimage = "
        f"**{fmt(ratio(so.wall - floor.wall, og.wall - floor.wall), 1)}x** "
        f"(one worker each: {fmt(ratio(so1.wall - floor.wall, og1.wall - floor.wall), 1)}x).",
        f"- CPU, defaults: social / ogimage = {fmt(ratio(so.cpu - floor.cpu, og.cpu - floor.cpu), 1)}x "
        "(CPU of the build process and its workers, minus the floor's).",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pages", type=int, default=200)
    ap.add_argument("--work", type=Path, default=ROOT / "bench" / "out" / "mkdocs-site")
    ap.add_argument("--no-write", action="store_true", help="do not write results/mkdocs.md")
    args = ap.parse_args(argv)
    try:
        import cairosvg  # noqa: F401
        import material.plugins.social  # noqa: F401
    except (ImportError, OSError) as exc:
        raise SystemExit(f"needs mkdocs-material[imaging] (and libcairo2): {exc}") from None
    make_site(args.work, args.pages)
    builds: dict[str, Build] = {}
    for variant in PLUGINS:
        builds[variant] = b = build(args.work, variant)
        print(f"{variant}: wall={b.wall:.2f}s cpu={b.cpu:.2f}s cards={b.cards}", file=sys.stderr, flush=True)
    for name in ("ogimage", "ogimage-1", "social", "social-1"):
        if builds[name].cards != args.pages + 1:
            raise SystemExit(f"{name}: {builds[name].cards} cards, expected {args.pages + 1}")
    text = report(builds, args.pages)
    print(text)
    if not args.no_write:
        (RESULTS / "mkdocs.md").write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
