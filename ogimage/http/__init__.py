"""The HTTP edge, one concept per module.

- :mod:`.app`: the FastAPI app factory and its routes (module-level handlers)
- :mod:`.headers`: the image answers' headers, for the route and the fast path
- :mod:`.fastpath`: exact repeats of image URLs answered from memory
- :mod:`.openapi`: how the card parameters are documented
- :mod:`.errors`: every error as ``{"error": {"field", "reason"}}`` JSON
- :mod:`.accesslog`: the access log line and request metrics
- :mod:`.run`: ``ogimage serve`` (uvicorn)
"""
