"""Single-flight: N concurrent requests for one uncached card cause one render.

Against a real ``ogimage serve --workers 1`` (disk cache off): N connections are opened
first, then each sends ``GET`` for the same never-seen card at once. Every answer must
be 200 with identical bytes, and ``ogimage_renders_total`` on ``/metrics`` must have gone
up by exactly 1.

    python bench/singleflight.py [--requests 100] [--template default]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import urllib.parse
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import Check, Section, fmt, median, table  # noqa: E402
from procs import HOST, Server, metric_values, ogimage_server  # noqa: E402

RENDERS = "ogimage_renders_total"
MISSES = "ogimage_cache_misses_total"


async def _fetch_all(port: int, path: str, n: int, timeout: float = 60) -> list[tuple[int, dict[str, str], bytes, float]]:
    """Open ``n`` connections, then send one GET on each at once; (status, headers, body, ms) each."""
    conns = await asyncio.gather(*(asyncio.open_connection(HOST, port) for _ in range(n)))
    request = f"GET {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\nConnection: close\r\n\r\n".encode()

    async def one(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> tuple[int, dict[str, str], bytes, float]:
        start = time.perf_counter()
        try:
            writer.write(request)
            await writer.drain()
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            status = int(lines[0].split()[1])
            headers = {k.strip().lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:] if ln)}
            body = await reader.readexactly(int(headers.get("content-length", 0)))
            return status, headers, body, (time.perf_counter() - start) * 1e3
        finally:
            writer.close()

    return await asyncio.wait_for(asyncio.gather(*(one(r, w) for r, w in conns)), timeout)


def _metrics(srv: Server) -> str:
    status, _, body = srv.get("/metrics")
    if status != 200:
        raise RuntimeError(f"/metrics answered {status}")
    return body.decode()


def measure(n: int = 100, template: str = "default") -> dict:
    title = f"Single-flight {time.time_ns()}: 同時に{n}件のリクエスト"
    path = f"/api/og/{template}?" + urllib.parse.urlencode({"title": title})
    with ogimage_server() as srv:
        srv.wait_ready()
        before = _metrics(srv)
        answers = asyncio.run(_fetch_all(srv.port, path, n))
        after = _metrics(srv)
    renders = sum(metric_values(after, RENDERS).values()) - sum(metric_values(before, RENDERS).values())
    miss_key = '{level="memory"}'
    misses = metric_values(after, MISSES).get(miss_key, 0) - metric_values(before, MISSES).get(miss_key, 0)
    bodies = {a[2] for a in answers}
    return {
        "requests": n, "ok": sum(a[0] == 200 for a in answers), "distinct_bodies": len(bodies),
        "bytes": len(next(iter(bodies))) if bodies else 0, "renders": renders, "memory_misses": misses,
        "x_cache": dict(Counter(a[1].get("x-cache", "-") for a in answers)),
        "median_ms": median([a[3] for a in answers]), "max_ms": max(a[3] for a in answers),
    }


def section(n: int = 100, template: str = "default") -> Section:
    m = measure(n, template)
    passed = m["ok"] == n and m["distinct_bodies"] == 1 and m["renders"] == 1
    body = (f"{n} connections opened first, then one GET each at once for one never-seen "
            f"`{template}` card; ogimage serve, 1 worker, disk cache off. Render count from `/metrics` "
            f"(`{RENDERS}`).\n\n"
            + table(["requests", "200 OK", "distinct bodies", "PNG B", f"{RENDERS} Δ", "memory misses Δ",
                     "x-cache", "median ms", "max ms"],
                    [[n, m["ok"], m["distinct_bodies"], f"{m['bytes']:,}", fmt(m["renders"], 0),
                      fmt(m["memory_misses"], 0), ", ".join(f"{k}: {v}" for k, v in sorted(m["x_cache"].items())),
                      fmt(m["median_ms"]), fmt(m["max_ms"])]]))
    checks = [Check(f"single-flight: renders for {n} concurrent requests (all 200, same bytes)",
                    m["renders"], "renders", "= 1", passed)]
    return Section("Single-flight", body, checks, m)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=100)
    ap.add_argument("--template", default="default")
    args = ap.parse_args(argv)
    print(section(args.requests, args.template).markdown())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
