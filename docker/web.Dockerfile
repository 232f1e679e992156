# The site: gunicorn (docker/web-start.sh), Celery beat, the housekeeping worker, the metrics
# server. Build: docker build -f docker/web.Dockerfile -t arena-web .
# BASE: a Python 3.11 on Debian bookworm with pip and curl. The default is the public image;
# where no registry is reachable, docker/bases/build.sh makes arena-base/python:3.11-bookworm from
# Debian's packages, and scripts/stack.sh builds with --build-arg BASE=that (what was run here:
# Docker Engine 20.10.24, vfs, docker-compose 1.29, 2026-12-07).
ARG BASE=python:3.11-slim-bookworm
FROM ${BASE}
SHELL ["/bin/bash", "-o", "pipefail", "-c"]

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    ARENA_VAR_DIR=/var/lib/arena \
    STATIC_ROOT=/srv/arena/staticfiles \
    LOG_FORMAT=json

WORKDIR /srv/arena
COPY requirements.txt /srv/arena/
COPY docker/build-ca/ /etc/arena-build-ca/
# One layer (each layer is a whole copy under the vfs storage driver): curl for the health check,
# the pinned requirements (with the build CA bundle when one was given).
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends curl \
    && rm -rf /var/lib/apt/lists/* \
    && CA="$(find /etc/arena-build-ca -name '*.crt' | head -1)" \
    && PIP_CERT="${CA:-}" pip install --no-cache-dir -r requirements.txt

COPY . .
# The editor bundle, built from package-lock.json by esbuild (the committed one if npm is unreachable).
RUN CA="$(find /etc/arena-build-ca -name '*.crt' | head -1)" \
    && NODE_EXTRA_CA_CERTS="${CA:-}" scripts/build_editor.sh && rm -rf node_modules \
    && useradd --system --uid 10001 --create-home --home-dir /home/arena arena \
    && mkdir -p /var/lib/arena /srv/arena/staticfiles \
    && chown -R arena /var/lib/arena /srv/arena/staticfiles

USER 10001
EXPOSE 8000 9100
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s CMD ["curl", "-fsS", "http://127.0.0.1:8000/health/"]
CMD ["docker/web-start.sh"]
