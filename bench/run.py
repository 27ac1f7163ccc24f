"""ogimage benchmark runner: every issue-5 measurement in one run, one Markdown report.

    python bench/run.py                    # full run (a few minutes), writes bench/results/latest.md
                                           # (partial runs write bench/results/partial.md)
    python bench/run.py --quick            # 2 rounds, shorter loads (about a minute)
    python bench/run.py --rounds 5         # more cold-render rounds
    python bench/run.py --skip-http        # no server processes: no HTTP load, single-flight, serve start-up
    python bench/run.py --peers-log DIR    # show the peers harness's SUMMARY lines (default /tmp/bench-peers/out/logs)
    python bench/run.py --only cold,memory # some sections only (firstseen, server, startup, cold, layout, memory,
                                           # singleflight, http, shared, peers)
    python bench/run.py --only firstseen --peers-work /tmp/bench-peers   # takumi beside (its npm install there)

Sections (each is also a script of its own in bench/): first-seen (every title new, against
takumi; issue 14), real server (cold cards/s, CPU per card, worker RSS after 5,000 and 20,000
distinct cards), start-up, cold render (harness and
first-seen), layout only, memory, single-flight, cache-hit HTTP load against a bare
Starlette app, peers. A section that fails is reported as not measured; the rest go on.
The machine is shared and noisy: compare figures from the same run, as ratios.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import cold  # noqa: E402
import first_seen  # noqa: E402
import http_load  # noqa: E402
import layout_time  # noqa: E402
import machine  # noqa: E402
import memory  # noqa: E402
import peers  # noqa: E402
import server  # noqa: E402
import shared_cache  # noqa: E402
import singleflight  # noqa: E402
import startup  # noqa: E402
from common import RESULTS, Check, Section, failed_section, fmt, table  # noqa: E402
from corpus import load_all  # noqa: E402

SECTIONS = ("firstseen", "server", "startup", "cold", "layout", "memory", "singleflight", "http", "shared", "peers")
SERVER_SECTIONS = ("server", "singleflight", "http", "shared")


@dataclass(frozen=True)
class Plan:
    """How much of everything to measure."""

    rounds: int
    layout_runs: int
    cards: int
    http_seconds: float
    http_repeats: int
    startup_runs: int
    serve_runs: int
    requests: int = 100
    first_seen: int = 300  # titles a set (issue 14: the peers' first_seen.sh defaults)
    first_seen_sets: int = 3
    server_cold: int = 600  # timed cold cards per throughput run
    server_cards: int = 20_000  # distinct cards through one worker for its memory

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> Plan:
        if args.quick:
            plan = cls(rounds=2, layout_runs=5, cards=200, http_seconds=3, http_repeats=1, startup_runs=3,
                       serve_runs=2, first_seen=100, first_seen_sets=2, server_cold=200, server_cards=5000)
        else:
            plan = cls(rounds=3, layout_runs=20, cards=1000, http_seconds=10, http_repeats=3, startup_runs=5,
                       serve_runs=3)
        if args.rounds is not None:
            plan = cls(**{**vars(plan), "rounds": args.rounds})
        if args.skip_http:
            plan = cls(**{**vars(plan), "serve_runs": 0})
        return plan


def summary(checks: list[Check]) -> Section:
    rows = [[c.name, f"{fmt(c.value, 3 if c.unit in ('s', '×') else 1)} {c.unit}", c.target, c.verdict]
            for c in checks]
    body = table(["measure", "measured", "target", "verdict"], rows, "lrrl")
    met = sum(c.ok is True for c in checks)
    judged = sum(c.ok is not None for c in checks)
    body += f"\n{met} of {judged} targets met.\n"
    return Section("Summary", body, checks)


def run(args: argparse.Namespace) -> str:
    plan = Plan.from_args(args)
    wanted = tuple(args.only.split(",")) if args.only else SECTIONS
    unknown = set(wanted) - set(SECTIONS)
    if unknown:
        raise SystemExit(f"unknown section(s): {', '.join(sorted(unknown))}; choose from {', '.join(SECTIONS)}")
    if args.skip_http:
        wanted = tuple(s for s in wanted if s not in SERVER_SECTIONS)
    titles = load_all(args.peers)
    state: dict[str, Section] = {}

    def harness_plain() -> float | None:
        c = state.get("cold")
        try:
            return c.data["summary"]["plain"]["harness"]["all"]["median_ms"] if c else None
        except KeyError:
            return None

    steps: dict[str, tuple[str, Callable[[], Section]]] = {
        "firstseen": ("First-seen render", lambda: first_seen.section(n=plan.first_seen, sets=plan.first_seen_sets,
                                                                       work=args.peers_work)),
        "server": ("Real server", lambda: server.section(plan.server_cold, plan.server_cards)),
        "startup": ("Start-up", lambda: startup.section(plan.startup_runs, plan.serve_runs)),
        "cold": ("Cold render (in process)", lambda: cold.section(titles, plan.rounds)),
        "layout": ("Layout only", lambda: layout_time.section(titles, plan.layout_runs)),
        "memory": ("Memory", lambda: memory.section(plan.cards)),
        "singleflight": ("Single-flight", lambda: singleflight.section(plan.requests)),
        "http": ("Cache hit through HTTP",
                 lambda: http_load.section(plan.http_seconds, repeats=plan.http_repeats)),
        "shared": ("Shared cache tier (Redis)",
                   lambda: shared_cache.section(max(2.0, plan.http_seconds / 2), plan.http_repeats)),
        "peers": ("Peers", lambda: peers.section(args.peers_log, harness_plain())),
    }
    machine_md = machine.markdown()  # before the load starts: the load average is the machine's own
    started = time.perf_counter()
    for name in SECTIONS:
        if name not in wanted:
            continue
        title, make = steps[name]
        print(f"[bench] {title} ...", file=sys.stderr, flush=True)
        t0 = time.perf_counter()
        try:
            state[name] = make()
        except Exception as exc:  # one broken section must not lose the others
            traceback.print_exc(file=sys.stderr)
            state[name] = failed_section(title, exc)
        print(f"[bench] {title}: {time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True)
    checks = [c for s in state.values() for c in s.checks]
    mode = "quick" if args.quick else "full"
    skipped = [s for s in SECTIONS if s not in wanted]
    head = (f"# ogimage benchmark\n\n`python bench/run.py{' --quick' if args.quick else ''}` ({mode} run: "
            f"{plan.rounds} cold round(s), {plan.cards} cards for memory, {plan.http_seconds:g} s loads"
            + (f"; skipped: {', '.join(skipped)}" if skipped else "")
            + f"), {time.perf_counter() - started:.0f} s in all. The machine is shared and noisy: compare "
            "figures within this run (ratios), not across runs.\n\n## Machine\n\n" + machine_md)
    load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    parts = [head, *(state[s].markdown() for s in SECTIONS if s in state), summary(checks).markdown(),
             f"Load average (1/5/15 min) at the end: {load}.\n"]
    return "\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument("--quick", action="store_true", help="fewer rounds and shorter loads")
    ap.add_argument("--rounds", type=int, help="cold-render rounds (default 3; 2 with --quick)")
    ap.add_argument("--skip-http", action="store_true", help="start no server (no HTTP load, single-flight, serve start-up)")
    ap.add_argument("--peers", type=Path, help="the peers' titles file (default bench/data/peers.txt)")
    ap.add_argument("--peers-log", type=Path, default=peers.DEFAULT_LOGS,
                    help=f"peers harness logs folder (default {peers.DEFAULT_LOGS})")
    ap.add_argument("--peers-work", type=Path, default=first_seen.PEERS_WORK,
                    help=f"the peers' work folder with takumi installed (default {first_seen.PEERS_WORK})")
    ap.add_argument("--only", help=f"comma-separated sections: {','.join(SECTIONS)}")
    ap.add_argument("--out", type=Path, help="where to write the report (default results/latest.md for a full"
                    " run; results/partial.md with --quick, --only or --skip-http, so the committed report"
                    " stays a full one)")
    ap.add_argument("--no-write", action="store_true", help="print only; do not write the report file")
    args = ap.parse_args(argv)
    report = run(args)
    print(report)
    if not args.no_write:
        if args.out is None:
            partial = args.quick or args.only or args.skip_http
            args.out = RESULTS / ("partial.md" if partial else "latest.md")
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(report, "utf-8")
        print(f"[bench] report written to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
