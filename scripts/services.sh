#!/usr/bin/env bash
# Make sure this machine's PostgreSQL (127.0.0.1:5432) and Redis (127.0.0.1:6379) answer,
# starting them with the machine's own commands if they are down.
set -euo pipefail

wait_for() {  # wait_for NAME COMMAND...
    local name=$1; shift
    for _ in $(seq 1 30); do "$@" >/dev/null 2>&1 && return 0; sleep 1; done
    echo "$name did not come up" >&2; return 1
}

if ! pg_isready -q -h 127.0.0.1 -p 5432; then
    echo "== starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start
    wait_for PostgreSQL pg_isready -q -h 127.0.0.1 -p 5432
fi
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
    echo "== starting Redis"
    mkdir -p /var/lib/redis /var/log/redis
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
        --dir /var/lib/redis --logfile /var/log/redis/ci.log
    wait_for Redis redis-cli -h 127.0.0.1 -p 6379 ping
fi

# A Docker engine for the Docker sandbox backend's tests (tests/judge/test_sandbox_docker.py)
# and scripts/stack.sh: Debian's docker.io (dockerd 20.10, API 1.41), installed with apt-get
# when missing (as root), started with the vfs storage driver (works inside a container or VM
# where overlayfs does not), no default bridge and no NAT (user-defined networks still work),
# its data under ARENA_DOCKERD_DIR so built images survive between runs on the same machine.
# ARENA_DOCKER_STORAGE_DRIVER=overlay2 where overlayfs mounts (it did on the development machine's
# ext4, 2026-12-07): an image build step or a container start is then a second, not the minutes
# a whole vfs copy takes (docs/operations.md, "Deploying with compose"); a data root holds the
# images of one driver only.
# ARENA_DOCKER=0 skips it (those tests then skip, saying why).
ARENA_DOCKERD_DIR="${ARENA_DOCKERD_DIR:-/var/lib/arena-dockerd}"
ARENA_DOCKER_HOST="${ARENA_DOCKER_HOST:-unix://$ARENA_DOCKERD_DIR/docker.sock}"
if [ "${ARENA_DOCKER:-1}" != 0 ] && ! DOCKER_HOST="$ARENA_DOCKER_HOST" docker version >/dev/null 2>&1; then
    if ! command -v dockerd >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "== installing docker.io (apt-get)"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >/dev/null 2>&1 \
            || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >/dev/null; } \
            || echo "WARNING: apt-get could not install docker.io" >&2
    fi
    if command -v dockerd >/dev/null && [ "$(id -u)" = 0 ]; then
        echo "== starting dockerd ($ARENA_DOCKER_HOST, data in $ARENA_DOCKERD_DIR)"
        mkdir -p "$ARENA_DOCKERD_DIR"
        setsid dockerd --storage-driver="${ARENA_DOCKER_STORAGE_DRIVER:-vfs}" --iptables=false --bridge=none \
            --data-root="$ARENA_DOCKERD_DIR/root" --exec-root="$ARENA_DOCKERD_DIR/exec" \
            --host="$ARENA_DOCKER_HOST" --pidfile="$ARENA_DOCKERD_DIR/dockerd.pid" \
            >>"$ARENA_DOCKERD_DIR/dockerd.log" 2>&1 </dev/null &
        wait_for dockerd env DOCKER_HOST="$ARENA_DOCKER_HOST" docker version \
            || echo "WARNING: dockerd did not start (see $ARENA_DOCKERD_DIR/dockerd.log): the Docker tests will be skipped" >&2
    else
        echo "WARNING: no Docker engine (dockerd missing or not root): the Docker tests will be skipped" >&2
    fi
fi
