"""Layout-only time per title: no drawing, no encoding.

Two figures, in this process:

- **card layout**: ``ogimage.layout({"title": t}, template="plain")`` (the public API:
  the whole card arranged with the real fonts), each title ``runs`` times (warm: the
  same title again) and once made distinct (first-seen, a counter word).
- **typeset only**: ``bench/bench_layout.py``'s ``fit()`` with its synthetic measure and
  the segment cache cleared before each run (segmentation + line fitting, no fonts).
  Skipped with a note if bench_layout cannot import what it reaches into.

    python bench/layout_time.py [--runs 20] [--template plain] [--peers PATH]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import Check, Section, fmt, median, p95, table  # noqa: E402
from corpus import GROUPS, Title, distinct, load_all  # noqa: E402


def _time(fn: Callable[[], object], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        s = time.perf_counter()
        fn()
        out.append((time.perf_counter() - s) * 1e3)
    return out


def card_layout(titles: list[Title], runs: int, template: str = "plain") -> dict[str, list[list[float]]]:
    """Per title: ``runs`` warm timings of ``ogimage.layout`` and one first-seen timing."""
    import ogimage

    ogimage.layout({"title": "Warm-up: fonts and templates"}, template=template)
    warm, first = [], []
    for i, t in enumerate(titles):
        text = distinct(t.text, 90_000 + i)
        first.append(_time(lambda: ogimage.layout({"title": text}, template=template), 1))
        warm.append(_time(lambda: ogimage.layout({"title": t.text}, template=template), runs))
    return {"warm": warm, "first": first}


def typeset_only(titles: list[Title], runs: int) -> list[list[float]] | str:
    """bench_layout's fit() per title (segment cache cleared each run), or why it cannot run."""
    try:
        import bench_layout as bl
    except Exception as exc:  # bench_layout reaches into ogimage internals that may move
        return f"bench_layout unavailable ({type(exc).__name__}: {exc})"
    box = bl.BoxSpec(1040, 40, 72, 3)

    def run(text: str) -> None:
        bl._segment_memo.clear()
        bl.fit(text, box, bl.synthetic_measure)

    out = []
    for t in titles:
        run(t.text)  # warm-up, as bench_layout.timed does
        out.append(_time(lambda: run(t.text), runs))
    return out


def section(titles: list[Title], runs: int = 20, template: str = "plain") -> Section:
    card = card_layout(titles, runs, template)
    typeset = typeset_only(titles, runs)
    rows = []
    groups = [g for g in GROUPS if any(t.group == g for t in titles)] + ["all"]
    data: dict = {}
    for g in groups:
        ix = [i for i, t in enumerate(titles) if g == "all" or t.group == g]
        warm = [x for i in ix for x in card["warm"][i]]
        first = [x for i in ix for x in card["first"][i]]
        ts = [x for i in ix for x in typeset[i]] if isinstance(typeset, list) else []
        data[g] = {"warm_median": median(warm), "warm_p95": p95(warm), "first_median": median(first),
                   "first_p95": p95(first), "typeset_median": median(ts), "typeset_p95": p95(ts)}
        d = data[g]
        rows.append([g, len(ix), fmt(d["warm_median"], 2), fmt(d["warm_p95"], 2), fmt(d["first_median"], 2),
                     fmt(d["first_p95"], 2), fmt(d["typeset_median"], 3), fmt(d["typeset_p95"], 3)])
    body = (f"`ogimage.layout({{'title': t}}, template='{template}')` per title: warm = the same title "
            f"{runs} times; first-seen = once, made distinct. Typeset only = bench_layout.py's `fit()` "
            "(synthetic measure, segment cache cleared each run).\n\n"
            + table(["group", "titles", "card layout warm med ms", "warm p95 ms", "first-seen med ms",
                     "first-seen p95 ms", "typeset-only med ms", "typeset-only p95 ms"], rows))
    if isinstance(typeset, str):
        body += f"\nTypeset only not measured: {typeset}\n"
    a = data["all"]
    checks = [Check("layout only (card, first-seen) median", a["first_median"], "ms", "-", None)]
    return Section("Layout only", body, checks, data)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--template", default="plain")
    ap.add_argument("--peers", type=Path, help="peers' titles file (default bench/data/peers.txt)")
    args = ap.parse_args(argv)
    print(section(load_all(args.peers), args.runs, args.template).markdown())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
