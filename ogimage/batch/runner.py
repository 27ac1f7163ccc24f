"""Render many cards on every core, writing each output atomically; skip what has not changed.

:func:`run_jobs` is the engine room of ``ogimage batch`` (and of the MkDocs and Sphinx
integrations). The parent builds one service to validate every card and compute its
content key (cheap: no drawing), so unchanged jobs never reach a worker. The rest go to
a process pool whose initializer gives each worker ONE service (fonts and templates are
loaded once per worker, not per page; with ``fork`` the workers inherit the parent's).
Each worker renders through :meth:`Service.render_cached` (the same key and bytes as the
HTTP endpoint) and writes the file itself through a temporary file and ``os.replace``,
so an output is either the old file, the new file, or absent — never half written.

Ctrl-C: workers ignore SIGINT; the parent stops handing out work, waits for the renders
already running (each a few milliseconds), reports them, and re-raises
:class:`KeyboardInterrupt` with the finished outcomes in ``exc.outcomes``.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import tempfile
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import OgImageError
from ..root import build_service
from ..settings import Settings

if TYPE_CHECKING:
    from ..service import Service

#: Suffix of the temporary files outputs are written through; a killed run may leave some.
TEMP_SUFFIX = ".ogimage-tmp"


@dataclass(frozen=True, slots=True)
class Job:
    """One card to render into ``output``."""

    fields: dict[str, Any]
    template: str
    output: Path
    fmt: str = "png"
    source: str = ""


@dataclass
class Outcome:
    """What became of one job: ``rendered``, ``unchanged`` or ``failed`` (with ``error``)."""

    job: Job
    status: str  # "rendered" | "unchanged" | "failed"
    key: str | None
    error: str | None
    level: str | None = field(default=None)  # where a rendered image came from: render, memory, disk


class Interrupted(KeyboardInterrupt):
    """Ctrl-C during :func:`run_jobs`; ``outcomes`` holds every job that finished."""

    def __init__(self, outcomes: list[Outcome]) -> None:
        super().__init__()
        self.outcomes = outcomes


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and ``os.replace``.

    Readers see the old file or the new one, never a part. Costs one extra rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TEMP_SUFFIX, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def default_jobs() -> int:
    """The number of cores this process may use."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


# -- the worker side ----------------------------------------------------------------

_service: Service | None = None  # this process's service (a worker's, or the parent's when forked)


