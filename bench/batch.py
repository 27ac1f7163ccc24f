"""``ogimage batch`` on generated pages: throughput on one and on every core, a no-change
rerun, and the same pages' cards through mkdocs-material's social plugin, per page.

    .venv/bin/python bench/batch.py                     # 1,000 pages, the same 1,000 through mkdocs
    .venv/bin/python bench/batch.py --pages 300 --mkdocs-pages 50 --skip-mkdocs
    .venv/bin/python bench/batch.py --mkdocs-python /tmp/ogimage-bench-batch/.venv-mkdocs/bin/python

Every ogimage figure is a whole ``ogimage batch`` process (start-up, reading the front
matter, keys, rendering, writing files and the manifest) with the disk cache off, so
nothing comes from an earlier run. The mkdocs peer is /work/shared/bench-peers/
bench_mkdocs_social.py, copied into a work folder (it writes beside itself) with its
font paths pointed at the same Noto Sans CJK files ogimage bundles; it times
``SocialPlugin._generate`` per card (``concurrency: 1``, ``cache: false``). Its venv is
made from the harness's requirements-mkdocs.txt if ``--mkdocs-python`` is not given.
For the per-page ratio, ogimage renders the same titles with the ``plain`` template (the
peers' card design) on one core, as a whole command and as render time alone.

The machine has 2 cores shared with other work: figures move between runs; compare the
ratios within one run. Writes the report to stdout and to bench/results/batch.md.
"""

from __future__ import annotations

import argparse
import os
import resource
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import RESULTS, clean_env, fmt, ogimage_cmd, ratio, table  # noqa: E402
from corpus import distinct, load_all  # noqa: E402

PEERS = Path("/work/shared/bench-peers")
FONTS = Path(__file__).resolve().parent.parent / "fonts"


def make_pages(folder: Path, n: int, *, rich: bool = True) -> list[str]:
    """``n`` Markdown pages with distinct titles (every script of the corpus); their titles."""
    titles = [t.text for t in load_all()]
    folder.mkdir(parents=True)
    out = []
    for i in range(n):
        title = distinct(titles[i % len(titles)], i)
        out.append(title)
        sub = folder / f"s{i % 10}"
        sub.mkdir(exist_ok=True)
        quoted = title.replace("\\", "\\\\").replace('"', '\\"')
        extra = f'description: "Page {i} of the benchmark site"\ntags: [bench, t{i % 7}]\ndate: 2026-{1 + i % 12:02d}-{1 + i % 28:02d}\n' if rich else ""
        (sub / f"page-{i:04d}.md").write_text(f'---\ntitle: "{quoted}"\n{extra}---\n\nBody {i}.\n', encoding="utf-8")
    return out


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_batch(pages: Path, out: Path, *args: str) -> tuple[float, float]:
    """Wall and CPU seconds (the process and its workers) of one ``ogimage batch`` process."""
    cmd = [*ogimage_cmd(), "batch", str(pages), "--out", str(out), "--quiet", *args]
    cpu = _children_cpu()
    start = time.perf_counter()
    done = subprocess.run(cmd, env=clean_env(), capture_output=True, text=True, timeout=3600)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"ogimage batch failed ({done.returncode}): {done.stderr[-2000:]}")
    return wall, _children_cpu() - cpu


def render_only_ms(titles: list[str]) -> float:
    """Median ms per card of Service.render_cached with the ``plain`` template, in this process, warm."""
    import statistics

    from ogimage.root import build_service
    from ogimage.settings import Settings

    service = build_service(Settings(disk_cache=False, memory_cache_bytes=1 << 20))
    service.render_cached(service.card({"title": "warm-up カード"}, "plain"))
    samples = []
    for title in titles:
        card = service.card({"title": title}, "plain")
        start = time.perf_counter()
        service.render_cached(card, "png")
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


_SPIN = "import sys\nx = 0\nfor i in range(int(sys.argv[1])): x += i * i\n"


