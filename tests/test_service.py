import asyncio
import threading
from pathlib import Path

import pytest
from service_fakes import FakeEngine, make_service, wait_until

from ogimage.card import Card
from ogimage.errors import CardError, OverloadedError, TemplateNotFound
from ogimage.formats import normalise_format


def card(title: str = "Hello", template: str = "default") -> Card:
    return Card.from_mapping({"title": title}, template=template)


def test_normalise_format():
    assert normalise_format(None) == "png" and normalise_format("JPG") == "jpeg" and normalise_format("webp") == "webp"
    with pytest.raises(CardError) as info:
        normalise_format("gif")
    assert info.value.field == "format"


def test_unknown_template_is_404_before_validation(tmp_path: Path):
    svc = make_service(tmp_path)
    with pytest.raises(TemplateNotFound):
        svc.card({"title": "x"}, "Not A Name")
    with pytest.raises(CardError):
        svc.card({"title": ""}, "default")


def test_memory_then_disk_then_render(tmp_path: Path):
    async def scenario():
        svc = make_service(tmp_path)
        first = await svc.image(card(), "png")
        second = await svc.image(card(), "png")
        await svc.flush()
        svc.close()
        fresh = make_service(tmp_path)  # a restart: empty memory, same disk
        third = await fresh.image(card(), "png")
        fourth = await fresh.image(card(), "png")
        fresh.close()
        return svc, fresh, [first, second, third, fourth]

    svc, fresh, results = asyncio.run(scenario())
    assert [r.level for r in results] == ["render", "memory", "disk", "memory"]
    assert len({r.body for r in results}) == 1 and len({r.etag for r in results}) == 1
    assert svc.renders == 1 and fresh.renders == 0
    assert results[0].content_type == "image/png" and results[0].body.startswith(b"\x89PNG")


def test_single_flight_many_concurrent_requests_one_render(tmp_path: Path):
    engine = FakeEngine(delay=0.2)

    async def scenario():
        svc = make_service(tmp_path, engine)
        results = await asyncio.gather(*(svc.image(card("Same"), "png") for _ in range(100)))
        svc.close()
        return svc, results

    svc, results = asyncio.run(scenario())
    assert engine.calls == 1 and svc.renders == 1
    assert len({r.body for r in results}) == 1
    assert sorted(r.level for r in results).count("render") == 100  # all shared the one fill


def test_cancelled_leader_does_not_cancel_the_shared_render(tmp_path: Path):
    engine = FakeEngine(delay=0.1)

    async def scenario():
        svc = make_service(tmp_path, engine, disk_cache=False)
        leader = asyncio.ensure_future(svc.image(card("C"), "png"))
        await asyncio.sleep(0.01)
        follower = asyncio.ensure_future(svc.image(card("C"), "png"))
        await asyncio.sleep(0.01)
        leader.cancel()
        result = await follower
        svc.close()
        return result

    assert asyncio.run(scenario()).level == "render" and engine.calls == 1


def test_full_queue_is_refused_and_hits_are_not_blocked(tmp_path: Path):
    gate = threading.Event()
    gate.set()
    engine = FakeEngine(gate=gate)

    async def scenario():
        svc = make_service(tmp_path, engine, max_renders=1, max_queue=1, disk_cache=False)
        await svc.image(card("warm"), "png")
        gate.clear()
        running = asyncio.ensure_future(svc.image(card("one"), "png"))
        await wait_until(lambda: engine.calls == 2)
        waiting = asyncio.ensure_future(svc.image(card("two"), "png"))
        await wait_until(lambda: svc.slots.waiting == 1)
        with pytest.raises(OverloadedError) as info:
            await svc.image(card("three"), "png")
        assert info.value.retry_after >= 1
        with pytest.raises(OverloadedError):
            await svc.layout(card("four"))
        hit = await asyncio.wait_for(svc.image(card("warm"), "png"), 1)  # not behind the renders
        gate.set()
        done = await asyncio.gather(running, waiting)
        svc.close()
        return svc, hit, done

    svc, hit, done = asyncio.run(scenario())
    assert hit.level == "memory"
    assert [r.level for r in done] == ["render", "render"]
    assert svc.renders == 3
    text = svc.metrics.render().decode()
    assert 'ogimage_rejected_requests_total{reason="overloaded"} 2.0' in text


