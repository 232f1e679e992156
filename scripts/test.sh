#!/usr/bin/env bash
# Run the whole suite (ruff, then pytest) against this machine's real PostgreSQL and Redis,
# starting them if they are down. Extra arguments go to pytest: scripts/test.sh -m "not lean".
set -euo pipefail
cd "$(dirname "$0")/.."

export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}"
export CELERY_BROKER_URL="${CELERY_BROKER_URL:-redis://127.0.0.1:6379/0}"
export ARENA_TEST_REDIS_URL="${ARENA_TEST_REDIS_URL:-redis://127.0.0.1:6379/13}"

scripts/services.sh

if [ ! -x .venv/bin/python ] || ! cmp -s requirements.txt .venv/.requirements.txt; then
    echo "== installing requirements into .venv"
    python3.11 -m venv .venv 2>/dev/null || python3 -m venv .venv
    .venv/bin/pip install --quiet --disable-pip-version-check -r requirements.txt
    cp requirements.txt .venv/.requirements.txt
fi

# schemathesis lives apart (its pins clash with the site's): tests/api/test_schemathesis.py runs
# it from .venv-fuzz, rebuilt only when requirements-fuzz.txt changes, and fails (not skips)
# under this command when it is missing.
if [ ! -x .venv-fuzz/bin/schemathesis ] || ! cmp -s requirements-fuzz.txt .venv-fuzz/.requirements-fuzz.txt; then
    echo "== installing requirements-fuzz.txt into .venv-fuzz"
    rm -rf .venv-fuzz
    python3.11 -m venv .venv-fuzz 2>/dev/null || python3 -m venv .venv-fuzz
    .venv-fuzz/bin/pip install --quiet --disable-pip-version-check -r requirements-fuzz.txt
    cp requirements-fuzz.txt .venv-fuzz/.requirements-fuzz.txt
fi
export ARENA_FUZZ_REQUIRED=1

if [ -f judge/provisioning.py ]; then
    echo "== Lean (python -m judge.provisioning; cached)"
    .venv/bin/python -m judge.provisioning || { echo "Lean provisioning failed: the lean tests cannot run" >&2; exit 1; }
fi

echo "== Chromium for the browser tests (tests/browser/)"
if [ ! -x /usr/bin/chromium ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        apt-get install -y -qq chromium >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; } \
            || echo "WARNING: apt-get could not install chromium: the browser tests will be skipped" >&2
    else
        echo "WARNING: /usr/bin/chromium is missing (apt-get install chromium): the browser tests will be skipped" >&2
    fi
fi

echo "== editor bundle (scripts/build_editor.sh --check)"
scripts/build_editor.sh --check

# docker-compose (Debian's, no engine needed) validates docker-compose.yml in the tests.
if ! command -v docker-compose >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "== installing docker-compose (apt-get)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-compose >/dev/null \
        || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-compose >/dev/null; } \
        || echo "docker-compose could not be installed: its test is skipped" >&2
fi

echo "== ruff check (lint, complexity) and ruff format --check"
.venv/bin/ruff check .
.venv/bin/ruff format --check .

echo "== mypy (judge/; strict on the trusted modules)"
.venv/bin/mypy

echo "== import contracts (lint-imports: the judge's trust boundaries, no cycles)"
.venv/bin/lint-imports

# Two workers (ARENA_TEST_WORKERS; 0 runs in this process): every real-Lean test on one, in
# turn (memory), the other files beside them, each file on one worker (its live site, its
# Celery worker). tests/worker_resources.py groups them and gives each worker its own ports,
# Redis databases and var directory.
echo "== pytest (${ARENA_TEST_WORKERS:-2} workers)"
exec .venv/bin/python -m pytest -n "${ARENA_TEST_WORKERS:-2}" --dist loadscope --no-loadscope-reorder "$@"
