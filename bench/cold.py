"""Cold render time per template and script group, in process, through ``ogimage.render``.

Two methods, each template in fresh processes so nothing carries over between them:

- **harness**: the peers' method, exactly as ``/work/shared/bench-peers/render_ogimage.py``
  does it: render the first title (untimed, pays the loading), one more warm-up, then
  every title once per round for N rounds. From round 2 on every title was seen before,
  so whatever ogimage caches per word or per line is warm. Two such processes per
  template, run in the order A B C C B A, their samples pooled.
- **first-seen**: one fresh process per template and round; the engine is warmed on
  unrelated text (``Engine.warm_up``, as the server does before it is ready), then every
  title is rendered once, made distinct by a counter word. No card repeats one drawn
  earlier in its process, as on a server seeing new posts.

Both use the public API: ``ogimage.render({"title": t}, template=...)`` (no cache).

    python bench/cold.py [--rounds 3] [--templates plain,default,light] [--peers PATH]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import Check, Section, clean_env, fmt, median, p95, ratio, table  # noqa: E402
from corpus import GROUPS, Title, distinct, load_all  # noqa: E402

TEMPLATES = ("plain", "default", "light")
METHODS = ("harness", "first-seen")
CHILD_TIMEOUT = 600


# -- child side: runs in a fresh process, prints one JSON line ---------------------


def child_harness(titles: list[str], template: str, rounds: int, warmup: int = 2) -> dict:
    """The peers' loop (render_ogimage.py): first render, warm-up, then rounds x titles."""
    t0 = time.perf_counter()
    import ogimage

    t_import = time.perf_counter() - t0
    render = lambda t: ogimage.render({"title": t}, template=template)  # noqa: E731
    tw = time.perf_counter()
    render(titles[0])
    t_first = time.perf_counter() - tw
    for i in range(1, warmup):
        render(titles[i % len(titles)])
    ms: list[list[float]] = [[] for _ in titles]
    size = [0] * len(titles)
    for _ in range(rounds):
        for i, t in enumerate(titles):
            s = time.perf_counter()
            png = render(t)
            ms[i].append((time.perf_counter() - s) * 1e3)
            size[i] = len(png)
    return {"ms": ms, "bytes": size, "import_ms": t_import * 1e3, "first_render_ms": t_first * 1e3}


def child_first_seen(titles: list[str], template: str, round_no: int) -> dict:
    """Warm the engine on unrelated text, then each title once, made distinct."""
    import ogimage
    from ogimage.engine import default_engine

    engine = default_engine()
    warm = getattr(engine, "warm_up", None)
    if warm is not None:
        warm()
    else:  # an engine without warm_up: load fonts and templates on an unrelated card
        ogimage.render({"title": "Warm-up card"}, template=template)
    ms: list[list[float]] = []
    size = []
    for i, t in enumerate(titles):
        text = distinct(t, round_no * 1000 + i)
        s = time.perf_counter()
        png = ogimage.render({"title": text}, template=template)
        ms.append([(time.perf_counter() - s) * 1e3])
        size.append(len(png))
    return {"ms": ms, "bytes": size}


