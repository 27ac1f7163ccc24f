"""Shared fixtures: one engine for the session (fonts and templates load once)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"


def sample_titles() -> list[tuple[str, str]]:
    """(lang, title) rows of tests/data/titles.tsv (a copy of shared/samples/titles.tsv)."""
    rows = []
    with open(DATA / "titles.tsv", encoding="utf-8") as f:
        for row in csv.reader(f, delimiter="\t"):
            if row and not row[0].startswith("#"):
                rows.append((row[0], row[1]))
    return rows


@pytest.fixture(scope="session")
def engine():
    from ogimage.engine import Engine

    return Engine()


@pytest.fixture
def fake_engine():
    """An engine stand-in that counts renders (tests/service_fakes.py)."""
    from service_fakes import FakeEngine

    return FakeEngine()


@pytest.fixture
def client(tmp_path: Path, fake_engine):
    """The real app around ``fake_engine``, through Starlette's TestClient."""
    from fastapi.testclient import TestClient
    from service_fakes import make_app

    with TestClient(make_app(tmp_path, fake_engine)) as c:
        yield c


@pytest.fixture(autouse=True)
def _ogimage_log_level():
    """Each test starts with the ``ogimage`` logger's level as it found it.

    Building an app sets that level (``OGIMAGE_LOG_LEVEL``, default info); without
    this, whether a later test sees INFO records would depend on test order.
    """
    import logging

    logger = logging.getLogger("ogimage")
    level = logger.level
    yield
    logger.setLevel(level)
