"""Shared helpers for the bench/ modules: statistics, paths, environment, result types.

Every bench module is a script run with bench/ on ``sys.path`` (``python bench/run.py``),
so the modules import each other by their bare names (``from common import ...``).
"""

from __future__ import annotations

import math
import os
import socket
import statistics
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
DATA = BENCH / "data"
RESULTS = BENCH / "results"


def median(xs: Sequence[float]) -> float:
    """The median, or NaN for no samples."""
    return statistics.median(xs) if xs else math.nan


def pct(xs: Sequence[float], p: float) -> float:
    """Nearest-rank percentile, as the peers harness computes it (``render_ogimage.py: pct``)."""
    s = sorted(xs)
    if not s:
        return math.nan
    rank = max(0, math.ceil(len(s) * p / 100) - 1)
    return s[min(rank, len(s) - 1)]


def p95(xs: Sequence[float]) -> float:
    return pct(xs, 95)


def ratio(a: float, b: float) -> float:
    """``a / b``, NaN when either is missing or ``b`` is zero."""
    if a is None or b is None or not b or math.isnan(a) or math.isnan(b):
        return math.nan
    return a / b


def fmt(x: float | None, digits: int = 1) -> str:
    """A number for the report; ``n/a`` for missing values."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    return f"{x:,.{digits}f}"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago (bind to port 0)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for ogimage subprocesses: no inherited ``OGIMAGE_*``, the repo importable,
    disk cache off (clean runs: nothing is read from an earlier run), no signing key."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OGIMAGE_") and k != "PROMETHEUS_MULTIPROC_DIR"}
    # An installed package runs from byte-compiled modules; without .pyc files every start
    # compiles ~110 modules again (~50 ms), which no user of a normal install pays.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env["OGIMAGE_DISK_CACHE"] = "0"
    env["OGIMAGE_SIGNING_KEY"] = ""
    env.update(extra or {})
    return env


def ogimage_cmd() -> list[str]:
    """The ``ogimage`` console script of this Python (the venv's), else ``python -m ogimage.cli``."""
    script = Path(sys.executable).parent / "ogimage"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "ogimage.cli"]


def rss_mb() -> float:
    """This process's resident set size (VmRSS) in MiB."""
    return _status_kb("VmRSS") / 1024


def peak_rss_mb() -> float:
    """This process's peak resident set size (VmHWM) in MiB."""
    return _status_kb("VmHWM") / 1024


def _status_kb(name: str) -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(name + ":"):
                return float(line.split()[1])
    except OSError:
        pass
    return math.nan


@dataclass
class Check:
    """One target of issue 5: what was measured against what it should be."""

    name: str
    value: float
    unit: str
    target: str
    ok: bool | None  # None: not measured

    @property
    def verdict(self) -> str:
        if self.ok is None:
            return "info" if self.target == "-" else "n/a"
        return "PASS" if self.ok else "MISS"


@dataclass
class Section:
    """One part of the report: a Markdown body, its checks and its raw figures."""

    title: str
    body: str
    checks: list[Check] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)

    def markdown(self) -> str:
        return f"## {self.title}\n\n{self.body.rstrip()}\n"


def table(header: Sequence[str], rows: Sequence[Sequence[Any]], align: str | None = None) -> str:
    """A Markdown table. ``align``: one of ``l``/``r`` per column (default: first left, rest right)."""
    align = align or "l" + "r" * (len(header) - 1)
    sep = ["---:" if a == "r" else "---" for a in align]
    lines = ["| " + " | ".join(str(h) for h in header) + " |", "| " + " | ".join(sep) + " |"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def failed_section(title: str, exc: BaseException) -> Section:
    """A section for a part that could not run: the report goes on without it."""
    return Section(title, f"**Not measured**: `{type(exc).__name__}: {exc}`\n")
