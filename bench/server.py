"""Real-server mode: cold cards through a real ``ogimage serve``, and its workers' memory.

Every request is a card the server has never seen (generated titles, words and wide in
turn, templates ``plain``/``default``/``light`` in turn), default settings except the disk
cache (off, so every card is a render), on 127.0.0.1:

- **throughput**: ``serve --workers 1`` and ``--workers 2``, ``2 x workers`` client threads
  with keep-alive connections; cold cards per second, and CPU per card from the workers'
  ``/proc/<pid>/stat`` (utime + stime) over the timed requests. The same titles rendered
  in process (``ogimage.render``) give the in-process CPU the server is compared with.
- **memory**: one worker, ``cards`` distinct cards (default 20,000); the worker's VmRSS
  after 5,000 and at the end, and the ``ogimage_internal_cache_bytes`` gauges.

Bounded: a fixed number of requests, each with a timeout; the servers are stopped on exit.

    python bench/server.py [--cold 600] [--cards 20000]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import Check, Section, clean_env, fmt, free_port, ogimage_cmd, ratio, table  # noqa: E402
from first_seen import titles as gen  # noqa: E402
from procs import HOST, Server, http_get, metric_values  # noqa: E402

TEMPLATES = ("plain", "default", "light")
TICK = os.sysconf("SC_CLK_TCK")
RSS_TARGET_MB = 150.0


def cards(n: int, seed: int) -> list[tuple[str, str]]:
    """``n`` distinct (template, title) pairs: words and wide titles in turn, templates in turn."""
    words, wide = gen((n + 1) // 2, seed, "words"), gen(n // 2, seed + 1, "wide")
    mixed = [t for pair in zip(words, wide) for t in pair] + words[len(wide):]
    return [(TEMPLATES[i % 3], f"{t} {i}") for i, t in enumerate(mixed[:n])]


def path(card: tuple[str, str]) -> str:
    return f"/api/og/{card[0]}?title={urllib.parse.quote(card[1])}"


def worker_pids(master: int, workers: int) -> list[int]:
    """uvicorn runs one worker in the master process; several as spawned children."""
    if workers == 1:
        return [master]
    out = []
    for pid in Path(f"/proc/{master}/task/{master}/children").read_text().split():
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
        if b"resource_tracker" not in cmd:
            out.append(int(pid))
    return out


def cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime, stime


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def fire(port: int, items: list[tuple[str, str]], threads: int) -> tuple[float, int]:
    """GET every card once over ``threads`` keep-alive connections; (seconds, failures)."""
    lock, it, bad = threading.Lock(), iter(items), [0]

    def loop() -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=60)
        while True:
            with lock:
                card = next(it, None)
            if card is None:
                break
            try:
                conn.request("GET", path(card))
                resp = conn.getresponse()
                resp.read()
                ok = resp.status == 200
            except OSError:
                conn.close()
                conn, ok = http.client.HTTPConnection(HOST, port, timeout=60), False
            if not ok:
                with lock:
                    bad[0] += 1
        conn.close()

    ts = [threading.Thread(target=loop) for _ in range(threads)]
    t0 = time.perf_counter()
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return time.perf_counter() - t0, bad[0]


def serve(workers: int, env: dict[str, str] | None = None) -> Server:
    port = free_port()
    cmd = [*ogimage_cmd(), "serve", "--host", HOST, "--port", str(port), "--workers", str(workers)]
    return Server(cmd, port, clean_env({"OGIMAGE_DISK_CACHE": "0", **(env or {})}), name=f"ogimage-w{workers}")


def in_process_cpu(items: list[tuple[str, str]]) -> float:
    """CPU ms per card of ``ogimage.render`` on the same cards, in a fresh process (after a warm-up)."""
    code = ("import json,sys,time,ogimage\nitems=json.load(sys.stdin)\n"
            "for tp,t in items[:20]: ogimage.render({'title':t+' w'},template=tp)\n"
            "c=time.process_time()\nfor tp,t in items[20:]: ogimage.render({'title':t},template=tp)\n"
            "print((time.process_time()-c)*1e3/len(items[20:]))")
    p = subprocess.run([sys.executable, "-c", code], input=json.dumps(items), capture_output=True, text=True,
                       env=clean_env(), check=True, timeout=600)
    return float(p.stdout.strip())


def throughput(workers: int, items: list[tuple[str, str]], warm: list[tuple[str, str]]) -> dict:
    with serve(workers) as srv:
        srv.wait_ready()
        assert srv.proc is not None
        pids = worker_pids(srv.proc.pid, workers)
        fire(srv.port, warm, 2 * workers)
        c0 = sum(cpu_s(p) for p in pids)
        secs, bad = fire(srv.port, items, 2 * workers)
        cpu = sum(cpu_s(p) for p in pids) - c0
        rss = [rss_mb(p) for p in pids]
    return {"workers": workers, "cards": len(items), "seconds": secs, "failed": bad,
            "per_s": len(items) / secs, "cpu_ms": cpu * 1e3 / len(items), "rss": rss}


def memory(items: list[tuple[str, str]], marks: tuple[int, ...], env: dict[str, str] | None = None) -> dict:
    """One worker, the cards in turn; its VmRSS and cache gauges after each mark."""
    out: dict = {"rss": {}, "caches": {}}
    with serve(1, env) as srv:
        srv.wait_ready()
        assert srv.proc is not None
        pid, done = srv.proc.pid, 0
        out["rss"][0] = rss_mb(pid)
        for m in marks:
            _, bad = fire(srv.port, items[done:m], 2)
            out.setdefault("failed", 0)
            out["failed"] += bad
            done = m
            out["rss"][m] = rss_mb(pid)
            _, _, body = http_get(srv.port, "/metrics")
            out["caches"][m] = metric_values(body.decode(), "ogimage_internal_cache_bytes")
            print(f"[server] memory: {m} cards, VmRSS {out['rss'][m]:.1f} MiB", file=sys.stderr, flush=True)
    return out


def section(cold: int = 600, total: int = 20_000) -> Section:
    load0 = os.getloadavg()
    items = cards(total + 2 * cold + 60, seed=7)
    warm, timed, mem = items[:60], items[60:60 + cold], items[60 + 2 * cold:]
    runs = [throughput(1, timed, warm[:30]), throughput(2, items[60 + cold:60 + 2 * cold], warm[30:])]
    print(f"[server] throughput: {json.dumps(runs)}", file=sys.stderr, flush=True)
    inproc = in_process_cpu(warm[:20] + timed)
    marks = tuple(m for m in (1000, 5000, total) if m <= total)
    m = memory(mem[:total], marks)
    rows = [[r["workers"], r["cards"], fmt(r["per_s"]), fmt(r["cpu_ms"], 2), fmt(ratio(r["cpu_ms"], inproc), 2),
             " / ".join(fmt(x) for x in r["rss"]), r["failed"]] for r in runs]
    speedup = ratio(runs[1]["per_s"], runs[0]["per_s"])
    cpu_x = ratio(runs[0]["cpu_ms"], inproc)
    names = sorted({k for c in m["caches"].values() for k in c})
    cache_rows = [[n.split('"')[1] if '"' in n else n, *(fmt(m["caches"][k].get(n, float("nan")) / 2**20, 2)
                                                         for k in marks)] for n in names]
    r5, rend = m["rss"].get(5000, float("nan")), m["rss"][marks[-1]]
    body = (f"`ogimage serve` on 127.0.0.1, default settings, disk cache off, every card new to the server "
            f"(words and wide titles, templates in turn); load average before: "
            f"{' / '.join(f'{x:.2f}' for x in load0)}, after: {' / '.join(f'{x:.2f}' for x in os.getloadavg())}.\n\n"
            + table(["workers", "cold cards", "cards/s", "CPU ms/card", "CPU vs in process", "RSS MiB / worker",
                     "failed"], rows)
            + f"\nIn process (`ogimage.render`, same cards): {inproc:.2f} ms CPU per card. "
            f"2 workers / 1 worker: {speedup:.2f}× cards per second.\n\n"
            f"Memory, one worker: VmRSS "
            + ", ".join(f"{fmt(v)} MiB after {k:,}" for k, v in m["rss"].items())
            + f" distinct cards ({m.get('failed', 0)} failed).\n\n"
            + table(["cache (MiB)", *(f"after {k:,}" for k in marks)], cache_rows))
    checks = [
        Check("serve CPU per cold card vs in process", cpu_x, "×", "≤ 1.2", cpu_x <= 1.2),
        Check("cold cards/s, 2 workers vs 1", speedup, "×", "≥ 1.8", speedup >= 1.8),
        Check("worker RSS after 5,000 distinct cards", r5, "MiB", f"< {RSS_TARGET_MB:.0f}", r5 < RSS_TARGET_MB),
        Check(f"worker RSS growth 5,000 -> {marks[-1]:,}", rend - r5, "MiB", "flat (≤ 5)", rend - r5 <= 5),
    ]
    return Section("Real server (cold cards)", body, checks, {"runs": runs, "in_process_cpu_ms": inproc,
                                                            "memory": m})


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cold", type=int, default=600, help="timed cold cards per throughput run")
    ap.add_argument("--cards", type=int, default=20_000, help="distinct cards for the memory run")
    args = ap.parse_args(argv)
    print(section(args.cold, args.cards).markdown())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
