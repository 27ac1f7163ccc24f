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


# -- the dependency rule (ARCHITECTURE.md), read from the source ------------------------

import ast  # noqa: E402
from pathlib import Path  # noqa: E402

PACKAGE = Path(__file__).resolve().parent.parent / "ogimage"
# Lower layers first; a module may import its own layer and those below, never above.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("core", ("typeset", "caches")),
    ("model", ("ogimage", "errors", "settings", "formats", "card", "template", "resources", "signing", "metrics",
               "answers", "template_read", "template_grow", "pages", "budget", "allocator")),
    ("fonts", ("fonts",)),
    ("arranging", ("cardlayout",)),
    ("drawing", ("draw",)),
    ("engine", ("engine",)),
    ("storage", ("cache", "diskbudget", "shared")),
    ("facade", ("service", "warmup", "slots", "drive")),
    ("composition", ("root", "preflight")),
    ("edges", ("http", "cli", "cli_checks", "cache_cli", "preview", "batch", "mkdocs_plugin", "sphinx", "sitecards")),
]
EDGE_MAY_IMPORT = {"service", "root", "preflight", *LAYERS[-1][1], *LAYERS[1][1]}


def _layer(module: str) -> int:
    parts = module.split(".")
    top = parts[1] if len(parts) > 1 else "ogimage"
    for rank, (_, names) in enumerate(LAYERS):
        if top in names:
            return rank
    raise AssertionError(f"{module} is in no layer: add it to LAYERS (and ARCHITECTURE.md)")


def _ogimage_imports(path: Path) -> set[str]:
    """Every ``ogimage`` module ``path`` imports, anywhere in the file (lazy imports count)."""
    module = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts).removesuffix(".__init__")
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                name = ".".join(base + ([node.module] if node.module else []))
                # "from . import x" names a submodule x when there is one
                names = [f"{name}.{a.name}" for a in node.names if (PACKAGE.parent / f"{name}.{a.name}".replace(".", "/")).with_suffix(".py").exists()] or [name]
            else:
                names = [node.module or ""]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        found.update(n for n in names if n == "ogimage" or n.startswith("ogimage."))
    return found


MODULES = sorted(p for p in PACKAGE.rglob("*.py") if p != PACKAGE / "__init__.py")


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_nothing_imports_upward(path: Path) -> None:
    module = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts).removesuffix(".__init__")
    rank = _layer(module)
    upward = sorted(m for m in _ogimage_imports(path) if _layer(m) > rank)
    assert not upward, f"{module} ({LAYERS[rank][0]}) imports a higher layer: {upward}"


@pytest.mark.parametrize("path", [p for p in MODULES if _layer(".".join(p.relative_to(PACKAGE.parent).with_suffix("").parts)) == len(LAYERS) - 1],
                         ids=lambda p: str(p.relative_to(PACKAGE)))
def test_edges_import_only_the_facade_the_root_and_the_model(path: Path) -> None:
    bad = sorted(m for m in _ogimage_imports(path) if (m.split(".") + ["ogimage"])[1] not in EDGE_MAY_IMPORT)
    assert not bad, f"{path.name} reaches past the service: {bad}"


def test_the_rule_catches_an_edge_importing_the_engine(tmp_path) -> None:
    """The import reader sees lazy imports inside functions, as edges used to write them."""
    edge = PACKAGE / "http" / "app.py"
    assert "ogimage.service" in _ogimage_imports(edge)
    assert _layer("ogimage.engine") > _layer("ogimage.draw.compose") > _layer("ogimage.fonts.book")


@pytest.mark.parametrize("module", ["ogimage.typeset", "ogimage.typeset.layout", "ogimage.typeset.segment"])
def test_typeset_imports_no_pillow_and_no_web_stack(module: str) -> None:
    assert not (loaded_after(f"import {module}") & (WEB | {"PIL", "fontTools"}))
