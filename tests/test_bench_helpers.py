"""The bench/ helpers that parse and classify (no timing here: speed is measured by bench/run.py)."""

from __future__ import annotations

import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))

import corpus  # noqa: E402
import http_load  # noqa: E402
import peers  # noqa: E402
from common import Check, pct, table  # noqa: E402
from procs import metric_values  # noqa: E402

# The peers' titles.txt, in its documented order: ja / zh-Hans / zh-Hant / ko / en / mixed / emoji / URL.
PEER_GROUPS = (["ja"] * 4 + ["zh-Hans"] * 3 + ["zh-Hant"] * 3 + ["ko"] * 2 + ["en"] * 4 + ["mixed"] * 4
               + ["emoji", "en", "en", "mixed"])


def test_peer_titles_get_their_documented_groups():
    assert [t.group for t in corpus.load_peers()] == PEER_GROUPS


def test_tsv_groups():
    by_text = {t.text: t.group for t in corpus.load_tsv()}
    assert by_text["😀😃😄😁😆😅🤣😂🙂🙃🫠😉😊😇🥰😍🤩😘"] == "emoji"
    assert by_text["הקרב הבא הוא על יכולת ההסקה"] == "rtl/other"
    assert by_text["MoE×RL：DeepSeek-R1に学ぶ「効率」という武器 🚀"] == "mixed"
    assert set(by_text.values()) <= set(corpus.GROUPS)


def test_distinct_titles_differ():
    assert len({corpus.distinct("同じ", i) for i in range(100)}) == 100


def test_pct_is_nearest_rank():
    xs = list(range(1, 21))
    assert pct(xs, 95) == 19
    assert pct(xs, 50) == 10
    assert pct([5.0], 99) == 5.0


WRK = """Running 10s test @ http://127.0.0.1:8000/api/og/plain?title=x
  1 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    10.50ms    2.00ms  40.00ms   90.00%
    Req/Sec     3.05k   200.00     3.50k    80.00%
  Latency Distribution
     50%  850.00us
     75%   10.10ms
     90%   12.00ms
     99%    1.20s
  30500 requests in 10.00s, 400.00MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 4
Requests/sec:   3049.50
Transfer/sec:     40.00MB
"""


def test_parse_wrk():
    load = http_load.parse_wrk(WRK)
    assert load.rps == 3049.5
    assert load.p50_ms == 0.85
    assert load.p99_ms == 1200.0
    assert load.requests == 30500
    assert load.errors == 7


def test_parse_peer_summary_lines():
    s = peers.parse_line(
        "SUMMARY takumi (@takumi-rs/core 0.6): n=72 (24 titles x 3 rounds) median=21.3ms p95=40.1ms "
        "mean_png_bytes=24567 startup_to_ready=350.2ms round_medians=22.0/21.0ms rss_end=180MB", "takumi")
    assert s is not None and not s.failed
    assert s.label == "takumi (@takumi-rs/core 0.6)"
    assert (s.get("median"), s.get("p95"), s.get("mean_png_bytes"), s.get("rss_end")) == (21.3, 40.1, 24567, 180)
    failed = peers.parse_line("SUMMARY floor: FAILED rc=1 (see out/logs/floor.log)", "floor")
    assert failed is not None and failed.failed
    assert peers.parse_line("takumi 01 total=12.0ms") is None


def test_read_logs_takes_each_peers_last_summary(tmp_path: Path):
    (tmp_path / "ogimage.log").write_text("x\nSUMMARY ogimage 0.1.0 template=plain: median=30.0ms p95=50.0ms\n")
    (tmp_path / "satori.log").write_text("no summary here\n")
    found = peers.read_logs(tmp_path)
    assert [(p.peer, p.get("median")) for p in found] == [("ogimage", 30.0)]
    assert "30.0" in peers.section(tmp_path).body


def test_metric_values():
    text = ('# HELP ogimage_renders_total Images drawn.\n# TYPE ogimage_renders_total counter\n'
            'ogimage_renders_total 3.0\nogimage_cache_misses_total{level="memory"} 7.0\n'
            'ogimage_cache_misses_total{level="disk"} 2.0\n')
    assert metric_values(text, "ogimage_renders_total") == {"": 3.0}
    assert metric_values(text, "ogimage_cache_misses_total") == {'{level="memory"}': 7.0, '{level="disk"}': 2.0}


def test_check_verdicts_and_table():
    assert Check("x", 1.0, "s", "< 2", True).verdict == "PASS"
    assert Check("x", 3.0, "s", "< 2", False).verdict == "MISS"
    assert Check("x", 3.0, "ms", "-", None).verdict == "info"
    assert table(["a", "b"], [[1, 2]]).splitlines()[1] == "| --- | ---: |"
