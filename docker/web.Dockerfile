# The site: gunicorn, Celery beat, and (with the judge image's Lean) the worker.
# Build: docker build -f docker/web.Dockerfile -t arena-web .
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    ARENA_VAR_DIR=/var/lib/arena \
    STATIC_ROOT=/srv/arena/staticfiles

RUN apt-get update \
    && apt-get install -y --no-install-recommends bubblewrap curl \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /srv/arena
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

COPY . .
# The editor bundle, built from package-lock.json by esbuild (the committed one if npm is unreachable).
RUN scripts/build_editor.sh && rm -rf node_modules
RUN useradd --system --create-home --home-dir /home/arena arena \
    && mkdir -p /var/lib/arena \
    && chown -R arena /var/lib/arena \
    && SECRET_KEY=build-only python manage.py collectstatic --noinput -v0

USER arena
EXPOSE 8000
HEALTHCHECK CMD curl -fsS http://127.0.0.1:8000/health/ || exit 1
CMD ["gunicorn", "arena.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
