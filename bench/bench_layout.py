"""Benchmark segmentation and fitting over the reference titles.

    python bench/bench_layout.py [--runs 200] [--measure module:function] [--width 1040]

Reports, per title and overall, the median and p95 time of ``segments()`` (uncached:
the internal ``_segments``) and of ``fit()`` (segment cache cleared before each run, so
it includes segmentation), plus the number of measure calls per fit. The default measure
is synthetic (East Asian Width: W/F 1.0 em, space 0.28 em, else 0.55 em); pass
``--measure pkg.module:func`` for a real ``measure(text, size) -> px`` from the fonts layer.
"""

from __future__ import annotations

import argparse
import importlib
import statistics
import sys
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ogimage.typeset import BoxSpec, detect_lang, fit, graphemes  # noqa: E402
from ogimage.typeset.segment import _segment_memo, _segments, _segments_cached  # noqa: E402

DATA = Path(__file__).parent / "data"


def synthetic_measure(text: str, size: float) -> float:
    w = 0.0
    for g in graphemes(text):
        w += 0.28 if g == " " else 1.0 if unicodedata.east_asian_width(g[0]) in "WF" else 0.55
    return w * size


def load_titles() -> list[str]:
    titles = []
    for row in (DATA / "titles.tsv").read_text("utf-8").splitlines():
        if row and not row.startswith("#"):
            titles.append(row.split("\t", 1)[1])
    titles += [t for t in (DATA / "peers.txt").read_text("utf-8").splitlines() if t.strip()]
    return titles


def timed(fn, runs: int) -> list[float]:
    fn()  # warm-up (models, caches of character classes)
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1e3)
    return out


def p95(xs: list[float]) -> float:
    return sorted(xs)[min(len(xs) - 1, int(len(xs) * 0.95))]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--measure", help="module:function, measure(text, size) -> px")
    ap.add_argument("--width", type=float, default=1040)
    ap.add_argument("--min-size", type=float, default=40)
    ap.add_argument("--max-size", type=float, default=72)
    ap.add_argument("--max-lines", type=int, default=3)
    args = ap.parse_args(argv)
    measure = synthetic_measure
    if args.measure:
        mod, _, func = args.measure.partition(":")
        measure = getattr(importlib.import_module(mod), func)
    box = BoxSpec(args.width, args.min_size, args.max_size, args.max_lines)
    calls = [0]

    def counted(text: str, size: float) -> float:
        calls[0] += 1
        return measure(text, size)

    def run_fit(t: str) -> None:
        _segment_memo.clear()
        fit(t, box, counted)

    all_seg, all_fit = [], []
    print(f"{'seg med':>8} {'seg p95':>8} {'fit med':>8} {'fit p95':>8} {'calls':>5} "
          f"{'size':>4} {'lines':>5}  lang     title (ms)")
    for t in load_titles():
        seg = timed(lambda: _segments(t, None), args.runs)
        fits = timed(lambda: run_fit(t), args.runs)
        calls[0] = 0
        lay = fit(t, box, counted)
        all_seg += seg
        all_fit += fits
        print(f"{statistics.median(seg):8.3f} {p95(seg):8.3f} {statistics.median(fits):8.3f} "
              f"{p95(fits):8.3f} {calls[0]:5d} {lay.font_size:4.0f} {len(lay.lines):5d}"
              f"{'…' if lay.truncated else ' '} {detect_lang(t):8} {t[:48]}")
    print(f"\noverall  segments: median {statistics.median(all_seg):.3f} ms, p95 {p95(all_seg):.3f} ms"
          f"\noverall  fit:      median {statistics.median(all_fit):.3f} ms, p95 {p95(all_fit):.3f} ms"
          f"\n({len(load_titles())} titles x {args.runs} runs, box {box})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
