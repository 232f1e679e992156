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
# the exporter is its parts joined (judge/exporter_program.py: the one home of the join rule)
(cd "$here/../../.." && python3 -c 'import sys; from judge.exporter_program import exporter_source
sys.stdout.buffer.write(exporter_source())') > "$work/Export.lean.joined"
cp "$here/../Replay.lean" "$work/Replay.lean.joined"
for pair in Export:exporterMain Replay:replayMain; do
    name=${pair%%:*}
    entry=${pair#*:}
    source="$work/$name.lean.joined"
    # exactly one `public def main (`, renamed so that the wrapper's `main` can call it
    test "$(grep -c '^public def main (' "$source")" = 1
    sed "s/^public def main (/public def $entry (/" "$source" > "$work/ArenaAot/$name.lean"
done
(cd "$work" && lake build)
mkdir -p "$prefix/bin"
cp "$work/.lake/build/bin/arena-export" "$work/.lake/build/bin/arena-replay" "$prefix/bin/"
sha256sum "$work/Export.lean.joined" | cut -d' ' -f1 > "$prefix/arena-export.sha256"
sha256sum "$work/Replay.lean.joined" | cut -d' ' -f1 > "$prefix/arena-replay.sha256"
