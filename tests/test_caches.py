"""ogimage.caches: one size-bounded cache, and the registry /metrics reads."""

from __future__ import annotations

import gc

from ogimage.caches import ENTRY_OVERHEAD, Registry, SizedCache, registry, text_cost


def test_bounded_by_cost_not_by_entries() -> None:
    cache: SizedCache[str, bytes] = SizedCache("t-bytes", 1000, lambda k, v: len(v))
    for i in range(10):
        cache.put(f"k{i}", b"x" * 300)
    assert cache.bytes == 900 and len(cache) == 3  # only the newest three fit
    assert list(cache) == ["k7", "k8", "k9"]
    assert cache.put("small", b"x" * 10) and len(cache) == 4
    assert not cache.put("huge", b"x" * 1001) and "huge" not in cache and cache.bytes == 910


def test_lru_keeps_what_is_read_and_fifo_does_not() -> None:
    for lru, survivor in ((True, "a"), (False, "b")):
        cache: SizedCache[str, int] = SizedCache("t-order", 2, lambda k, v: 1, lru=lru)
        cache.put("a", 1)
        cache.put("b", 2)
        assert cache.get("a") == 1
        cache.put("c", 3)
        assert survivor in cache and len(cache) == 2


def test_replacing_an_entry_recounts_its_cost() -> None:
    cache: SizedCache[str, bytes] = SizedCache("t-replace", 100, lambda k, v: len(v))
    cache.put("a", b"x" * 60)
    cache.put("a", b"x" * 10)
    assert cache.bytes == 10 and cache.get("a") == b"x" * 10
    assert cache.get_or_make("b", lambda: b"yy") == b"yy" and cache.get_or_make("b", lambda: b"zz") == b"yy"


def test_registry_sums_instances_by_name_and_clears_them() -> None:
    reg = Registry()
    a: SizedCache[str, bytes] = SizedCache("t-reg", 100, lambda k, v: len(v))
    b: SizedCache[str, bytes] = SizedCache("t-reg", 50, lambda k, v: len(v))
    reg.register(a)
    reg.register(b)
    a.put("1", b"abc")
    b.put("2", b"de")
    assert reg.sizes() == {"t-reg": {"bytes": 5, "entries": 2, "max_bytes": 150}}
    reg.clear()
    assert len(a) == len(b) == 0 and a.bytes == 0
    del a, b
    gc.collect()
    assert reg.sizes() == {}  # held weakly: a cache dies with its owner


def test_text_cost_counts_the_text() -> None:
    assert text_cost("abcd", 3, None) == ENTRY_OVERHEAD + 8


def test_every_rendering_cache_is_registered_and_within_its_limit(engine) -> None:
    engine.render(engine.card({"title": "Cache check 🚀 日本語 한국어 العربية"}, "default"))
    sizes = registry.sizes()
    for name in ("pieces", "glyphs", "emoji", "runs", "advances", "measures", "bands", "template_bands", "fonts"):
        assert name in sizes, name
        assert 0 < sizes[name]["bytes"] <= sizes[name]["max_bytes"], (name, sizes[name])


def test_the_emoji_cache_is_bounded_by_bytes(engine) -> None:
    """One emoji image costs its RGBA bytes: the cache holds a few hundred, not 2,048 10-MB ones."""
    from ogimage.draw import text

    engine.render(engine.card({"title": "😀😃😄😁😆😅🤣😂🙂🙃"}, "plain"))
    cache = text._emoji_cache
    assert cache.bytes > 10 * 4 * 32 * 32  # ten colour images of at least 32x32 px
    assert cache.bytes <= text.EMOJI_CACHE_BYTES


def test_metrics_report_each_cache_by_name(client) -> None:
    assert client.get("/api/og/default?title=Metrics").status_code == 200
    text = client.get("/metrics").text
    images = [line for line in text.splitlines() if line.startswith('ogimage_internal_cache_bytes{cache="images"}')]
    assert images and float(images[0].split()[-1]) > 0
    assert 'ogimage_internal_cache_entries{cache="resolved_urls"}' in text


def test_architecture_md_states_each_cache_limit(engine) -> None:
    """The limits table in ARCHITECTURE.md is the code's: every cache named there, at that size."""
    import re
    from pathlib import Path

    text = (Path(__file__).resolve().parent.parent / "ARCHITECTURE.md").read_text(encoding="utf-8")
    documented = {m[0]: int(m[1]) << 20 for m in re.findall(r"^\| `(\w+)` \|[^|]*\| (\d+) MiB", text, re.M)}
    for template in ("plain", "default", "light"):
        engine.render(engine.card({"title": "Limits 🚀 日本語"}, template))
    live = {c.name: c.max_bytes for c in registry.caches() if not c.name.startswith("t-")}
    live.pop("images", None)  # OGIMAGE_MEMORY_CACHE_BYTES: a setting, documented with it
    assert set(documented) == set(live), (sorted(documented), sorted(live))
    for name, limit in live.items():
        assert documented[name] == limit, name
