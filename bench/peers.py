"""The peers harness's figures, read from its logs, beside ogimage's.

The peers harness (``/work/shared/bench-peers/run.sh``, run separately: it takes
minutes and installs node packages) writes one log per peer to ``out/logs/<peer>.log``
with one ``SUMMARY <label>: key=value ...`` line. This module only reads them
(default folder ``/tmp/bench-peers/out/logs``) and never runs the harness.

Ratios to ogimage are taken within the peers' own run (its ``ogimage.log``) when it has
one: figures from different runs on this machine are not comparable.

    python bench/peers.py [--peers-log DIR]
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import Section, fmt, ratio, table  # noqa: E402

DEFAULT_LOGS = Path("/tmp/bench-peers/out/logs")
_LINE = re.compile(r"^SUMMARY (?P<label>.+?): (?P<rest>.*)$")
_PAIR = re.compile(r"(\w+)=([-\d.]+)(ms|MB)?\b")


@dataclass
class Summary:
    """One peer's SUMMARY line: its label, numeric fields, the log it came from."""

    peer: str
    label: str
    values: dict[str, float] = field(default_factory=dict)
    source: str = ""
    failed: bool = False

    def get(self, *names: str) -> float:
        for n in names:
            if n in self.values:
                return self.values[n]
        return float("nan")


def parse_line(line: str, peer: str = "", source: str = "") -> Summary | None:
    """A ``SUMMARY`` line as printed by the peers' scripts or run.sh; None for other lines."""
    m = _LINE.match(line.strip())
    if not m:
        return None
    label, rest = m.group("label"), m.group("rest")
    values = {k: float(v) for k, v, _ in _PAIR.findall(rest) if v not in ("-", ".")}
    return Summary(peer or label.split()[0], label, values, source, failed=rest.startswith("FAILED"))


def read_logs(directory: Path) -> list[Summary]:
    """The last SUMMARY line of every ``*.log`` in ``directory`` (peer = file stem)."""
    out = []
    for log in sorted(directory.glob("*.log")):
        found = None
        for line in log.read_text("utf-8", errors="replace").splitlines():
            found = parse_line(line, log.stem, str(log)) or found
        if found is not None:
            out.append(found)
    return out


def section(directory: Path = DEFAULT_LOGS, ogimage_harness_ms: float | None = None) -> Section:
    """Peers' medians beside ogimage's; ``ogimage_harness_ms`` = this run's harness plain median."""
    if not directory.is_dir():
        return Section("Peers", f"No peers harness output in `{directory}`. Run "
                       "`BENCH_PEERS_WORK=/tmp/bench-peers bash /work/shared/bench-peers/run.sh` "
                       "(add `OGIMAGE_PYTHON=.venv/bin/python PEERS=\"satori takumi mkdocs floor ogimage\"` "
                       "for ogimage in the same run), then pass `--peers-log DIR`.\n")
    peers = read_logs(directory)
    if not peers:
        return Section("Peers", f"No `SUMMARY` lines in `{directory}/*.log`.\n")
    newest = max(Path(p.source).stat().st_mtime for p in peers)
    when = dt.datetime.fromtimestamp(newest).strftime("%Y-%m-%d %H:%M")
    own = next((p for p in peers if p.peer == "ogimage" and not p.failed), None)
    base = own.get("median") if own else float("nan")
    rows = []
    for p in peers:
        med = p.get("median")
        rows.append([p.label if not p.failed else f"{p.peer} (FAILED)", fmt(med), fmt(p.get("p95")),
                     fmt(p.get("mean_png_bytes", "png_bytes"), 0), fmt(p.get("cpu_per_image")),
                     fmt(p.get("startup_to_ready", "process_to_ready")), fmt(p.get("rss_end", "maxrss"), 0),
                     fmt(ratio(med, base), 2)])
    body = (f"From `{directory}` (logs written {when}; the peers' own run, same titles, template `plain` for "
            "ogimage). Ratio = peer median / ogimage median **in that same peers run**"
            + ("" if own else " (n/a: that run has no ogimage log)") + ".\n\n"
            + table(["peer", "median ms", "p95 ms", "PNG B", "CPU/image ms", "startup to ready ms", "RSS MB",
                     "× ogimage"], rows))
    if ogimage_harness_ms is not None:
        body += (f"\nThis run's ogimage harness median (plain): {fmt(ogimage_harness_ms)} ms"
                 + (f"; the peers run measured {fmt(base)} ms" if own else "")
                 + " — different runs, so only a rough guide.\n")
    return Section("Peers", body, [], {"peers": [vars(p) for p in peers]})


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--peers-log", type=Path, default=DEFAULT_LOGS)
    args = ap.parse_args(argv)
    print(section(args.peers_log).markdown())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
