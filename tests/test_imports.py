"""Which modules an import may pull in (start-up cost and the layering in DESIGN.md)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

WEB = {"fastapi", "starlette", "uvicorn", "prometheus_client"}


def loaded_after(code: str) -> set[str]:
    script = f"{code}\nimport json, sys\nprint(json.dumps(sorted(m.split('.')[0] for m in sys.modules)))"
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    return set(json.loads(out.strip().splitlines()[-1]))


def test_import_ogimage_is_light() -> None:
    assert not (loaded_after("import ogimage") & (WEB | {"PIL", "fontTools", "budoux"}))


@pytest.mark.parametrize("module", ["ogimage.engine", "ogimage.cli", "ogimage.cardlayout", "ogimage.draw.compose"])
def test_rendering_never_imports_the_web_stack(module: str) -> None:
    assert not (loaded_after(f"import {module}") & WEB)


def test_cli_render_never_imports_the_web_stack(tmp_path) -> None:
    code = f"from ogimage.cli import main; main(['render', '--title', 'x', '-o', {str(tmp_path / 'x.png')!r}])"
    assert not (loaded_after(code) & WEB)
