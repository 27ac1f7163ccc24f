"""The HTTP service's entry points (the code lives in :mod:`ogimage.http`).

    uvicorn --factory ogimage.server:create_app      # settings from OGIMAGE_* variables
    ogimage serve                                    # the same, via ogimage.server.run
"""

from __future__ import annotations

from .http.app import MAX_QUERY_BYTES, QueryTooLong, create_app
from .http.run import run

__all__ = ["MAX_QUERY_BYTES", "QueryTooLong", "create_app", "run"]
