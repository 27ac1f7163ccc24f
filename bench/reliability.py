"""Load and faults against a real ``ogimage serve`` on 127.0.0.1 (issue 10); stops by itself.

1. ``ogimage serve --workers N`` (default: 2), disk cache on in a temporary folder.
2. **Cached alone**: 8 keep-alive clients request 16 warm cards for ``--seconds``; p50/p99.
3. **Cold flood**: 50 clients (in a process of their own) request unique titles for
   ``--seconds`` while the same 8 cached clients run; cached p50/p99 under the flood, and the
   flood's status counts (503 shed with ``Retry-After``) and render latencies.
4. **Faults**: a 16 MB header, 20 unfinished 32 MB heads, 10 silent connections; what each got
   and the workers' RSS before and after.
5. **Memory**: ``--cards`` unique cards (every 10th a hostile row of tests/data/hostile.jsonl
   or a crafted giant cluster) by 8 clients; each worker's RSS after, the disk-cache size.

    python bench/reliability.py [--seconds 8] [--cards 5000] [--workers 2]

Everything is bounded: fixed durations, a fixed number of cards, socket timeouts.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import socket
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ROOT, clean_env, fmt, free_port, median, ogimage_cmd, pct, table  # noqa: E402
from procs import HOST, Server  # noqa: E402

HOSTILE = ROOT / "tests" / "data" / "hostile.jsonl"


def hostile_queries() -> list[str]:
    out = []
    for row in map(json.loads, HOSTILE.open(encoding="utf-8")):
        if "params" in row and row.get("path", "/api/og/default") == "/api/og/default":
            out.append(urllib.parse.urlencode(row["params"], quote_via=urllib.parse.quote))
    return out


def worker_pids(supervisor: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmd = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == supervisor and b"spawn_main" in cmd:
            pids.append(int(entry.name))
    return sorted(pids) or [supervisor]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def dir_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


async def _fetch(port: int, paths, until: float, lat: list[float], statuses: Counter, retry: Counter) -> None:
    """Keep-alive GETs of ``next(paths)`` until ``until`` (or the paths run out)."""
    reader = writer = None
    try:
        for path in paths:
            if time.perf_counter() >= until:
                break
            if writer is None:
                reader, writer = await asyncio.open_connection(HOST, port)
            start = time.perf_counter()
            writer.write(f"GET {path} HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode())
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 60)
            length, close = 0, False
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                name = name.strip().lower()
                if name == b"content-length":
                    length = int(value)
                elif name == b"retry-after":
                    retry[value.strip().decode()] += 1
                elif name == b"connection" and value.strip().lower() == b"close":
                    close = True
            await reader.readexactly(length)
            lat.append((time.perf_counter() - start) * 1e3)
            statuses[int(head.split(b" ", 2)[1])] += 1
            if close:
                writer.close()
                writer = None
    except (OSError, asyncio.IncompleteReadError, asyncio.TimeoutError) as exc:
        statuses[type(exc).__name__] += 1
    finally:
        if writer is not None:
            writer.close()


def run_clients(port: int, groups: list[tuple[int, object, str]], seconds: float) -> dict[str, dict]:
    """Run client groups at once: (count, path factory, name). Latencies and statuses per group."""
    results: dict[str, dict] = {}

    async def main() -> None:
        until = time.perf_counter() + seconds
        tasks = []
        for count, factory, name in groups:
            r = results[name] = {"lat": [], "status": Counter(), "retry": Counter()}
            for i in range(count):
                tasks.append(_fetch(port, factory(i), until, r["lat"], r["status"], r["retry"]))
        await asyncio.gather(*tasks)

    asyncio.run(main())
    return results


def flood_beside_cached(port: int, cached, cold, seconds: float) -> dict[str, dict]:
    """The 50 flood clients in a forked process of their own, the 8 cached ones here: a
    cached client is someone else on the internet, so its latency is the server's, not the
    time its own event loop spends reading the flood's answers."""
    import multiprocessing

    ctx = multiprocessing.get_context("fork")
    recv, send = ctx.Pipe(duplex=False)

    def flood_proc() -> None:
        send.send(run_clients(port, [(50, cold, "flood")], seconds)["flood"])
        send.close()

    child = ctx.Process(target=flood_proc, name="flood")
    child.start()
    try:
        out = run_clients(port, [(8, cached, "cached")], seconds)
        out["flood"] = recv.recv() if recv.poll(seconds + 120) else {"lat": [], "status": Counter(), "retry": Counter()}
    finally:
        child.join(30)
        if child.is_alive():
            child.kill()
    return out


