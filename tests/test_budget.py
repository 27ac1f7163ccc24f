"""The per-render time budget (ogimage/budget.py, OGIMAGE_RENDER_TIMEOUT): a clear 503, a free slot."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from http_checks import assert_error
from service_fakes import FakeEngine, make_app

from ogimage import budget
from ogimage.errors import RenderTimeout


class Endless(FakeEngine):
    """Renders 'slow…' titles for ever, passing the budget's checkpoints (as the real path does)."""

    def render(self, card, fmt="png"):
        if card.title.startswith("slow"):
            while True:
                budget.check()
                time.sleep(0.001)
        return super().render(card, fmt)


class Stuck(FakeEngine):
    """Renders 'stuck' titles by blocking without any checkpoint (one long call inside Pillow)."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()

    def render(self, card, fmt="png"):
        if card.title == "stuck":
            self.release.wait(30)
        return super().render(card, fmt)


def test_check_outside_a_deadline_does_nothing_and_inside_raises_once_spent():
    budget.check()
    with budget.deadline(60):
        budget.check()
    with budget.deadline(0.0), pytest.raises(RenderTimeout) as err:
        time.sleep(0.001)
        budget.check()
    assert err.value.status == 503 and "0 s budget" in err.value.reason
    budget.check()  # the deadline ended with its block


def test_a_render_over_budget_gets_503_and_its_slot_is_free_again(tmp_path: Path):
    engine = Endless()
    app = make_app(tmp_path, engine, render_timeout=0.2, max_renders=1, disk_cache=False)
    with TestClient(app) as c:
        for title in ("slow one", "slow two"):  # one render slot: the first must have given it back
            r = c.get("/api/og/default", params={"title": title})
            body = assert_error(r, 503, None)
            assert "0.2 s budget" in body["error"]["reason"] and int(r.headers["retry-after"]) >= 1
            assert r.headers["cache-control"] == "no-store"
        assert c.get("/api/og/default", params={"title": "fast"}).status_code == 200
        metrics = c.get("/metrics").text
        assert 'ogimage_rejected_requests_total{reason="timeout"} 2.0' in metrics


def test_a_render_stuck_between_checks_still_answers_on_time_and_others_are_served(tmp_path: Path):
    engine = Stuck()
    app = make_app(tmp_path, engine, render_timeout=0.2, max_renders=2, disk_cache=False)
    with TestClient(app) as c:
        assert c.get("/api/og/default", params={"title": "cached"}).status_code == 200
        assert_error(c.get("/api/og/default", params={"title": "stuck"}), 503, None)
        # The worker answers others meanwhile: a cached card and a new one in the other slot.
        assert c.get("/api/og/default", params={"title": "cached"}).headers["x-cache"] == "memory"
        assert c.get("/api/og/default", params={"title": "new"}).status_code == 200
        engine.release.set()


def test_the_real_render_path_checks_the_budget(tmp_path: Path, engine):
    """A budget already spent stops a real render at its first checkpoint (no fake engine)."""
    app = make_app(tmp_path, engine, render_timeout=1e-9, disk_cache=False)
    with TestClient(app) as c:
        for path in ("/api/og/default", "/api/layout/default"):
            r = c.get(path, params={"title": "A brand new title for the budget test"})
            assert_error(r, 503, None)
    with budget.deadline(1e-9), pytest.raises(RenderTimeout):
        time.sleep(0.001)
        from ogimage.card import Card

        engine.render(Card(title="Another new title, drawn directly"), "png")
