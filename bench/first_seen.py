"""First-seen render time: every title new to the process, what a cache miss costs a server.

The method of ``/work/shared/bench-peers/first_seen.sh``, run from here: for each of ``sets``
title sets (``gen_titles.py``, a copy of the peers' generator, so a seed gives the same
titles), a fresh process warms up on 20 other titles, then renders ``n`` new ones through
``ogimage.render({"title": t}, template="plain")``, timed per card (wall and CPU). When the
peers' work folder has takumi installed (``npm ci`` of the peers' ``package.json``), the
peers' ``first_seen_takumi.mjs`` runs on the same files, interleaved A B B A so drift
cancels, and the section reports the ratios the issue's targets are written in.

    python bench/first_seen.py [--mode words,wide] [--n 300] [--sets 3] [--seed 1] [--peers-work DIR]
                               [--baseline DIR]

``--baseline DIR`` also runs another checkout of ogimage (e.g. a worktree of ``main``) the same
way, interleaved with the others (its row is ``ogimage@NAME``), for a before/after in one run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import gen_titles  # noqa: E402
from common import Check, Section, clean_env, fmt, median, p95, ratio, table  # noqa: E402

PEERS_WORK = Path(os.environ.get("BENCH_PEERS_WORK", "/tmp/bench-peers"))
WARM = 20
# issue 14: ratios against takumi (median, p95) per vocabulary
TARGETS = {"words": (0.5, 0.8), "wide": (0.7, 1.0)}


def titles(n: int, seed: int, mode: str) -> list[str]:
    """``n`` distinct titles, exactly as ``gen_titles.py n seed mode`` prints them."""
    import random

    make = gen_titles.wide if mode == "wide" else gen_titles.one
    rng = random.Random(seed)
    seen: set[str] = set()
    out: list[str] = []
    while len(out) < n:
        t = make(rng)
        if t and t not in seen:
            seen.add(t)
            out.append(t)
    return out


def child(warm_f: str, new_f: str, out_f: str, template: str = "plain") -> None:
    """The peers' ``first_seen_ogimage.py``: warm on WARM, then time each title of NEW once."""
    import time

    load = lambda p: [ln.strip() for ln in open(p, encoding="utf-8") if ln.strip()]  # noqa: E731
    import ogimage

    for t in load(warm_f):
        ogimage.render({"title": t}, template=template)
    wall, cpu, size = [], [], []
    for t in load(new_f):
        c0, w0 = time.process_time(), time.perf_counter()
        png = ogimage.render({"title": t}, template=template)
        wall.append((time.perf_counter() - w0) * 1e3)
        cpu.append((time.process_time() - c0) * 1e3)
        size.append(len(png))
    json.dump({"peer": "ogimage", "wall": wall, "cpu": cpu, "bytes": size}, open(out_f, "w"))


def takumi_ready(work: Path) -> bool:
    """True when the peers' takumi script and its npm install are in ``work``."""
    return (shutil.which("node") is not None and (work / "first_seen_takumi.mjs").exists()
            and (work / "node_modules" / "@takumi-rs" / "core").exists())


def measure(mode: str, n: int, sets: int, seed: int, work: Path, template: str = "plain",
            baseline: Path | None = None) -> dict:
    """Per-card lists for ogimage (and takumi when installed, and a ``baseline`` checkout when
    given) over ``sets`` sets, the order reversed every other set."""
    rows: dict[str, dict[str, list[float]]] = {}
    with_takumi = takumi_ready(work)
    with tempfile.TemporaryDirectory(prefix="first-seen-") as tmp:
        for i in range(1, sets + 1):
            s = seed * 1000 + i
            all_t = titles(n + WARM, s, mode)
            warm, new = Path(tmp, f"warm_{s}.txt"), Path(tmp, f"new_{s}.txt")
            warm.write_text("\n".join(all_t[:WARM]) + "\n", encoding="utf-8")
            new.write_text("\n".join(all_t[WARM:]) + "\n", encoding="utf-8")
            o = [sys.executable, __file__, "--child", str(warm), str(new), str(Path(tmp, f"o_{s}.json")), template]
            t = ["node", "first_seen_takumi.mjs", str(warm), str(new), str(Path(tmp, f"t_{s}.json"))]
            runs = [(o, None, "o"), (t, work, "t")] if with_takumi else [(o, None, "o")]
            if baseline is not None:
                b = [sys.executable, str(baseline / "bench" / "first_seen.py"), "--child", str(warm), str(new),
                     str(Path(tmp, f"b_{s}.json")), template]
                runs.insert(1, (b, None, "b"))
            for cmd, cwd, tag in (runs if i % 2 else runs[::-1]):
                env = clean_env({"PYTHONPATH": str(baseline)} if tag == "b" and baseline is not None else None)
                subprocess.run(cmd, cwd=cwd, env=env, check=True, timeout=900, capture_output=True)
                d = json.loads(Path(tmp, f"{tag}_{s}.json").read_text())
                peer = f"ogimage@{baseline.name}" if tag == "b" and baseline is not None else d["peer"]
                r = rows.setdefault(peer, {"wall": [], "cpu": [], "bytes": []})
                for k in r:
                    r[k] += d[k]
    return rows


