"""The HTTP edge, one concept per module.

- :mod:`.app`: the FastAPI app factory and its routes
- :mod:`.openapi`: how the card parameters are documented
- :mod:`.errors`: every error as ``{"error": {"field", "reason"}}`` JSON
- :mod:`.accesslog`: the access log line and request metrics
- :mod:`.run`: ``ogimage serve`` (uvicorn)
"""