def faults(port: int) -> list[list[str]]:
    """The head attacks; what each connection got back."""
    def attack(data: bytes, wait: float = 20) -> bytes:
        s = socket.create_connection((HOST, port))
        s.settimeout(wait)
        try:
            s.sendall(data)
        except OSError:
            pass
        got = b""
        try:
            while chunk := s.recv(65536):
                got += chunk
        except OSError:
            pass
        s.close()
        return got

    rows = []
    big = attack(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (16 << 20) + b"\r\n\r\n")
    rows.append(["one 16 MB header", big.split(b"\r\n", 1)[0].decode(errors="replace") or "(closed)"])
    answers: list[bytes] = []
    threads = [threading.Thread(target=lambda: answers.append(
        attack(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (32 << 20)))) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    firsts = Counter(a.split(b"\r\n", 1)[0].decode(errors="replace") or "(closed)" for a in answers)
    rows.append(["20 unfinished 32 MB heads", ", ".join(f"{n} × {k}" for k, n in firsts.items())])
    start = time.perf_counter()
    silent = [threading.Thread(target=lambda: answers.append(attack(b"", 30))) for _ in range(10)]
    for t in silent:
        t.start()
    for t in silent:
        t.join(60)
    rows.append(["10 silent connections", f"closed by the server after {time.perf_counter() - start:.1f} s"])
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=8)
    ap.add_argument("--cards", type=int, default=5000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--skip-faults", action="store_true", help="leave out the head attacks (~15 s)")
    ap.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                    help="an extra setting for the server, e.g. OGIMAGE_MAX_RENDERS=1 (repeatable)")
    args = ap.parse_args(argv)
    began = time.perf_counter()
    cache = Path(tempfile.mkdtemp(prefix="bench-reliability-"))
    port = free_port()
    env = clean_env({"OGIMAGE_DISK_CACHE": "1", "OGIMAGE_CACHE_DIR": str(cache),
                     **dict(kv.split("=", 1) for kv in args.env)})
    cmd = [*ogimage_cmd(), "serve", "--host", HOST, "--port", str(port), "--workers", str(args.workers)]
    run_id = int(time.time())
    with Server(cmd, port, env, name="reliability") as srv:
        srv.wait_ready(timeout=120)
        workers = worker_pids(srv.proc.pid)  # type: ignore[union-attr]
        warm = [f"/api/og/plain?title=Cached+card+{i}" for i in range(16)]
        for path in warm * 6:  # every worker ends up holding them in memory
            srv.get(path)
        rss_start = [rss_mb(p) for p in workers]

        def cached(i: int):
            return itertools.cycle(warm[i % 16:] + warm[: i % 16])

        counter = itertools.count()

        def cold(i: int):
            return (f"/api/og/default?title=Flood+{run_id}+{i}+{next(counter)}+unique+title" for _ in itertools.count())

        alone = run_clients(port, [(8, cached, "cached")], args.seconds)["cached"]
        flood = flood_beside_cached(port, cached, cold, args.seconds)
        rss_flood = [rss_mb(p) for p in workers]

        fault_rows = [] if args.skip_faults else faults(port)
        rss_faults = [rss_mb(p) for p in workers]

        hostile = hostile_queries()
        giants = ["\U0001F44B" + "\U0001F3FD" * 299, "\u1100" + "\u1161" * 299, "\u200d".join(["\U0001F469"] * 150)]
        cards = []
        for i in range(args.cards):
            if i % 10 == 0:
                q = hostile[(i // 10) % len(hostile)]
                cards.append(f"/api/og/default?{q}&v={run_id}-{i}")  # v: a new URL and card each time
            elif i % 10 == 5:
                title = urllib.parse.quote(giants[i % 3][:-1] + f" {i}")
                cards.append(f"/api/og/plain?title={title}")
            else:
                cards.append(f"/api/og/plain?title=Card+number+{i}+of+{run_id}&description=d+{i}")
        it = iter(cards)
        lock = threading.Lock()

        def shared(_i: int):
            while True:
                with lock:
                    path = next(it, None)
                if path is None:
                    return
                yield path

        start = time.perf_counter()
        mem = run_clients(port, [(8, shared, "cards")], 600)["cards"]
        cards_s = time.perf_counter() - start
        rss_end = [rss_mb(p) for p in workers]
        disk = dir_bytes(cache)

    c_alone, c_flood, f = alone["lat"], flood["cached"]["lat"], flood["flood"]
    print(f"## Reliability (bench/reliability.py, {args.workers} workers, {time.perf_counter() - began:.0f} s)\n")
    print(table(["cached requests (8 keep-alive clients, 16 warm cards)", "requests", "p50 ms", "p99 ms"], [
        ["alone", len(c_alone), fmt(median(c_alone), 2), fmt(pct(c_alone, 99), 2)],
        ["under a 50-client cold flood", len(c_flood), fmt(median(c_flood), 2), fmt(pct(c_flood, 99), 2)],
    ]))
    ok = [x for x in f["lat"]]
    print()
    print(f"Cold flood: {sum(f['status'].values())} answers in {args.seconds:g} s: "
          + ", ".join(f"{k}: {v}" for k, v in sorted(f["status"].items(), key=str))
          + f"; Retry-After values {dict(f['retry'])}; latency p50 {fmt(median(ok), 1)} ms, p99 {fmt(pct(ok, 99), 1)} ms.")
    print(f"Cached answers under the flood: {dict(flood['cached']['status'])}.\n")
    if fault_rows:
        print(table(["fault", "answer"], fault_rows))
        print()
    print(table(["worker RSS (MB)", *[f"worker {i + 1}" for i in range(len(workers))]], [
        ["after warm-up", *[fmt(x, 0) for x in rss_start]],
        ["after the flood", *[fmt(x, 0) for x in rss_flood]],
        ["after the faults", *[fmt(x, 0) for x in rss_faults]],
        [f"after {args.cards:,} unique cards", *[fmt(x, 0) for x in rss_end]],
    ]))
    print()
    print(f"{args.cards:,} unique cards (every 10th a hostile corpus row, every 10th a giant cluster) in "
          f"{cards_s:.1f} s: {dict(mem['status'])}. Disk cache after the run: {disk / 2**20:.1f} MiB "
          f"({disk:,} bytes; bound: OGIMAGE_DISK_CACHE_BYTES, default 1 GiB).")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
