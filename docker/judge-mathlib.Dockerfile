# A judge for problems that import Mathlib: the judge image plus Mathlib at a pinned revision
# built for Lean v4.28.0, its compiled .olean files fetched with `lake exe cache get`.
# Its workers consume the queue `judge-mathlib` (the Mathlib import profile's queue).
#
# NEVER BUILT OR RUN: the development machines reach neither GitHub nor Mathlib's cache, and have
# no native Lean (the offline judge image built here has no lake: this build refuses it at once).
# The build stops with a message, before anything is compiled, when GitHub (lake update) or
# Mathlib's cache (lake exe cache get: every .olean must arrive) cannot be reached: Mathlib is
# never half-built from source in the image.
#   docker build -f docker/judge.Dockerfile --build-arg LEAN_SHA256=<sha256> -t arena-judge .
#   docker build -f docker/judge-mathlib.Dockerfile --build-arg MATHLIB_REV=<commit> -t arena-judge-mathlib .
# MATHLIB_REV: a mathlib4 commit whose lean-toolchain is leanprover/lean4:v4.28.0 (the tag
# v4.28.0 of mathlib4 is such a commit; pin its hash). The build checks the toolchain.
ARG JUDGE_IMAGE=arena-judge
FROM ${JUDGE_IMAGE}

ARG MATHLIB_REV=v4.28.0
ENV ARENA_MATHLIB_DIR=/opt/mathlib \
    # One Lean process with Mathlib imported maps its .olean files (~5 GB for all of Mathlib)
    # and needs ~6-8 GB resident in practice: an estimate from Mathlib users' reports, not a
    # measurement of ours (none could be made here). Size the container: slots x this.
    ARENA_NATIVE_MEMORY_MB=8192 \
    ARENA_NATIVE_WALL_SECONDS=120

# lake (shipped with Lean) and git fetch Mathlib and its dependencies at build time only;
# the running worker has no network for Lean (bubblewrap's new network namespace).
RUN apt-get update \
    && apt-get install -y --no-install-recommends git \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /opt/mathlib
RUN printf '%s\n' \
      'import Lake' 'open Lake DSL' \
      'package arena_mathlib' \
      "require mathlib from git \"https://github.com/leanprover-community/mathlib4\" @ \"${MATHLIB_REV}\"" \
      > lakefile.lean \
    && cp /srv/arena/lean-toolchain lean-toolchain \
    && { command -v lake >/dev/null || { echo "FAILED: the base image has no lake (build it with LEAN=native)" >&2; exit 1; }; } \
    && { lake update || { echo "FAILED: lake update could not fetch Mathlib ${MATHLIB_REV} (GitHub unreachable?)" >&2; exit 1; }; } \
    && grep -qx 'leanprover/lean4:v4.28.0' .lake/packages/mathlib/lean-toolchain \
    && { lake exe cache get || { echo "FAILED: Mathlib's cache could not be fetched (lake exe cache get)" >&2; exit 1; }; } \
    && { test -f .lake/packages/mathlib/.lake/build/lib/lean/Mathlib.olean \
         || { echo "FAILED: Mathlib's cache is incomplete (no Mathlib.olean): refusing to build Mathlib from source" >&2; exit 1; }; } \
    && printf 'import Mathlib\n#eval 1\n' > Check.lean \
    && lake env lean Check.lean \
    && chmod -R a+rX /opt/mathlib

# Lean finds Mathlib's .olean files through LEAN_PATH (what `lake env` sets).
ENV LEAN_PATH=/opt/mathlib/.lake/packages/mathlib/.lake/build/lib/lean:/opt/mathlib/.lake/packages/batteries/.lake/build/lib/lean:/opt/mathlib/.lake/packages/aesop/.lake/build/lib/lean:/opt/mathlib/.lake/packages/Qq/.lake/build/lib/lean:/opt/mathlib/.lake/packages/proofwidgets/.lake/build/lib/lean:/opt/mathlib/.lake/packages/importGraph/.lake/build/lib/lean:/opt/mathlib/.lake/packages/LeanSearchClient/.lake/build/lib/lean:/opt/mathlib/.lake/packages/plausible/.lake/build/lib/lean

WORKDIR /srv/arena
# Pre-started exporters import the profile's header before the job arrives (paying Mathlib's
# import of several seconds up front); a submission is sent to this queue only when its
# imports equal the profile's. The preloaded header is the judge's setting below.
ENV ARENA_LEAN_PRELOAD_IMPORTS="Mathlib"
CMD ["celery", "-A", "arena", "worker", "-Q", "judge-mathlib", "-n", "judge-mathlib@%h", "--concurrency", "1", "-l", "INFO"]
