"""ogimage.batch.runner: jobs rendered on a process pool, atomically, skipping unchanged keys."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from ogimage.batch.runner import TEMP_SUFFIX, Job, run_jobs
from ogimage.root import build_service
from ogimage.settings import Settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(disk_cache=False)


def jobs_in(out: Path, n: int = 6) -> list[Job]:
    return [Job({"title": f"Card {i}", "tags": ["a"]}, "default", out / f"p{i}.png", source=f"p{i}.md")
            for i in range(n)]


@pytest.mark.parametrize("count", [1, 2])
def test_renders_the_same_bytes_as_the_service(tmp_path: Path, settings: Settings, count: int) -> None:
    jobs = jobs_in(tmp_path, 5)
    seen = []
    outcomes = run_jobs(jobs, jobs_count=count, settings=settings, on_done=seen.append)
    assert [o.job for o in outcomes] == jobs  # in job order
    assert {o.status for o in outcomes} == {"rendered"} and len(seen) == 5
    service = build_service(settings)
    for o in outcomes:
        card = service.card(o.job.fields, o.job.template)
        rendered = service.render_cached(card, "png")
        assert o.key == rendered.key
        assert o.job.output.read_bytes() == rendered.body
    assert Image.open(jobs[0].output).size == (1200, 630)
    assert not list(tmp_path.glob(f"*{TEMP_SUFFIX}"))


def test_unchanged_keys_are_not_rendered(tmp_path: Path, settings: Settings) -> None:
    jobs = jobs_in(tmp_path, 4)
    first = run_jobs(jobs, jobs_count=2, settings=settings)
    previous = {str(o.job.output): o.key for o in first}
    jobs[1].output.unlink()  # a missing output is rendered again
    before = jobs[0].output.stat().st_mtime_ns
    again = run_jobs(jobs, jobs_count=2, settings=settings, previous=previous)
    assert [o.status for o in again] == ["unchanged", "rendered", "unchanged", "unchanged"]
    assert jobs[0].output.stat().st_mtime_ns == before and jobs[1].output.exists()
    forced = run_jobs(jobs, jobs_count=2, settings=settings, previous=previous, force=True)
    assert {o.status for o in forced} == {"rendered"}


def test_bad_jobs_fail_alone(tmp_path: Path, settings: Settings) -> None:
    (tmp_path / "blocked").write_text("a file where a folder should be")
    jobs = [
        Job({"title": "Good"}, "default", tmp_path / "good.png"),
        Job({"title": ""}, "default", tmp_path / "empty.png"),
        Job({"title": "x"}, "no-such", tmp_path / "t.png"),
        Job({"title": "x"}, "default", tmp_path / "blocked" / "x.png"),
        Job({"title": "webp"}, "plain", tmp_path / "w.webp", fmt="webp"),
    ]
    outcomes = run_jobs(jobs, jobs_count=2, settings=settings)
    assert [o.status for o in outcomes] == ["rendered", "failed", "failed", "failed", "rendered"]
    assert "title" in outcomes[1].error
    assert "no-such" in outcomes[2].error and "available" in outcomes[2].error
    assert "cannot write" in outcomes[3].error
    assert Image.open(tmp_path / "w.webp").format == "WEBP"