def _run_child(args: list[str], titles: list[str]) -> dict:
    proc = subprocess.run(
        [sys.executable, __file__, "--child", *args],
        input=json.dumps(titles), capture_output=True, text=True, env=clean_env(), timeout=CHILD_TIMEOUT,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"cold.py child {args} failed: {proc.stderr.strip()[-800:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# -- parent side -------------------------------------------------------------------


def measure(titles: list[Title], templates: tuple[str, ...] = TEMPLATES, rounds: int = 3) -> dict:
    """``{template: {method: {"ms": [[per round] per title], "bytes": [...]}}}``."""
    texts = [t.text for t in titles]
    out: dict[str, dict] = {tpl: {} for tpl in templates}
    # Harness processes in the order A B C C B A, pooled per template: a slow spell of the
    # shared machine then weighs on every template about alike (templates are compared as ratios).
    for tpl in (*templates, *reversed(templates)):
        one = _run_child(["harness", tpl, str(rounds)], texts)
        mine = out[tpl].get("harness")
        if mine is None:
            out[tpl]["harness"] = one
        else:
            mine["ms"] = [a + b for a, b in zip(mine["ms"], one["ms"])]
            mine["first_render_ms"] = min(mine["first_render_ms"], one["first_render_ms"])
    # Round-major, templates interleaved: slow spells of a shared machine hit every template alike.
    for r in range(rounds):
        for tpl in templates:
            first = out[tpl].setdefault("first-seen", {"ms": [[] for _ in texts], "bytes": [0] * len(texts)})
            one = _run_child(["first-seen", tpl, str(r)], texts)
            for i, xs in enumerate(one["ms"]):
                first["ms"][i] += xs
            first["bytes"] = one["bytes"]
    return out


def _pool(result: dict, idx: list[int]) -> tuple[list[float], list[int]]:
    ms = [x for i in idx for x in result["ms"][i]]
    return ms, [result["bytes"][i] for i in idx]


def summarise(titles: list[Title], raw: dict) -> dict:
    """Median/p95 ms and median bytes per template, method and group (``all`` too)."""
    groups = {g: [i for i, t in enumerate(titles) if t.group == g] for g in GROUPS}
    groups = {g: ix for g, ix in groups.items() if ix}
    groups["all"] = list(range(len(titles)))
    out: dict = {}
    for tpl, methods in raw.items():
        for method, result in methods.items():
            for g, ix in groups.items():
                ms, sizes = _pool(result, ix)
                out.setdefault(tpl, {}).setdefault(method, {})[g] = {
                    "n_titles": len(ix), "n": len(ms), "median_ms": median(ms), "p95_ms": p95(ms),
                    "median_bytes": median(sizes),
                }
    return out


def section(titles: list[Title], rounds: int, templates: tuple[str, ...] = TEMPLATES) -> Section:
    raw = measure(titles, templates, rounds)
    s = summarise(titles, raw)
    body = [
        f"{len(titles)} titles (bench/data/titles.tsv + peers.txt), {rounds} round(s); "
        "`ogimage.render({'title': t}, template=...)` in process, no cache. "
        "**harness** = the peers' loop (same titles every round: per-word caches warm), 2 processes "
        "per template in the order A B C C B A, pooled; "
        "**first-seen** = fresh process per template and round, engine warmed on other text, "
        "every title distinct (counter word).\n",
    ]
    rows = []
    checks = []
    for tpl in templates:
        h, f = s[tpl]["harness"]["all"], s[tpl]["first-seen"]["all"]
        rows.append([tpl, fmt(h["median_ms"]), fmt(h["p95_ms"]), fmt(f["median_ms"]), fmt(f["p95_ms"]),
                     fmt(ratio(f["median_ms"], h["median_ms"]), 2), fmt(h["median_bytes"], 0),
                     fmt(f["median_bytes"], 0)])
        checks.append(Check(f"cold render `{tpl}` first-seen median", f["median_ms"], "ms", "-", None))
    body.append(table(["template", "harness median ms", "harness p95 ms", "first-seen median ms",
                       "first-seen p95 ms", "first-seen / harness", "harness median PNG B",
                       "first-seen median PNG B"], rows))
    if "plain" in s and "default" in s:
        body.append("\nRatio default / plain (median ms): harness "
                    f"**{fmt(ratio(s['default']['harness']['all']['median_ms'], s['plain']['harness']['all']['median_ms']), 2)}**"
                    ", first-seen "
                    f"**{fmt(ratio(s['default']['first-seen']['all']['median_ms'], s['plain']['first-seen']['all']['median_ms']), 2)}**.\n")
    for tpl in templates:
        rows = []
        for g in [*GROUPS, "all"]:
            if g not in s[tpl]["harness"]:
                continue
            h, f = s[tpl]["harness"][g], s[tpl]["first-seen"][g]
            rows.append([g, h["n_titles"], fmt(h["median_ms"]), fmt(h["p95_ms"]), fmt(f["median_ms"]),
                         fmt(f["p95_ms"]), fmt(ratio(f["median_ms"], h["median_ms"]), 2),
                         fmt(h["median_bytes"], 0)])
        body.append(f"\n### `{tpl}` by script group\n\n" + table(
            ["group", "titles", "harness med ms", "harness p95 ms", "first-seen med ms", "first-seen p95 ms",
             "first / harness", "median PNG B"], rows))
    h0 = raw[templates[0]]["harness"]
    body.append(f"\nHarness process ({templates[0]}): import ogimage {fmt(h0['import_ms'])} ms, "
                f"first render (loads fonts) {fmt(h0['first_render_ms'])} ms (faster of its two processes).\n")
    return Section("Cold render (in process)", "\n".join(body), checks, {"summary": s})


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        mode, template, n = argv[1:4]
        titles = json.loads(sys.stdin.read())
        result = child_harness(titles, template, int(n)) if mode == "harness" else \
            child_first_seen(titles, template, int(n))
        print(json.dumps(result))
        return 0
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--templates", default=",".join(TEMPLATES))
    ap.add_argument("--peers", type=Path, help="peers' titles file (default bench/data/peers.txt)")
    args = ap.parse_args(argv)
    print(section(load_all(args.peers), args.rounds, tuple(args.templates.split(","))).markdown())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