def _init_worker(settings: Settings | None, template_dirs: Sequence[Path], font_dirs: Sequence[Path]) -> None:
    """Pool initializer: ignore Ctrl-C (the parent decides) and make sure there is one service."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    global _service
    if _service is None:  # spawn/forkserver: nothing inherited
        _service = build_service(settings, template_dirs=template_dirs, font_dirs=font_dirs)


def _render_one(service: Service, job: Job) -> tuple[str, str]:
    card = service.card(job.fields, job.template)
    rendered = service.render_cached(card, job.fmt)
    write_atomic(job.output, rendered.body)
    return rendered.key, rendered.level


def _worker_render(job: Job) -> tuple[str, str | None, str | None]:
    """(status, key or level, error) for one job, in a worker: errors are data, not exceptions."""
    assert _service is not None
    try:
        key, level = _render_one(_service, job)
    except OgImageError as exc:
        return "failed", None, exc.format_message()
    except OSError as exc:
        return "failed", None, f"{job.output}: cannot write: {exc.strerror or exc}"
    return "rendered", key, level


def _worker_render_chunk(jobs: Sequence[Job]) -> list[tuple[str, str | None, str | None]]:
    """:func:`_worker_render` for each job of a chunk, in order."""
    return [_worker_render(job) for job in jobs]


# -- the parent side ----------------------------------------------------------------

def plan_jobs(service: Service, jobs: Sequence[Job], previous: Mapping[str, str], force: bool,
              ) -> tuple[list[Outcome], list[tuple[Job, str]]]:
    """Validate each job and compute its key: the finished outcomes (failed, unchanged), and
    the ``(job, key)`` pairs left to render. No drawing: ~20-70 µs a job."""
    done: list[Outcome] = []
    todo: list[tuple[Job, str]] = []
    for job in jobs:
        try:
            fmt = service.format(job.fmt)
            if fmt != job.fmt:
                job = Job(job.fields, job.template, job.output, fmt, job.source)
            key = service.key(service.card(job.fields, job.template), fmt)
        except OgImageError as exc:
            done.append(Outcome(job, "failed", None, exc.format_message()))
            continue
        if not force and previous.get(str(job.output)) == key and job.output.exists():
            done.append(Outcome(job, "unchanged", key, None))
        else:
            todo.append((job, key))
    return done, todo


def run_jobs(
    jobs: Sequence[Job],
    *,
    jobs_count: int | None = None,
    settings: Settings | None = None,
    template_dirs: Sequence[Path] = (),
    font_dirs: Sequence[Path] = (),
    previous: Mapping[str, str] | None = None,
    force: bool = False,
    on_done: Callable[[Outcome], None] | None = None,
    service: Service | None = None,
) -> list[Outcome]:
    """Render ``jobs`` (on ``jobs_count`` processes, default every core); one :class:`Outcome` each.

    ``previous`` maps an output path (``str(job.output)``) to its content key from the last
    run: a job whose key is the same and whose output exists is ``unchanged`` and costs only
    its key (~20 µs). ``force`` renders all. A bad card or an unwritable output is a
    ``failed`` outcome with a one-line ``error``; other jobs go on. ``on_done`` is called in
    this process, in completion order. Outcomes come back in the order of ``jobs``.
    Raises :class:`Interrupted` (a ``KeyboardInterrupt``) on Ctrl-C, after the running
    renders finish. ``service`` reuses a service the caller built (watch mode, plugins).
    """
    global _service
    if service is None:
        service = build_service(settings, template_dirs=template_dirs, font_dirs=font_dirs)
    done, todo = plan_jobs(service, jobs, previous or {}, force)
    outcomes: dict[int, Outcome] = {}
    index = {id(job): i for i, job in enumerate(jobs)}

    def finish(outcome: Outcome) -> None:
        outcomes[len(outcomes)] = outcome
        if on_done is not None:
            on_done(outcome)

    for outcome in done:
        finish(outcome)
    workers = max(1, min(jobs_count or default_jobs(), len(todo)))
    try:
        if workers == 1 or len(todo) < 2:
            _render_here(service, todo, finish)
        else:
            _service = service  # a forked worker inherits it: fonts and templates already loaded
            _render_pool(todo, workers, settings, template_dirs, font_dirs, finish)
    except KeyboardInterrupt:
        raise Interrupted(_ordered(outcomes, index)) from None
    return _ordered(outcomes, index)


def _ordered(outcomes: Mapping[int, Outcome], index: Mapping[int, int]) -> list[Outcome]:
    return sorted(outcomes.values(), key=lambda o: index.get(id(o.job), len(index)))


def _render_here(service: Service, todo: Sequence[tuple[Job, str]], finish: Callable[[Outcome], None]) -> None:
    """Render in this process (``--jobs 1``, or a single card: no pool to start)."""
    for job, key in todo:
        try:
            rendered_key, level = _render_one(service, job)
            finish(Outcome(job, "rendered", rendered_key, None, level))
        except OgImageError as exc:
            finish(Outcome(job, "failed", key, exc.format_message()))
        except OSError as exc:
            finish(Outcome(job, "failed", key, f"{job.output}: cannot write: {exc.strerror or exc}"))


def _context() -> Any:
    """``fork`` where the platform has it (workers inherit the loaded engine), else the default."""
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else None)


def locality(job: Job) -> tuple[str, str, str, str]:
    """A sort key that puts pages sharing a template, script and words next to each other.

    Workers take consecutive chunks of the sorted list, so each sees fewer distinct glyphs
    and words: fewer first-seen pieces are drawn twice (once in each worker)."""
    title = str(job.fields.get("title", ""))
    script = "latin"
    for ch in title:
        if ord(ch) > 0x2FF and ch.isalpha():
            name = unicodedata.name(ch, "")
            script = "ja" if name.startswith(("HIRAGANA", "KATAKANA")) else name.split(" ")[0]
            if script == "ja":
                break
    return job.template, str(job.fields.get("lang") or ""), script, title


def chunks(todo: Sequence[tuple[Job, str]], workers: int) -> list[list[tuple[Job, str]]]:
    """``todo`` in locality order, cut in chunks of 1-32 jobs (~16 per worker): a chunk is one task."""
    ordered = sorted(todo, key=lambda item: locality(item[0]))
    size = max(1, min(32, len(ordered) // (workers * 16) or 1))
    return [ordered[i:i + size] for i in range(0, len(ordered), size)]


def _render_pool(todo: Sequence[tuple[Job, str]], workers: int, settings: Settings | None,
                 template_dirs: Sequence[Path], font_dirs: Sequence[Path],
                 finish: Callable[[Outcome], None]) -> None:
    """Render ``todo`` on ``workers`` processes in chunks, at most 2 chunks per worker in flight."""
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=_context(), initializer=_init_worker,
                               initargs=(settings, tuple(template_dirs), tuple(font_dirs)))
    pending: dict[Future[Any], list[tuple[Job, str]]] = {}
    queue = iter(chunks(todo, workers))
    try:
        while True:
            while len(pending) < workers * 2:
                chunk = next(queue, None)
                if chunk is None:
                    break
                pending[pool.submit(_worker_render_chunk, [job for job, _key in chunk])] = chunk
            if not pending:
                break
            ready, _ = wait(pending, return_when=FIRST_COMPLETED)
            for fut in ready:
                for outcome in _outcomes(pending.pop(fut), fut):
                    finish(outcome)
    except KeyboardInterrupt:
        for fut in pending:
            fut.cancel()
        for fut, chunk in pending.items():  # the running ones finish (workers ignore SIGINT)
            if not fut.cancelled():
                for outcome in _outcomes(chunk, fut):
                    finish(outcome)
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _outcomes(chunk: Sequence[tuple[Job, str]], fut: Future[Any]) -> list[Outcome]:
    try:
        results = fut.result()
    except Exception as exc:  # noqa: BLE001 - a worker died (killed, out of memory): report, go on
        return [Outcome(job, "failed", key, f"worker failed: {exc!r}") for job, key in chunk]
    out = []
    for (job, key), (status, value, error) in zip(chunk, results):
        if status == "rendered":
            out.append(Outcome(job, "rendered", key, None, value))
        else:
            out.append(Outcome(job, "failed", key, error))
    return out
