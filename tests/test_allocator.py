"""ogimage serve caps glibc's malloc arenas for itself and the workers it starts."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from pathlib import Path

import pytest

from serve_helpers import children, serve

CHECK = ("import os, ogimage.allocator as a; print(a.limit_arenas(), os.environ.get('MALLOC_ARENA_MAX'))")


def _run(env: dict[str, str]) -> str:
    return subprocess.run([sys.executable, "-c", CHECK], env=env, capture_output=True, text=True,
                          check=True).stdout.split()


@pytest.mark.skipif(platform.system() != "Linux" or platform.libc_ver()[0] != "glibc", reason="glibc only")
def test_arenas_are_capped_unless_the_operator_chose() -> None:
    env = {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"}
    assert _run(env) == ["True", "2"]
    assert _run({**env, "MALLOC_ARENA_MAX": "4"}) == ["False", "4"]


@pytest.mark.skipif(platform.system() != "Linux" or platform.libc_ver()[0] != "glibc", reason="glibc only")
@pytest.mark.skipif("MALLOC_ARENA_MAX" in os.environ, reason="the operator's own setting wins")
def test_serve_workers_start_with_the_cap(tmp_path) -> None:
    """With two workers, each spawned worker process starts with MALLOC_ARENA_MAX=2."""
    with serve(tmp_path, workers=2) as srv:
        workers = children(srv.proc.pid)
        assert len(workers) == 2
        for pid in workers:
            assert b"MALLOC_ARENA_MAX=2" in Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
