"""Memory: RSS of a server-like process after rendering many distinct cards.

In a fresh subprocess: build the engine and ``Service`` as ``ogimage serve`` does
(``Settings.from_env()`` with ``OGIMAGE_MEMORY_CACHE_BYTES=32M`` and ``OGIMAGE_DISK_CACHE=0``),
warm it up, then render N distinct cards (every title of the corpus in turn, the three
templates in turn, a counter word added) through ``Service.image``, ``max_renders`` at a
time, as the server's event loop would. VmRSS from /proc/self/status at each stage.

    python bench/memory.py [--cards 1000] [--cache 32M]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import Check, Section, clean_env, fmt, peak_rss_mb, rss_mb, table  # noqa: E402
from corpus import distinct, load_all  # noqa: E402

TARGET_MB = 150.0
TEMPLATES = ("plain", "default", "light")


def child(cards: int) -> dict:
    """Runs in the fresh process: the stages and their RSS (MiB)."""
    import asyncio

    stages = {"start": rss_mb()}
    import ogimage  # noqa: F401
    from ogimage.engine import Engine
    from ogimage.service import Service
    from ogimage.settings import Settings

    stages["after import"] = rss_mb()
    settings = Settings.from_env()
    engine = Engine(template_dirs=settings.template_dirs, font_dirs=settings.font_dirs)
    service = Service(engine, settings)
    stages["after engine + service"] = rss_mb()
    service.start_warm_up()
    if service._warm is not None:  # noqa: SLF001 - wait as readiness does
        service._warm.join()
    stages["after warm-up"] = rss_mb()
    titles = [t.text for t in load_all()]

    async def render_all() -> int:
        total = 0
        batch = max(1, settings.max_renders)
        marks = {cards * q // 4 for q in (1, 2, 3)} - {0, cards}
        for start in range(0, cards, batch):
            done = min(cards, start + batch)
            jobs = []
            for i in range(start, done):
                card = service.card({"title": distinct(titles[i % len(titles)], i)}, TEMPLATES[i % len(TEMPLATES)])
                jobs.append(service.image(card, "png"))
            total += sum(len(r.body) for r in await asyncio.gather(*jobs))
            if any(start < m <= done for m in marks):
                stages[f"after {done} cards"] = rss_mb()
        return total

    total = asyncio.run(render_all())
    stages[f"after {cards} distinct cards"] = rss_mb()
    result = {
        "stages": stages, "peak": peak_rss_mb(), "renders": service.renders, "png_bytes": total,
        "cache_bytes": service.memory.bytes, "cache_max": service.memory.max_bytes, "cache_entries": len(service.memory),
    }
    service.close()
    return result


def measure(cards: int = 1000, cache: str = "32M") -> dict:
    env = clean_env({"OGIMAGE_MEMORY_CACHE_BYTES": cache, "OGIMAGE_DISK_CACHE": "0"})
    proc = subprocess.run([sys.executable, __file__, "--child", str(cards)], capture_output=True, text=True,
                          env=env, timeout=1200)
    if proc.returncode != 0:
        raise RuntimeError(f"memory child failed: {proc.stderr.strip()[-800:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def section(cards: int = 1000, cache: str = "32M") -> Section:
    m = measure(cards, cache)
    final = list(m["stages"].values())[-1]
    rows = [[k, fmt(v)] for k, v in m["stages"].items()] + [["peak (VmHWM)", fmt(m["peak"])]]
    body = (f"Fresh process, engine + Service as the server builds them, memory cache {cache} "
            f"(`OGIMAGE_MEMORY_CACHE_BYTES`), disk cache off; {cards} distinct cards (all script groups, "
            f"templates {', '.join(TEMPLATES)} in turn), {m['renders']} renders, "
            f"{m['png_bytes'] / 2**20:.1f} MiB of PNG made; cache holds {m['cache_entries']} entries, "
            f"{m['cache_bytes'] / 2**20:.1f} of {m['cache_max'] / 2**20:.0f} MiB.\n\n"
            + table(["stage", "VmRSS MiB"], rows))
    checks = [Check(f"RSS after {cards} distinct cards (32 MiB cache)", final, "MiB", f"< {TARGET_MB:.0f}",
                    final < TARGET_MB)]
    return Section("Memory", body, checks, m)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        print(json.dumps(child(int(argv[1]))))
        return 0
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cards", type=int, default=1000)
    ap.add_argument("--cache", default="32M", help="OGIMAGE_MEMORY_CACHE_BYTES for the run")
    args = ap.parse_args(argv)
    print(section(args.cards, args.cache).markdown())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
