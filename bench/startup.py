"""Start-up: whole-process wall time of ``ogimage render`` and of ``ogimage serve`` to ready.

- ``ogimage render --template plain --title ... -o FILE``: process start to exit, median of N.
- ``ogimage serve --workers 1``: process start until ``GET /readyz`` answers 200 (polled
  every 10 ms), median of M.
- For scale: ``python -c pass`` (the interpreter alone), median of N.

    python bench/startup.py [--runs 5] [--serve-runs 3]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import Check, Section, clean_env, fmt, median, ogimage_cmd, ratio, table  # noqa: E402
from procs import ogimage_server  # noqa: E402

RENDER_TARGET_S = 0.6
SERVE_TARGET_S = 1.5
TITLE = "Start-up: 起動時間を測る — a whole process"


def wall(cmd: list[str], timeout: float = 120) -> float:
    """Seconds from spawn to exit; raises if the command fails."""
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=clean_env(), capture_output=True, timeout=timeout)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd[:3]} failed ({proc.returncode}): {proc.stderr.decode(errors='replace')[-500:]}")
    return elapsed


def measure(runs: int = 5, serve_runs: int = 3) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
        out = str(Path(tmp) / "x.png")
        render = [wall([*ogimage_cmd(), "render", "--template", "plain", "--title", TITLE, "-o", out])
                  for _ in range(runs)]
        size = Path(out).stat().st_size
    python = [wall([sys.executable, "-c", "pass"]) for _ in range(runs)]
    serve = []
    for _ in range(serve_runs):
        with ogimage_server() as srv:
            serve.append(srv.wait_ready(interval=0.01))
    return {"render": render, "render_png_bytes": size, "python": python, "serve": serve}


def section(runs: int = 5, serve_runs: int = 3) -> Section:
    m = measure(runs, serve_runs)
    r, s, p = median(m["render"]), median(m["serve"]), median(m["python"])
    lo_hi = (lambda xs: (fmt(min(xs), 3), fmt(max(xs), 3)) if xs else ("n/a", "n/a"))
    rows = [
        ["`ogimage render --template plain -o x.png`", runs, fmt(r, 3), fmt(min(m["render"]), 3),
         fmt(max(m["render"]), 3), f"< {RENDER_TARGET_S}"],
        ["`ogimage serve` to /readyz 200", serve_runs, fmt(s, 3), *lo_hi(m["serve"]),
         f"< {SERVE_TARGET_S}"],
        ["`python -c pass` (for scale)", runs, fmt(p, 3), fmt(min(m["python"]), 3), fmt(max(m["python"]), 3), "-"],
    ]
    body = (table(["process", "runs", "median s", "min s", "max s", "target s"], rows)
            + f"\nogimage render / bare interpreter: {fmt(ratio(r, p), 1)}×.\n")
    checks = [
        Check("`ogimage render` whole process, median", r, "s", f"< {RENDER_TARGET_S}", r < RENDER_TARGET_S),
        Check("`ogimage serve` to /readyz 200, median", s, "s", f"< {SERVE_TARGET_S}",
              None if not m["serve"] else s < SERVE_TARGET_S),
    ]
    return Section("Start-up", body, checks, m)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--serve-runs", type=int, default=3)
    args = ap.parse_args(argv)
    print(section(args.runs, args.serve_runs).markdown())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