def test_render_errors_reach_every_waiter_and_are_not_cached(tmp_path: Path):
    class Broken(FakeEngine):
        def render(self, card, fmt="png"):
            self.calls += 1
            raise CardError("cannot fit", field="title")

    engine = Broken()

    async def scenario():
        svc = make_service(tmp_path, engine)
        results = await asyncio.gather(*(svc.image(card("x"), "png") for _ in range(5)), return_exceptions=True)
        again = await asyncio.gather(svc.image(card("x"), "png"), return_exceptions=True)
        svc.close()
        return results + again

    results = asyncio.run(scenario())
    assert all(isinstance(r, CardError) for r in results)
    assert engine.calls == 2


def test_render_cached_sync_path_shares_the_caches(tmp_path: Path):
    svc = make_service(tmp_path)
    a = svc.render_cached(card(), "webp")
    b = svc.render_cached(card(), "webp")
    other = make_service(tmp_path)
    c = other.render_cached(card(), "webp")
    assert [a.level, b.level, c.level] == ["render", "memory", "disk"]
    assert a.key == svc.key(card(), "webp") and a.content_type == "image/webp"


def test_changed_template_digest_changes_the_key(tmp_path: Path):
    engine = FakeEngine()
    svc = make_service(tmp_path, engine)
    before = svc.key(card(), "png")
    engine.templates["default"] = "digest-default-2"
    assert svc.key(card(), "png") != before


def test_warm_up_gates_readiness_and_makes_the_first_card_cheap() -> None:
    from ogimage.engine import Engine
    from ogimage.service import Service
    from ogimage.settings import Settings

    engine = Engine()
    service = Service(engine, Settings(disk_cache=False))
    try:
        service.start_warm_up()
        assert service._warm is not None
        service._warm.join(timeout=30)
        assert service.ready()
        # Every template's static layers were built by the warm-up.
        from ogimage.draw.canvas import _bases

        for name in engine.template_names():
            assert engine.template(name).digest in _bases
    finally:
        service.close()


def test_resolved_urls_are_bounded_by_size(tmp_path: Path):
    from ogimage import service as service_module

    svc = make_service(tmp_path)
    calls = []
    query = b"title=x&junk=" + b"a" * 16_000  # ignored parameters still make a long URL
    for i in range(1000):
        token = ("/api/og/default", query + str(i).encode())
        assert svc.resolved(token, lambda i=i: calls.append(i) or i) == i
    assert len(calls) == 1000
    assert 0 < svc._resolved.bytes <= service_module.RESOLVED_BYTES
    assert len(svc._resolved) < 1000
    # The most recent URLs are remembered and answered without resolving again.
    last = ("/api/og/default", query + b"999")
    assert svc.peek_resolved(last) == 999 and svc.resolved(last, lambda: -1) == 999
    assert svc.peek_resolved(("/api/og/default", query + b"0")) is None


def test_answer_resolves_a_url_once_and_answers_not_modified_without_an_image(tmp_path: Path):
    asyncio.run(_answer_scenario(tmp_path))


async def _answer_scenario(tmp_path: Path) -> None:
    from ogimage.service import ImageRequest

    svc = make_service(tmp_path, disk_cache=False)
    parsed = []

    def parse() -> ImageRequest:
        parsed.append(1)
        return ImageRequest("default.webp", {"title": "Answer", "v": "2"}, versioned=True)

    token = ("/api/og/default.webp", b"title=Answer&v=2")
    first = await svc.answer(token, parse)
    assert first.rendered is not None and first.rendered.level == "render"
    assert first.resolved.fmt == "webp" and first.resolved.content_type == "image/webp"
    assert first.resolved.versioned and first.resolved.etag == svc.etag(first.resolved.key)
    second = await svc.answer(token, parse)
    assert second.rendered is not None and second.rendered.level == "memory"
    assert second.rendered.body == first.rendered.body
    current = await svc.answer(token, parse, lambda etag: etag == first.resolved.etag)
    assert current.rendered is None and current.resolved == first.resolved
    assert len(parsed) == 1 and svc.renders == 1


def test_render_cached_and_image_share_the_pipeline(tmp_path: Path):
    svc = make_service(tmp_path)
    card = svc.card({"title": "Shared"}, "default")
    first = svc.render_cached(card, "png")
    assert first.level == "render" and (tmp_path / "cache").exists()
    svc.memory.clear()
    again = svc.render_cached(card, "png")
    assert again.level == "disk" and again.body == first.body
    assert svc.render_cached(card, "png").level == "memory" and svc.renders == 1
