"""Cache-hit throughput through the real HTTP server, against a bare Starlette floor.

1. ``ogimage serve --workers 1`` (disk cache off); one card URL is requested until it is a
   memory hit (``x-cache: memory``).
2. ``bench/bare_app.py`` answers that URL with the same bytes and headers, under uvicorn
   with the options ``ogimage serve`` uses.
3. ``wrk -t1 -c32 -dNs --latency`` against each, alternating ``repeats`` times; the best
   requests/s of each counts (noise on a shared machine only ever lowers throughput); the
   ratio of each run to the bare run right after it is shown too.
   Without wrk, a bounded asyncio keep-alive client does the same job (slower: it shares
   the two cores with the server, so its figures are lower bounds).

    python bench/http_load.py [--seconds 10] [--connections 32] [--repeats 3]
"""

from __future__ import annotations

import argparse
import asyncio
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bare_app  # noqa: E402
from common import Check, Section, clean_env, fmt, free_port, median, pct, ratio, table  # noqa: E402
from procs import HOST, Server, ogimage_server  # noqa: E402

CARD_TITLE = "Cache hits: ogimage vs a bare Starlette app — キャッシュ"
TARGET_RATIO = 0.80
COPIED_HEADERS = ("content-type", "content-length", "etag", "cache-control", "x-cache")


@dataclass
class Load:
    """One load run: requests/s, latency percentiles (ms), errors, the tool used."""

    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int
    tool: str
    raw: str = field(default="", repr=False)


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


