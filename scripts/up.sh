#!/usr/bin/env bash
# Set up and start the Arena on this machine, in the background:
#   .venv with the pinned requirements, bubblewrap, Lean (python -m judge.provisioning),
#   migrations, the curriculum (problems/curriculum), a demo user, then gunicorn, a Celery worker and Celery beat.
# With no DATABASE_URL / CELERY_BROKER_URL: SQLite and a file-system queue under var/.
# With them (e.g. postgres://... and redis://...), PostgreSQL and Redis.
# Stop it with scripts/down.sh. Logs are in var/log/.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
export ARENA_VAR_DIR=${ARENA_VAR_DIR:-$ROOT/var}
VAR=$ARENA_VAR_DIR
PY=.venv/bin/python

step() { printf '\n== %s\n' "$*"; }
fail() { printf '\nERROR: %s\n' "$*" >&2; exit 1; }
started=$(date +%s)
mkdir -p "$VAR/log" "$VAR/run"

if [ -n "$(ls "$VAR"/run/*.pid 2>/dev/null)" ]; then
    step "Stopping the Arena started earlier"
    scripts/down.sh
fi

step "Python environment (.venv, pinned requirements.txt)"
if [ ! -x "$PY" ]; then
    PYTHON=$(command -v python3.11 || command -v python3) || fail "Python 3.11 is needed"
    "$PYTHON" -m venv .venv || fail "could not create .venv (on Debian: apt-get install python3-venv)"
fi
if ! cmp -s requirements.txt .venv/.requirements.txt; then
    .venv/bin/pip install --quiet --disable-pip-version-check -r requirements.txt \
        || fail "pip could not install requirements.txt"
    cp requirements.txt .venv/.requirements.txt
fi
echo "ok: $($PY --version), $(.venv/bin/pip list 2>/dev/null | grep -c .) packages"

step "bubblewrap (the sandbox)"
if ! command -v bwrap >/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        apt-get install -y -qq bubblewrap >/dev/null || { apt-get update -qq && apt-get install -y -qq bubblewrap >/dev/null; } \
            || fail "apt-get could not install bubblewrap"
    else
        fail "bubblewrap is missing: install it (e.g. sudo apt-get install bubblewrap) and run again"
    fi
fi
echo "ok: $(command -v bwrap)"

step "Lean (python -m judge.provisioning)"
if [ "${ARENA_SKIP_LEAN:-0}" = 1 ]; then
    echo "skipped (ARENA_SKIP_LEAN=1): only a judge double (ARENA_JUDGE=...) can judge"
else
    $PY -m judge.provisioning || fail "Lean provisioning failed (see above). Fix it and run again; to try the site without Lean, set ARENA_SKIP_LEAN=1 and ARENA_JUDGE to a judge double."
fi

step "The Lean editor bundle (scripts/build_editor.sh; the committed one when npm is unreachable)"
scripts/build_editor.sh

step "Settings"
if [ -z "${SECRET_KEY:-}" ]; then
    [ -s "$VAR/secret_key" ] || $PY -c "import secrets; print(secrets.token_urlsafe(50))" > "$VAR/secret_key"
    SECRET_KEY=$(cat "$VAR/secret_key")
    export SECRET_KEY
fi
echo "database: ${DATABASE_URL:-SQLite, $VAR/arena.sqlite3}"
echo "queue:    ${CELERY_BROKER_URL:-file system, $VAR/broker}"
echo "judge:    ${ARENA_JUDGE:-judge.pipeline.judge_submission}"

step "Database, the curriculum, demo user"
$PY manage.py migrate --noinput -v0 || fail "migrations failed"
$PY manage.py createcachetable || fail "could not create the cache table (rate limits)"
$PY manage.py load_curriculum || fail "the curriculum did not load"
login=$($PY manage.py ensure_demo_user --staff) || fail "could not create the demo user"
echo "$login"
$PY manage.py collectstatic --noinput -v0

step "Starting the web server, a Celery worker and Celery beat"
if (echo > "/dev/tcp/$HOST/$PORT") 2>/dev/null; then
    fail "$HOST:$PORT is taken by another program: set PORT to a free port"
fi
# gunicorn.conf.py: gevent workers (a slow client cannot block one), keep-alive, limits.
.venv/bin/gunicorn arena.wsgi:application -c gunicorn.conf.py --bind "$HOST:$PORT" --daemon \
    --pid "$VAR/run/web.pid" --access-logfile "$VAR/log/web-access.log" --error-logfile "$VAR/log/web.log"
.venv/bin/celery -A arena worker -Q judge,celery -n "judge@%h" --detach -l INFO \
    --pidfile "$VAR/run/worker.pid" --logfile "$VAR/log/worker.log"
.venv/bin/celery -A arena beat --detach -l INFO --schedule "$VAR/celerybeat-schedule" \
    --pidfile "$VAR/run/beat.pid" --logfile "$VAR/log/beat.log"

url="http://$HOST:$PORT/"
for _ in $(seq 1 60); do
    curl -fsS "${url}health/" >/dev/null 2>&1 && break
    sleep 0.5
done
curl -fsS "${url}health/" >/dev/null 2>&1 || fail "the web server did not answer; see $VAR/log/web.log"
for _ in $(seq 1 60); do
    grep -q " ready." "$VAR/log/worker.log" 2>/dev/null && break
    sleep 0.5
done
grep -q " ready." "$VAR/log/worker.log" || fail "the Celery worker did not start; see $VAR/log/worker.log"

cat <<DONE

The Arena is running ($(( $(date +%s) - started )) s): $url
  sign in with $login
  (demo is staff: the admin is at ${url}admin/)
  logs: $VAR/log/   stop: scripts/down.sh
DONE
