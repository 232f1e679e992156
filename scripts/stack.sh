#!/usr/bin/env bash
# The whole stack of docker-compose.yml on this machine's Docker engine, for an operator's first
# hour and for the chaos run (docs/operations.md, "Deploying with compose").
#   scripts/stack.sh up      start the engine if needed (scripts/services.sh), build what is
#                            missing, start web, 2 judges, docker-proxy, beat, housekeeping,
#                            metrics, PostgreSQL, Redis; wait for health
#   scripts/stack.sh check   end to end through the published port (scripts/stack_check.py)
#   scripts/stack.sh chaos   kill a judge mid-job, restart PostgreSQL and Redis, scale the judges
#                            2→3→1 during a burst, then count (scripts/stack_chaos.py --burst N)
#   scripts/stack.sh down    stop and remove the stack and its volumes
# Images are tagged with a hash of their inputs (the tracked files, the Dockerfile, the base) and
# built only when that tag is missing. Where no registry is reachable the bases come from
# docker/bases/build.sh. The judges run the offline Lean (LEAN=offline) unless ARENA_LEAN=native.
# Memory (fits a 24 GB machine shared with others): db 1g, redis 512m, judges 6g each (one Lean
# job container at a time each, ~3.6 GB + its limit, outside the judge's own cgroup).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export ARENA_DOCKERD_DIR="${ARENA_DOCKERD_DIR:-/var/lib/arena-dockerd}"
export DOCKER_HOST="${DOCKER_HOST:-unix://$ARENA_DOCKERD_DIR/docker.sock}"
export ARENA_DOCKER_HOST="$DOCKER_HOST"
PROJECT="${ARENA_STACK_PROJECT:-arena-stack}"
ENV_FILE="$ROOT/var/stack.env"
COMPOSE=(docker-compose -p "$PROJECT" --env-file "$ENV_FILE" -f "$ROOT/docker-compose.yml")

inputs_hash() {  # inputs_hash DOCKERFILE BASE [ARGS...]: what an image is built from
    { git ls-files -s; git diff HEAD --binary; cat "$1"; docker image inspect -f '{{.Id}}' "$2" 2>/dev/null || echo "$2"; echo "${@:3}"; } \
        | sha256sum | cut -c1-16
}

engine_nice() {  # engine_nice N: the engine's niceness (its build steps inherit containerd's)
    local pid
    for pid in "$(cat "$ARENA_DOCKERD_DIR/dockerd.pid" 2>/dev/null)" "$(cat "$ARENA_DOCKERD_DIR/exec/containerd/containerd.pid" 2>/dev/null)"; do
        [ -n "$pid" ] && renice -n "$1" -p "$pid" >/dev/null 2>&1 || true
    done
}

build() {  # build NAME DOCKERFILE BASE [--build-arg ...]: tag NAME:<hash>, built only if missing
    local name=$1 file=$2 base=$3; shift 3
    local tag; tag="$name:$(inputs_hash "$file" "$base" "$@")"
    if ! docker image inspect "$tag" >/dev/null 2>&1; then
        echo "== building $tag ($file, BASE=$base)" >&2
        local started=$SECONDS
        # The steps run under the engine, not this client: nice the engine while building (a
        # machine shared with others). Each step is printed with the time it started.
        engine_nice "${BUILD_NICE:-10}"
        DOCKER_BUILDKIT=0 docker build --network host -f "$file" --build-arg BASE="$base" "$@" -t "$tag" . 2>&1 \
            | tee "var/build-$name.log" | while IFS= read -r line; do case $line in Step*|Successfully*|FAILED*|ERROR*|*rror*) echo "   $(date -u +%T) $line" ;; esac; done >&2
        engine_nice 0
        docker image inspect "$tag" >/dev/null 2>&1 || { echo "   $tag: the build failed (var/build-$name.log)" >&2; exit 1; }
        echo "   $tag built in $((SECONDS - started)) s" >&2
    fi
    echo "$tag"
}