def summarise(rows: dict[str, dict[str, list[float]]]) -> dict[str, dict[str, float]]:
    return {peer: {"n": len(r["wall"]), "median": median(r["wall"]), "p95": p95(r["wall"]),
                   "cpu_median": median(r["cpu"]), "bytes": sum(r["bytes"]) / max(1, len(r["bytes"]))}
            for peer, r in rows.items()}


def section(modes: tuple[str, ...] = ("words", "wide"), n: int = 300, sets: int = 3, seed: int = 1,
            work: Path = PEERS_WORK, baseline: Path | None = None) -> Section:
    """Both vocabularies; ratios against takumi when it is installed in ``work``."""
    data: dict[str, dict] = {}
    out_rows, checks = [], []
    for mode in modes:
        s = summarise(measure(mode, n, sets, seed, work, baseline=baseline))
        data[mode] = s
        o, t = s["ogimage"], s.get("takumi")
        for peer, v in s.items():
            out_rows.append([mode, peer, v["n"], fmt(v["median"], 2), fmt(v["p95"], 2), fmt(v["cpu_median"], 2),
                             f"{v['bytes']:,.0f}"])
        if t:
            rm, rp, rb = ratio(o["median"], t["median"]), ratio(o["p95"], t["p95"]), ratio(o["bytes"], t["bytes"])
            for peer, v in s.items():
                if peer.startswith("ogimage"):
                    out_rows.append([mode, "**ratio**" if peer == "ogimage" else f"ratio ({peer})", "",
                                     fmt(ratio(v["median"], t["median"]), 2), fmt(ratio(v["p95"], t["p95"]), 2),
                                     fmt(ratio(v["cpu_median"], t["cpu_median"]), 2),
                                     fmt(ratio(v["bytes"], t["bytes"]), 2)])
            tm, tp = TARGETS[mode]
            checks += [Check(f"first-seen {mode}: median vs takumi", rm, "×", f"≤ {tm}", rm <= tm),
                       Check(f"first-seen {mode}: p95 vs takumi", rp, "×", f"≤ {tp}", rp <= tp),
                       Check(f"first-seen {mode}: PNG bytes vs takumi", rb, "×", "≤ 1.0", rb <= 1.0)]
        else:
            checks.append(Check(f"first-seen {mode}: median (ogimage alone)", o["median"], "ms", "-", None))
    note = ("" if takumi_ready(work) else
            f"\ntakumi not installed in `{work}` (run the peers' `run.sh` with `PEERS=\"\"` there): ogimage alone.\n")
    body = (f"Every title new to the process (`gen_titles.py`, {n} titles a set, {sets} sets, seeds "
            f"{seed * 1000 + 1}…, warm-up on {WARM} others), template `plain`, fresh process per set and peer, "
            "A B B A. Times in ms per card.\n\n"
            + table(["vocabulary", "peer", "n", "median", "p95", "CPU median", "PNG bytes"],
                    out_rows, "llrrrrr") + note)
    return Section("First-seen render (a cache miss)", body, checks, data)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        child(*argv[1:])
        return 0
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mode", default="words,wide")
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--sets", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--peers-work", type=Path, default=PEERS_WORK)
    ap.add_argument("--baseline", type=Path, help="another ogimage checkout to run beside (before/after)")
    args = ap.parse_args(argv)
    baseline = args.baseline.resolve() if args.baseline else None
    print(section(tuple(args.mode.split(",")), args.n, args.sets, args.seed, args.peers_work, baseline).markdown())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
