"""serve --reload's pieces: the service slot, checked rebuilds, and the watched folders."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from ogimage.errors import TemplateError
from ogimage.preview.reload import ReloadState, Reloader, ServiceSlot, check_service, watched_paths
from ogimage.resources import assets_dir
from ogimage.root import build_service
from ogimage.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
PLAIN = (ROOT / "assets" / "templates" / "plain.toml").read_text()


def red(colour: str = "#ff0000") -> str:
    return PLAIN.replace('"#0f172a"', f'"{colour}"', 1)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "mine.toml").write_text(red())
    return templates


def settings_for(folder: Path, tmp_path: Path) -> Settings:
    return Settings(template_dirs=(folder,), disk_cache=False, cache_dir=tmp_path / "cache")


def corner(client: TestClient) -> tuple[int, ...]:
    answer = client.get("/api/og/mine", params={"title": "Reload", "v": client.get("/preview/api/state").json()["generation"]})
    assert answer.status_code == 200
    return Image.open(io.BytesIO(answer.content)).convert("RGB").getpixel((8, 8))


def test_slot_hands_every_lookup_to_the_current_service(folder: Path, tmp_path: Path) -> None:
    first = build_service(settings_for(folder, tmp_path))
    slot = ServiceSlot(first)
    assert slot.settings is first.settings and slot.template_names() == first.template_names()
    second = build_service(settings_for(folder, tmp_path))
    assert slot.swap(second) is first
    assert slot.current is second and slot.memory is second.memory


def test_rebuild_swaps_in_a_good_build_and_keeps_the_last_good_one(folder: Path, tmp_path: Path) -> None:
    from ogimage.http.app import create_app

    settings = settings_for(folder, tmp_path)
    slot = ServiceSlot(build_service(settings))
    state = ReloadState()
    app = create_app(service=slot)  # type: ignore[arg-type]
    app.state.preview_reload = state
    reloader = Reloader(slot, settings, watched_paths(settings), state)
    with TestClient(app) as client:
        assert corner(client) == (255, 0, 0)

        (folder / "mine.toml").write_text(red("#0000ff"))
        assert reloader.rebuild(["mine.toml"]) is True
        assert state.generation == 1 and state.error is None
        assert corner(client) == (0, 0, 255)

        before = slot.current
        (folder / "mine.toml").write_text(red("#00ff00") + "\nmax_lines = \n")
        assert reloader.rebuild(["mine.toml"]) is False
        assert slot.current is before and state.generation == 1
        assert state.error is not None and "mine.toml" in state.error
        body = client.get("/preview/api/state").json()
        assert body["reload"] is True and body["error"] == state.error
        assert corner(client) == (0, 0, 255)  # the last good version keeps serving

        (folder / "mine.toml").write_text(red("#00ff00"))
        assert reloader.rebuild() is True and state.error is None and state.generation == 2
        assert corner(client) == (0, 255, 0)


def test_check_service_names_the_broken_file(folder: Path, tmp_path: Path) -> None:
    (folder / "broken.toml").write_text("width = 1200\n")
    with pytest.raises(TemplateError) as caught:
        check_service(build_service(settings_for(folder, tmp_path)))
    assert "broken.toml" in caught.value.format_message()


def test_watched_paths(folder: Path, tmp_path: Path) -> None:
    fonts = tmp_path / "fonts"
    fonts.mkdir()
    settings = Settings(template_dirs=(folder, tmp_path / "absent"), font_dirs=(fonts,))
    assert watched_paths(settings) == [assets_dir(), folder, fonts]


def test_the_watcher_rebuilds_when_a_font_folder_changes(folder: Path, tmp_path: Path) -> None:
    pytest.importorskip("watchfiles", reason="serve --reload needs watchfiles (pip install -e '.[test]')")
    import time

    fonts = tmp_path / "fonts"
    fonts.mkdir()
    settings = Settings(template_dirs=(folder,), font_dirs=(fonts,), disk_cache=False, cache_dir=tmp_path / "c")
    slot = ServiceSlot(build_service(settings))
    first = slot.current
    state = ReloadState()
    reloader = Reloader(slot, settings, [fonts], state)
    reloader.start()
    try:
        time.sleep(0.3)  # let the watcher start watching before the change (not an assertion)
        (fonts / "Thai.ttf").write_bytes((ROOT / "fonts" / "NotoSansThai-Regular.ttf").read_bytes())
        deadline = time.monotonic() + 30
        while state.generation == 0 and state.error is None:
            assert time.monotonic() < deadline, "the watcher never rebuilt the service"
            time.sleep(0.05)
        assert state.error is None and state.generation >= 1  # one write may be seen as several changes
        assert slot.current is not first
    finally:
        reloader.stop.set()


def _metric(text: str, name: str) -> float:
    found = re.findall(rf"^{re.escape(name)} (\S+)$", text, re.M)
    assert len(found) == 1, f"{name} not in /metrics"
    return float(found[0])


def test_metrics_after_a_reload_report_the_live_service(folder: Path, tmp_path: Path) -> None:
    pytest.importorskip("watchfiles", reason="serve --reload needs watchfiles (pip install -e '.[test]')")
    from ogimage.preview.reload import create_reloading_app

    app = create_reloading_app(settings_for(folder, tmp_path))  # what serve --reload runs
    reloader = app.state.preview_reloader
    reloader.stop.set()  # this test swaps by hand; the watcher thread ends
    with TestClient(app) as client:
        for title in ("one", "two"):
            assert client.get("/api/og/mine", params={"title": title}).status_code == 200
        (folder / "mine.toml").write_text(red("#0000ff"))
        assert reloader.rebuild(["mine.toml"]) is True
        assert client.get("/api/og/mine", params={"title": "three"}).status_code == 200
        metrics = client.get("/metrics").text
        (folder / "mine.toml").write_text(red("#00ff00") + "\nmax_lines = \n")
        assert reloader.rebuild(["mine.toml"]) is False  # a failed build: the last good one serves
        after_failure = client.get("/metrics").text
    assert _metric(metrics, "ogimage_renders_total") == 3  # counters go on across the reload
    live = reloader.slot.current.memory
    for text in (metrics, after_failure):
        assert _metric(text, 'ogimage_cache_entries{level="memory"}') == len(live) == 1
        assert _metric(text, 'ogimage_cache_bytes{level="memory"}') == live.bytes
    assert 'ogimage_requests_total{route="/api/og/{template}",status="200"} 3.0' in metrics