env_file() {
    mkdir -p var
    [ -f "$ENV_FILE" ] && return 0
    local key; key=$(python3 -c 'import secrets; print(secrets.token_urlsafe(50))')
    local pw; pw=$(python3 -c 'import secrets; print(secrets.token_urlsafe(24))')
    cat > "$ENV_FILE" <<ENV
SECRET_KEY=$key
POSTGRES_PASSWORD=$pw
ALLOWED_HOSTS=127.0.0.1,localhost
CSRF_TRUSTED_ORIGINS=http://127.0.0.1:${STACK_PORT:-18000}
BEHIND_HTTPS_PROXY=false
ARENA_PROXY_HOPS=0
WEB_PORT=${STACK_PORT:-18000}
WEB_WORKERS=2
ARENA_LEAN=${ARENA_LEAN:-offline}
ARENA_JOB_DIR=$ARENA_DOCKERD_DIR/jobs
DOCKER_SOCKET=${DOCKER_HOST#unix://}
JUDGE_MEMORY=6g
DB_MEMORY=1g
REDIS_MEMORY=512m
ARENA_OFFLINE_WALL_SECONDS=${ARENA_OFFLINE_WALL_SECONDS:-600}
ARENA_JUDGE_LEASE_SECONDS=${ARENA_JUDGE_LEASE_SECONDS:-120}
ENV
}

up() {
    scripts/services.sh >/dev/null
    docker version >/dev/null || { echo "no Docker engine at $DOCKER_HOST" >&2; exit 1; }
    env_file
    cp /etc/ssl/certs/ca-certificates.crt docker/build-ca/host.crt 2>/dev/null || true
    local python=python:3.11-slim-bookworm postgres=postgres:15 redis=redis:7
    if ! timeout 30 docker pull -q "$python" >/dev/null 2>&1; then
        echo "== no image registry reachable: bases from Debian's packages (docker/bases/build.sh)"
        docker/bases/build.sh
        python=arena-base/python:3.11-bookworm postgres=arena-base/postgres:15 redis=arena-base/redis:7
    fi
    local lean; lean=$(sed -n 's/^ARENA_LEAN=//p' "$ENV_FILE")
    local web judge
    # ARENA_WEB_IMAGE / ARENA_JUDGE_IMAGE: use these images instead of building
    # the judge first: the longer build and the likelier to fail (both share their first layers)
    judge=${ARENA_JUDGE_IMAGE:-$(build arena-judge docker/judge.Dockerfile "$python" --build-arg LEAN="$lean")}
    web=${ARENA_WEB_IMAGE:-$(build arena-web docker/web.Dockerfile "$python")}
    # The job image: with the offline Lean (bound from ARENA_JOB_DIR) the Python base, a tenth of
    # the judge image (under vfs each job container is a whole copy); native: the judge image.
    local job=$judge; [ "$lean" = offline ] && job=$python
    sed -i '/^ARENA_WEB_IMAGE=\|^ARENA_JUDGE_IMAGE=\|^ARENA_JOB_IMAGE=\|^ARENA_POSTGRES_IMAGE=\|^ARENA_REDIS_IMAGE=/d' "$ENV_FILE"
    printf 'ARENA_WEB_IMAGE=%s\nARENA_JUDGE_IMAGE=%s\nARENA_JOB_IMAGE=%s\nARENA_POSTGRES_IMAGE=%s\nARENA_REDIS_IMAGE=%s\n' \
        "$web" "$judge" "$job" "$postgres" "$redis" >> "$ENV_FILE"
    mkdir -p "$ARENA_DOCKERD_DIR/jobs"
    local started=$SECONDS
    "${COMPOSE[@]}" up -d --no-build --scale judge="${JUDGES:-2}"
    echo "== waiting for the web server's health check"
    for _ in $(seq 1 120); do
        [ "$(docker inspect -f '{{.State.Health.Status}}' "$("${COMPOSE[@]}" ps -q web)" 2>/dev/null)" = healthy ] && break
        sleep 2
    done
    "${COMPOSE[@]}" exec -T web python manage.py load_sample_problems >/dev/null
    "${COMPOSE[@]}" ps
    echo "== up in $((SECONDS - started)) s: http://127.0.0.1:$(sed -n 's/^WEB_PORT=//p' "$ENV_FILE")/"
}

case "${1:-}" in
    up) up ;;
    check) .venv/bin/python scripts/stack_check.py --env-file "$ENV_FILE" --project "$PROJECT" "${@:2}" ;;
    chaos) .venv/bin/python scripts/stack_chaos.py --env-file "$ENV_FILE" --project "$PROJECT" "${@:2}" ;;
    down) "${COMPOSE[@]}" down -v --remove-orphans; docker ps -aq --filter label=arena.job=1 | xargs -r docker rm -f ;;
    compose) "${COMPOSE[@]}" "${@:2}" ;;
    *) echo "usage: scripts/stack.sh up|check|chaos|down|compose ARGS" >&2; exit 2 ;;
esac
