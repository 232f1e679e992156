#!/bin/sh
# Build the exporter and the replay ahead of time for native Lean (`lake` and `lean` on PATH):
#   judge/lean/aot/build.sh /opt/arena-aot
# writes PREFIX/bin/arena-export, PREFIX/bin/arena-replay and, beside them, the SHA-256 of the
# source each was built from (arena-export.sha256, arena-replay.sha256): the runner uses a binary
# only for a job carrying exactly that source (judge/lean_runner.py, NativeLeanRunner.aot_program),
# so a stale build falls back to `lean --run`. UNTESTED: run only in docker/judge.Dockerfile.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
prefix=${1:?usage: build.sh PREFIX}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$here/lakefile.toml" "$work/"
cp -r "$here/ArenaAot" "$work/"
for pair in Export:exporterMain Replay:replayMain; do
    name=${pair%%:*}
    entry=${pair#*:}
    source="$here/../$name.lean"
    # exactly one `public def main (`, renamed so that the wrapper's `main` can call it
    test "$(grep -c '^public def main (' "$source")" = 1
    sed "s/^public def main (/public def $entry (/" "$source" > "$work/ArenaAot/$name.lean"
done
(cd "$work" && lake build)
mkdir -p "$prefix/bin"
cp "$work/.lake/build/bin/arena-export" "$work/.lake/build/bin/arena-replay" "$prefix/bin/"
sha256sum "$here/../Export.lean" | cut -d' ' -f1 > "$prefix/arena-export.sha256"
sha256sum "$here/../Replay.lean" | cut -d' ' -f1 > "$prefix/arena-replay.sha256"
