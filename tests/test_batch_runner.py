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


def test_chunks_cover_every_job_once_grouped_by_script(tmp_path: Path) -> None:
    from ogimage.batch.runner import chunks, locality

    titles = ["日本語のタイトル", "Hello", "한국어 제목", "中文标题", "カタカナ", "World", "مرحبا"] * 40
    todo = [(Job({"title": f"{t} {i}"}, "default", tmp_path / f"{i}.png"), f"k{i}") for i, t in enumerate(titles)]
    parts = chunks(todo, 2)
    flat = [item for part in parts for item in part]
    assert sorted(key for _job, key in flat) == sorted(key for _job, key in todo)
    assert all(1 <= len(part) <= 32 for part in parts)
    scripts = [locality(job)[2] for job, _key in flat]
    assert len(set(scripts)) == 5  # latin, ja, HANGUL, CJK, ARABIC
    changes = sum(a != b for a, b in zip(scripts, scripts[1:]))
    assert changes == 4  # each script in one run
