"""Progress for ``ogimage batch``: a bar on a terminal, one plain line per file elsewhere.

On a terminal (stderr is a TTY) a tqdm bar shows counts, rate and time left; failures
are printed above it as they happen. Elsewhere (CI logs, pipes) each file gets one line::

    rendered   content/blog/post.md -> public/og/blog/post.png
    unchanged  content/about.md
    skipped    content/draft.md (draft)
    failed     content/broken.md:4: YAML: …

``quiet`` prints nothing but failures. :func:`summary` is the closing line.
"""

from __future__ import annotations

import sys
from collections import Counter
from typing import IO, Any

MODES = ("bar", "lines", "quiet")


def choose_mode(quiet: bool, stream: IO[str]) -> str:
    """``quiet`` if asked, ``bar`` on a terminal, ``lines`` otherwise."""
    if quiet:
        return "quiet"
    isatty = getattr(stream, "isatty", None)
    return "bar" if isatty is not None and isatty() else "lines"


class Progress:
    """Counts what happened to each page and shows it in the chosen mode."""

    def __init__(self, mode: str = "lines", *, stream: IO[str] | None = None) -> None:
        self.mode = mode
        self.stream = stream if stream is not None else sys.stderr
        self.counts: Counter[str] = Counter()
        self.skips: Counter[str] = Counter()
        self._bar: Any = None

    def start(self, total: int) -> None:
        """Open the bar for ``total`` pages (no-op in the other modes)."""
        if self.mode == "bar" and total:
            from tqdm import tqdm

            self._bar = tqdm(total=total, unit="page", file=self.stream, dynamic_ncols=True, leave=False,
                             smoothing=0.1)

    def report(self, status: str, source: str, detail: str = "") -> None:
        """One page's fate: ``rendered``/``unchanged`` (detail: output), ``skipped`` (why), ``failed`` (error)."""
        self.counts[status] += 1
        if status == "skipped":
            self.skips[detail.split(":")[0]] += 1
        if self._bar is not None:
            if status == "failed":
                self._bar.write(f"failed     {detail}", file=self.stream)
            self._bar.update(1)
            return
        if self.mode in ("quiet", "bar") and status != "failed":
            return  # the bar (or the summary) counts it
        if status == "failed":
            line = f"failed     {detail}"
        elif status == "skipped":
            line = f"skipped    {source} ({detail})"
        elif status == "rendered" and detail:
            line = f"rendered   {source} -> {detail}"
        else:
            line = f"{status:<10} {source}"
        print(line, file=self.stream, flush=True)

    def note(self, message: str) -> None:
        """A line that is not about one page (stale outputs, collisions, watch events)."""
        if self.mode == "quiet":
            return
        if self._bar is not None:
            self._bar.write(message, file=self.stream)
        else:
            print(message, file=self.stream, flush=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def summary(progress: Progress, seconds: float, *, dry_run: bool = False) -> str:
    """``12 rendered, 3 unchanged, 2 skipped (1 draft, 1 has its own image), 1 failed in 0.8 s (15 pages/s)``."""
    c = progress.counts
    verb = "to render" if dry_run else "rendered"
    parts = [f"{c['rendered']} {verb}", f"{c['unchanged']} unchanged"]
    skipped = f"{c['skipped']} skipped"
    if progress.skips:
        skipped += " (" + ", ".join(f"{n} {why}" for why, n in sorted(progress.skips.items())) + ")"
    parts += [skipped, f"{c['failed']} failed"]
    rate = f" ({c['rendered'] / seconds:.0f} pages/s)" if c["rendered"] and seconds > 0 and not dry_run else ""
    return ", ".join(parts) + f" in {seconds:.2f} s{rate}"
