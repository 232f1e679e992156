#!/usr/bin/env bash
# Stop what scripts/up.sh started (by the process ids it recorded in var/run/).
set -uo pipefail
cd "$(dirname "$0")/.."
RUN=${ARENA_VAR_DIR:-$(pwd)/var}/run
for name in web beat worker; do
    pidfile="$RUN/$name.pid"
    [ -s "$pidfile" ] || continue
    pid=$(cat "$pidfile")
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid"
        # A worker finishes its current judging first; a judging cut short is re-queued.
        for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
        kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
        echo "stopped $name ($pid)"
    fi
    rm -f "$pidfile"
done