def parallel_capacity(cores: int, loops: int = 30_000_000) -> float:
    """How much faster ``cores`` processes finish a CPU-bound loop than one, right now.

    The reference for the --jobs ratio: on a machine other work shares, two processes may
    not get two cores. Pure Python, no I/O: ideal is ``cores``."""
    def timed(parts: int) -> float:
        start = time.perf_counter()
        procs = [subprocess.Popen([sys.executable, "-c", _SPIN, str(loops // parts)]) for _ in range(parts)]
        for proc in procs:
            proc.wait()
        return time.perf_counter() - start
    one = timed(1)
    return one / timed(cores)


def mkdocs_python(work: Path, given: str | None) -> str:
    if given:
        return given
    venv = work / ".venv-mkdocs"
    python = venv / "bin" / "python"
    if not python.exists() or subprocess.run([str(python), "-c", "import material, cairosvg"]).returncode:
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "-r", str(PEERS / "requirements-mkdocs.txt")],
                       check=True)
    return str(python)


def run_mkdocs(work: Path, python: str, titles: list[str]) -> tuple[float, str]:
    """Median ms per card of mkdocs-material's social plugin on ``titles``, and its SUMMARY line."""
    script = work / "bench_mkdocs_social.py"
    text = (PEERS / "bench_mkdocs_social.py").read_text(encoding="utf-8")
    text = text.replace("/usr/share/fonts/opentype/noto/NotoSansCJK-", f"{FONTS}/NotoSansCJK-")
    script.write_text(text, encoding="utf-8")
    titles_file = work / "titles.txt"
    titles_file.write_text("\n".join(titles) + "\n", encoding="utf-8")
    done = subprocess.run([python, str(script), "--titles", str(titles_file), "--rounds", "1"], cwd=work,
                          capture_output=True, text=True, timeout=3600)
    line = next((x for x in done.stdout.splitlines() if x.startswith("SUMMARY")), "")
    m = re.search(r"median=([\d.]+)ms", line)
    if not m:
        raise SystemExit(f"mkdocs peer failed: {done.stderr[-2000:]}")
    return float(m.group(1)), line


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pages", type=int, default=1000)
    ap.add_argument("--mkdocs-pages", type=int, default=0, help="only the first N pages through mkdocs (default: all)")
    ap.add_argument("--mkdocs-python", help="a Python with mkdocs-material[imaging] (default: make a venv)")
    ap.add_argument("--skip-mkdocs", action="store_true")
    ap.add_argument("--repeat", type=int, default=2, help="first runs per --jobs value, interleaved; the best counts")
    ap.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "ogimage-bench-batch")
    args = ap.parse_args()
    cores = len(os.sched_getaffinity(0))
    work = args.work
    work.mkdir(parents=True, exist_ok=True)
    site = work / "site"
    shutil.rmtree(site, ignore_errors=True)
    titles = make_pages(site / "content", args.pages)
    n = args.pages

    jn = ["--jobs", str(cores)]
    capacity = [parallel_capacity(cores)]
    firsts: dict[str, list[tuple[float, float]]] = {"1": [], "n": []}
    for which in (["1", "n", "n", "1"] if args.repeat > 1 else ["1", "n"]):  # interleaved: load drifts
        out = site / f"out-j{which}"
        shutil.rmtree(out, ignore_errors=True)
        firsts[which].append(run_batch(site / "content", out, *(["--jobs", "1"] if which == "1" else jn)))
    (t1, c1), (tn, cn) = min(firsts["1"]), min(firsts["n"])
    capacity.append(parallel_capacity(cores))
    rerun, crerun = min(run_batch(site / "content", site / "out-jn", *jn) for _ in range(3))
    edited = site / "content" / "s3" / "page-0003.md"
    edited.write_text(edited.read_text(encoding="utf-8").replace('title: "', 'title: "Edited ', 1), encoding="utf-8")
    one, cone = run_batch(site / "content", site / "out-jn", *jn)
    load = os.getloadavg()[0]

    rows = [
        ["--jobs 1, first run", f"{t1:.2f} s", f"{c1:.2f} s", f"{n / t1:.0f}", ""],
        [f"--jobs {cores} (all cores), first run", f"{tn:.2f} s", f"{cn:.2f} s", f"{n / tn:.0f}",
         f"{t1 / tn:.2f}× of --jobs 1"],
        ["no change, rerun", f"{rerun:.2f} s", f"{crerun:.2f} s", "", f"{100 * rerun / tn:.1f} % of the first run"],
        ["one page edited, rerun", f"{one:.2f} s", f"{cone:.2f} s", "", "1 page rendered"],
    ]
    report = [f"# ogimage batch: {n} generated pages\n",
              f"{cores} cores, shared with other work (1-minute load average {load:.1f} at the end): figures are "
              "noisy; compare ratios within one run. Each figure is a whole `ogimage batch --quiet` process, disk "
              f"cache off, the best of {max(1, args.repeat)} interleaved first runs (1, all, all, 1) and of 3 reruns; "
              "CPU is user + system of the process and its workers.\n",
              table(["run", "wall", "CPU", "pages/s", "ratio"], rows), ""]
    checks = [("all cores vs --jobs 1", t1 / tn, ">= 1.7x", t1 / tn >= 1.7),
              ("no-change rerun / first run", rerun / tn, "<= 10 %", rerun / tn <= 0.10)]
    cap = sum(capacity) / len(capacity)
    report += [f"Machine: {cores} CPU-bound processes finished a pure-Python loop {cap:.2f}× faster than one "
               f"(before and after the first runs: {', '.join(f'{c:.2f}' for c in capacity)}); ideal {cores}. "
               f"--jobs {cores} reached {t1 / tn / cap:.0%} of what the machine gave.\n"]
    report += [f"CPU: --jobs {cores} used {cn / c1:.2f}× the CPU of --jobs 1 (the work duplicated across workers); "
               f"the rerun used {100 * crerun / cn:.1f} % of the first run's CPU.\n"]

    if not args.skip_mkdocs:
        m = min(args.mkdocs_pages or n, n)
        sub = titles[:m]
        plain = work / "plain"
        shutil.rmtree(plain, ignore_errors=True)
        make_pages(plain / "content", m, rich=False)
        tp, _cpu = run_batch(plain / "content", plain / "out", "--jobs", "1", "--template", "plain")
        ms_cmd = tp * 1000 / m
        ms_render = render_only_ms(sub)
        mk_ms, mk_line = run_mkdocs(work, mkdocs_python(work, args.mkdocs_python), sub)
        report += [f"## Per page against mkdocs-material's social plugin ({m} of the same titles, one core)\n",
                   table(["", "ms per page", "mkdocs / ogimage"], [
                       ["mkdocs-material social (`_generate`, median)", fmt(mk_ms, 1), ""],
                       ["ogimage batch --jobs 1 --template plain (whole command / pages)", fmt(ms_cmd, 2),
                        f"{ratio(mk_ms, ms_cmd):.1f}×"],
                       ["ogimage render only (Service.render_cached, median)", fmt(ms_render, 2),
                        f"{ratio(mk_ms, ms_render):.1f}×"],
                   ]), "", f"`{mk_line}`", ""]
        checks.append(("mkdocs social ms/page ÷ ogimage batch ms/page", ratio(mk_ms, ms_cmd), ">= 8x",
                       ratio(mk_ms, ms_cmd) >= 8))
    report += ["## Targets\n", table(["check", "value", "target", "verdict"],
                                     [[c, f"{v:.2f}", t, "PASS" if ok else "MISS"] for c, v, t, ok in checks]), ""]
    text = "\n".join(report)
    print(text)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "batch.md").write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
