"""schemathesis against the app's own OpenAPI document: every documented operation, generated
requests (a bounded number per operation), every answer checked against the document (status,
content type, headers, body schema) and never a 5xx. The engine is the fake one: the contract
is HTTP's, and drawing is tested elsewhere.

Not checked: that every schema-valid request is accepted (``positive_data_acceptance``). Card
text is normalised before it is measured (controls removed, white space folded), so a title
of only control characters is valid for the schema and rightly a 422."""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.python.asgi import ASGIClient  # noqa: E402
from schemathesis.specs.openapi.checks import positive_data_acceptance  # noqa: E402
from service_fakes import make_app  # noqa: E402

def new_app():
    return make_app(Path(tempfile.mkdtemp(prefix="ogimage-schemathesis-")), disk_cache=False, access_log=False)


# Loading the schema runs an app's whole life (start-up and shut-down): that app only serves the document.
# It is built while tests are collected: leave the "ogimage" logger's level as found (building an
# app sets it), or every later test would see INFO records.
_level = logging.getLogger("ogimage").level
schema = schemathesis.openapi.from_asgi("/openapi.json", new_app())
logging.getLogger("ogimage").setLevel(_level)


@pytest.fixture
def session():
    """One app per operation, started (lifespan) once for all its examples, as a server is."""
    with ASGIClient(new_app()) as client:
        yield client


@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_keeps_its_contract(case, session):
    case.call_and_validate(session=session, excluded_checks=[positive_data_acceptance])
