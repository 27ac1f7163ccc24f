"""Where the bundled fonts and assets are, installed or in a checkout.

In a wheel they are shipped as ``ogimage/_data/{fonts,assets}``; in a source
checkout (or an editable install) they sit at the top of the repository.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


@cache
def data_dir(name: str) -> Path:
    """The folder of bundled data called ``name`` (``"fonts"`` or ``"assets"``)."""
    for candidate in (_PACKAGE / "_data" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"bundled {name!r} folder not found next to {_PACKAGE}")


def fonts_dir() -> Path:
    """The bundled fonts folder (holds ``manifest.toml``)."""
    return data_dir("fonts")


def assets_dir() -> Path:
    """The bundled assets folder (holds ``templates/``, logos, backgrounds)."""
    return data_dir("assets")
