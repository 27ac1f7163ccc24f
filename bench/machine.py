"""What the figures were measured on: CPU, cores, load, Python, Pillow, raqm, versions, commit.

    python bench/machine.py
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ROOT, table  # noqa: E402


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _version(module: str) -> str:
    try:
        from importlib.metadata import version

        return version(module)
    except Exception:
        return "not installed"


def _cmd(cmd: list[str]) -> str:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=10, cwd=ROOT).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def describe() -> dict[str, str]:
    """The machine and software, one line each."""
    try:
        from PIL import features

        raqm = f"yes ({features.version('raqm')})" if features.check("raqm") else "no (basic layout)"
    except Exception as exc:  # Pillow missing: say so rather than fail the report
        raqm = f"unknown ({exc})"
    commit = _cmd(["git", "rev-parse", "--short", "HEAD"])
    dirty = " (uncommitted changes)" if _cmd(["git", "status", "--porcelain", "--", "ogimage"]) else ""
    wrk = shutil.which("wrk")
    wrk_version = _cmd(["wrk", "-v"]).splitlines()[0].split(" [")[0] if wrk else "not installed"
    return {
        "date": dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "CPU": cpu_model(),
        "cores": f"{os.cpu_count()} ({len(os.sched_getaffinity(0))} usable)",
        "load average (1/5/15 min) at start": " / ".join(f"{x:.2f}" for x in os.getloadavg()),
        "OS": f"{platform.system()} {platform.release()}",
        "Python": f"{platform.python_version()} ({platform.python_implementation()})",
        "Pillow": _version("pillow"),
        "raqm": raqm,
        "ogimage": f"{_version('ogimage')} at {commit}{dirty}",
        "uvicorn / starlette / fastapi": f"{_version('uvicorn')} / {_version('starlette')} / {_version('fastapi')}",
        "uvloop / httptools": f"{_version('uvloop')} / {_version('httptools')}",
        "wrk": wrk_version,
    }


def markdown() -> str:
    return table(["", ""], [[k, v] for k, v in describe().items()], "ll")


if __name__ == "__main__":
    print(markdown())
