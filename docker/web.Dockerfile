# The site: gunicorn (docker/web-start.sh), Celery beat, the housekeeping worker, the metrics
# server. Build: docker build -f docker/web.Dockerfile -t arena-web .
# BASE: a Python 3.11 on Debian bookworm with pip and curl. The default is the public image;
# where no registry is reachable, docker/bases/build.sh makes arena-base/python:3.11-bookworm from
# Debian's packages, and scripts/stack.sh builds with --build-arg BASE=that (what was run here,
# 2026-12-07: Docker Engine 20.10.24 with overlay2, docker-compose 1.29; the public base and
# compose v2 were not).
ARG BASE=python:3.11-slim-bookworm
FROM ${BASE}
SHELL ["/bin/bash", "-o", "pipefail", "-c"]

# From here to the `pip install` the lines are the same, character for character, in
# web.Dockerfile and judge.Dockerfile (tests/site/test_deployment_files.py): the build cache makes
# these layers once for both images (under vfs each layer is a whole copy: few layers, shared).
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    ARENA_VAR_DIR=/var/lib/arena \
    LOG_FORMAT=json
WORKDIR /srv/arena
COPY requirements.txt /srv/arena/
COPY docker/build-ca/ /etc/arena-build-ca/
# System packages (curl for the health checks; bubblewrap, util-linux, zstd for the judge) and
# the pinned requirements, with the build CA bundle when one was given (docker/build-ca/README).
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends bubblewrap ca-certificates curl util-linux zstd \
    && rm -rf /var/lib/apt/lists/* \
    && CA="$(find /etc/arena-build-ca -name '*.crt' | head -1)" \
    && PIP_CERT="${CA:-}" pip install --no-cache-dir -r requirements.txt
COPY . .

# (every instruction costs a whole copy under vfs: as few as possible; the ports are 8000 for
# gunicorn and 9100 for the metrics server)
ENV STATIC_ROOT=/srv/arena/staticfiles
# The editor bundle, built from package-lock.json by esbuild (the committed one if npm is unreachable).
RUN CA="$(find /etc/arena-build-ca -name '*.crt' | head -1)" \
    && NODE_EXTRA_CA_CERTS="${CA:-}" scripts/build_editor.sh && rm -rf node_modules \
    && useradd --system --uid 10001 --create-home --home-dir /home/arena arena \
    && mkdir -p /var/lib/arena /srv/arena/staticfiles \
    && chown -R arena /var/lib/arena /srv/arena/staticfiles

USER 10001
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s CMD ["curl", "-fsS", "http://127.0.0.1:8000/health/"]
CMD ["docker/web-start.sh"]
