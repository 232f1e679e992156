#!/bin/sh
# The judge container's start. With ARENA_SANDBOX=docker the job containers bind the Lean and the
# scratch directories by host path: ARENA_JOB_DIR is a host directory mounted at the same path
# here, and the image's Lean is copied into it once (cp -n; the provisioning's checks still run).
set -eu
if [ "${ARENA_SANDBOX:-}" = docker ]; then
    : "${ARENA_JOB_DIR:?ARENA_SANDBOX=docker needs ARENA_JOB_DIR (a host path mounted at the same path)}"
    mkdir -p "$ARENA_JOB_DIR/lean" "$ARENA_JOB_DIR/scratch"
    chmod 711 "$ARENA_JOB_DIR" "$ARENA_JOB_DIR/lean"
    # one judge copies at a time (judges start together; a half-copied file must not be seen)
    flock "$ARENA_JOB_DIR/.lean.lock" cp -an /opt/arena-lean/. "$ARENA_JOB_DIR/lean/"
    export ARENA_LEAN_CACHE="$ARENA_JOB_DIR/lean" ARENA_SCRATCH_DIR="$ARENA_JOB_DIR/scratch"
    python -m judge.provisioning --lean "${ARENA_LEAN:-offline}" >/dev/null
fi
exec "$@"
