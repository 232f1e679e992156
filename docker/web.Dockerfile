# The site: gunicorn (docker/web-start.sh), Celery beat and the metrics server.
# Build: docker build -f docker/web.Dockerfile -t arena-web .
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    ARENA_VAR_DIR=/var/lib/arena \
    STATIC_ROOT=/srv/arena/staticfiles \
    LOG_FORMAT=json

# curl for the health check only
RUN apt-get update \
    && apt-get install -y --no-install-recommends curl \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /srv/arena
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

COPY . .
# The editor bundle, built from package-lock.json by esbuild (the committed one if npm is unreachable).
RUN scripts/build_editor.sh && rm -rf node_modules
RUN useradd --system --uid 10001 --create-home --home-dir /home/arena arena \
    && mkdir -p /var/lib/arena /srv/arena/staticfiles \
    && chown -R arena /var/lib/arena /srv/arena/staticfiles

USER 10001
EXPOSE 8000 9100
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s CMD ["curl", "-fsS", "http://127.0.0.1:8000/health/"]
CMD ["docker/web-start.sh"]