def _ms(text: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    return float(m.group(1)) * _UNITS[m.group(2)] if m else float("nan")


def parse_wrk(out: str) -> Load:
    """Requests/s, 50 % and 99 % latency, request and error counts from ``wrk --latency`` output."""
    rps = re.search(r"Requests/sec:\s*([\d.]+)", out)
    p50 = re.search(r"^\s*50%\s+(\S+)", out, re.M)
    p99 = re.search(r"^\s*99%\s+(\S+)", out, re.M)
    total = re.search(r"(\d+) requests in", out)
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    non2xx = re.search(r"Non-2xx or 3xx responses:\s*(\d+)", out)
    errors += int(non2xx.group(1)) if non2xx else 0
    return Load(float(rps.group(1)) if rps else float("nan"), _ms(p50.group(1)) if p50 else float("nan"),
                _ms(p99.group(1)) if p99 else float("nan"), int(total.group(1)) if total else 0, errors, "wrk", out)


def run_wrk(url: str, seconds: float, connections: int = 32, threads: int = 1) -> Load:
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency", url]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60)
    if proc.returncode != 0:
        raise RuntimeError(f"wrk failed: {proc.stderr.strip()}")
    return parse_wrk(proc.stdout)


async def _client(port: int, path: str, until: float, lat: list[float], errs: list[int]) -> None:
    request = f"GET {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\n\r\n".encode()
    reader, writer = await asyncio.open_connection(HOST, port)
    try:
        while time.perf_counter() < until:
            start = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            await reader.readexactly(length)
            lat.append((time.perf_counter() - start) * 1e3)
            if not head.startswith(b"HTTP/1.1 200"):
                errs[0] += 1
    finally:
        writer.close()


def run_asyncio(port: int, path: str, seconds: float, connections: int = 32) -> Load:
    """The fallback load generator: ``connections`` keep-alive clients for ``seconds``."""
    lat: list[float] = []
    errs = [0]

    async def main() -> float:
        until = time.perf_counter() + seconds
        start = time.perf_counter()
        results = await asyncio.gather(*(_client(port, path, until, lat, errs) for _ in range(connections)),
                                       return_exceptions=True)
        errs[0] += sum(isinstance(r, BaseException) for r in results)
        return time.perf_counter() - start

    elapsed = asyncio.run(main())
    return Load(len(lat) / elapsed, median(lat), pct(lat, 99), len(lat), errs[0], "asyncio client")


def load(port: int, path: str, seconds: float, connections: int) -> Load:
    if shutil.which("wrk"):
        return run_wrk(f"http://{HOST}:{port}{path}", seconds, connections)
    return run_asyncio(port, path, seconds, connections)


def warm_card(srv: Server, path: str) -> tuple[dict[str, str], bytes]:
    """Request ``path`` until it is a memory hit; its headers and body."""
    for _ in range(5):
        status, headers, body = srv.get(path)
        if status != 200:
            raise RuntimeError(f"{path} answered {status}: {body[:200]!r}")
        if headers.get("x-cache") == "memory":
            return headers, body
    raise RuntimeError(f"{path} never became a memory hit (x-cache {headers.get('x-cache')!r})")


def bare_server(data: Path) -> Server:
    port = free_port()
    cmd = [sys.executable, str(Path(bare_app.__file__).resolve()), "--data", str(data), "--port", str(port)]
    return Server(cmd, port, clean_env(), name="bare")


def measure(seconds: float = 10, connections: int = 32, repeats: int = 3, template: str = "plain") -> dict:
    query = urllib.parse.urlencode({"title": CARD_TITLE})
    path = f"/api/og/{template}?{query}"
    with tempfile.TemporaryDirectory(prefix="bench-bare-") as tmp, ogimage_server() as og:
        og.wait_ready()
        headers, body = warm_card(og, path)
        copied = [(k, headers[k]) for k in COPIED_HEADERS if k in headers]
        bare_app.save(Path(tmp), f"/api/og/{template}", query, copied, body)
        with bare_server(Path(tmp)) as bare:
            bare.wait_ready(path=path)
            status, bheaders, bbody = bare.get(path)
            same = status == 200 and bbody == body and all(bheaders.get(k) == v for k, v in copied)
            if not same:
                raise RuntimeError(f"bare app does not answer like ogimage: {status} {bheaders}")
            runs: dict[str, list[Load]] = {"ogimage": [], "bare": []}
            for _ in range(repeats):
                runs["ogimage"].append(load(og.port, path, seconds, connections))
                runs["bare"].append(load(bare.port, path, seconds, connections))
    opts = bare_app.uvicorn_options()
    return {"path": path, "bytes": len(body), "headers": copied, "runs": runs,
            "uvicorn": opts, "impl": bare_app.resolved_impl(opts), "seconds": seconds,
            "connections": connections}


def best(runs: list[Load]) -> Load:
    return max(runs, key=lambda r: r.rps)


def section(seconds: float = 10, connections: int = 32, repeats: int = 3) -> Section:
    m = measure(seconds, connections, repeats)
    og, bare = best(m["runs"]["ogimage"]), best(m["runs"]["bare"])
    r = ratio(og.rps, bare.rps)
    # Each ogimage run with the bare run right after it: the two saw much the same machine.
    pairs = [ratio(o.rps, b.rps) for o, b in zip(m["runs"]["ogimage"], m["runs"]["bare"])]
    rows = [[name, fmt(b.rps, 0), fmt(b.p50_ms, 2), fmt(b.p99_ms, 2), b.requests, b.errors,
             ", ".join(fmt(x.rps, 0) for x in m["runs"][key])]
            for name, key, b in (("ogimage serve", "ogimage", og), ("bare Starlette", "bare", bare))]
    impl = m["impl"]
    body = (f"`{m['path']}` ({m['bytes']:,} B PNG, memory hit), 1 worker each, uvicorn loop "
            f"`{impl['loop']}`, http `{impl['http']}`, options {m['uvicorn']}; "
            f"{og.tool} -t1 -c{connections} -d{seconds:g}s, alternating, best of {repeats}. "
            "ogimage runs with its default settings (access log on), disk cache off.\n\n"
            + table(["server", "requests/s", "p50 ms", "p99 ms", "requests", "errors", "each run rps"], rows)
            + f"\nRatio ogimage / bare: **{fmt(r, 2)}** best / best (target ≥ {TARGET_RATIO:.2f}); "
            f"run by run: {', '.join(fmt(x, 2) for x in pairs)} (median {fmt(median(pairs), 2)}).\n")
    checks = [Check("cache hit rps ogimage / bare Starlette", r, "×", f"≥ {TARGET_RATIO:.2f}",
                    None if r != r else r >= TARGET_RATIO)]
    data = {"ogimage": vars(og) | {"raw": ""}, "bare": vars(bare) | {"raw": ""}, "ratio": r, "pair_ratios": pairs,
            "impl": impl}
    return Section("Cache hit through HTTP", body, checks, data)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args(argv)
    print(section(args.seconds, args.connections, args.repeats).markdown())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
