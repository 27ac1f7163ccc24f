# ogimage: the Open Graph image service.
#
#   docker build -t ogimage .
#   docker run --rm -p 8000:8000 -e OGIMAGE_SIGNING_KEY=change-me ogimage
#
# Settings are OGIMAGE_* environment variables (see README "Settings").

# --- build: a wheel of ogimage (fonts and templates inside) and its dependencies
FROM python:3.12-slim-bookworm AS build
WORKDIR /src
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
COPY pyproject.toml README.md ./
COPY ogimage ./ogimage
COPY fonts ./fonts
COPY assets ./assets
RUN pip wheel --wheel-dir /wheels '.[hiredis]'

# --- run
FROM python:3.12-slim-bookworm
# Pillow's wheels bundle raqm and HarfBuzz but load FriBiDi from the system:
# without libfribidi0, text shaping silently falls back to basic layout
# (no right-to-left, no complex scripts). /readyz reports "layout_engine".
RUN apt-get update \
    && apt-get install -y --no-install-recommends libfribidi0 \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir --no-index --find-links=/wheels 'ogimage[hiredis]' \
    && rm -rf /wheels \
    && python -c "from PIL import features; assert features.check('raqm'), 'raqm/fribidi missing'"

RUN useradd --system --uid 10001 --user-group --no-create-home ogimage \
    && mkdir -p /var/cache/ogimage \
    && chown ogimage:ogimage /var/cache/ogimage
USER ogimage

# OGIMAGE_WORKERS: uvicorn worker processes (each with its own memory cache);
# set it to the CPUs the container may use.
ENV PYTHONUNBUFFERED=1 \
    OGIMAGE_HOST=0.0.0.0 \
    OGIMAGE_PORT=8000 \
    OGIMAGE_WORKERS=2 \
    OGIMAGE_CACHE_DIR=/var/cache/ogimage
EXPOSE 8000
VOLUME ["/var/cache/ogimage"]

HEALTHCHECK --interval=30s --timeout=3s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('OGIMAGE_PORT', '8000'), timeout=2)"]

CMD ["ogimage", "serve"]
