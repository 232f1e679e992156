# The judge: a Celery worker on the `judge` queue with native Lean v4.28.0 and bubblewrap.
#
# Build (the archive's SHA-256 is required; take it from the release page and check it there,
# it cannot be verified from the machines this project is developed on):
#   docker build -f docker/judge.Dockerfile --build-arg LEAN_SHA256=<sha256> -t arena-judge .
# Run: bubblewrap needs user namespaces and the worker needs writable memory/pids cgroups, which
# Docker's default seccomp/AppArmor profiles and read-only /sys/fs/cgroup refuse, e.g.
#   docker run --security-opt seccomp=unconfined --security-opt apparmor=unconfined \
#     --cgroupns=private -v /sys/fs/cgroup:/sys/fs/cgroup:rw --env-file arena.env arena-judge
# The worker runs as root inside its container only to create cgroups and drop to uid 65534:
# every Lean job runs as nobody in its own bubblewrap sandbox (see README, "Lean and the sandbox").
FROM python:3.11-slim-bookworm

ARG LEAN_VERSION=4.28.0
ARG LEAN_SHA256
ARG LEAN_ARCHIVE=lean-${LEAN_VERSION}-linux.tar.zst

SHELL ["/bin/bash", "-o", "pipefail", "-c"]

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    ARENA_LEAN=native \
    ARENA_SANDBOX=bubblewrap \
    ARENA_LEAN_SLOTS=1 \
    ARENA_SCRATCH_DIR=/var/lib/arena/scratch \
    ARENA_VAR_DIR=/var/lib/arena

RUN apt-get update \
    && apt-get install -y --no-install-recommends bubblewrap ca-certificates curl util-linux zstd \
    && rm -rf /var/lib/apt/lists/*

# Native Lean from the release archive, checked against the pinned checksum.
RUN test -n "$LEAN_SHA256" || { echo "build with --build-arg LEAN_SHA256=<sha256 of $LEAN_ARCHIVE>" >&2; exit 1; } \
    && curl -fsSL -o /tmp/lean.tar.zst \
       "https://github.com/leanprover/lean4/releases/download/v${LEAN_VERSION}/${LEAN_ARCHIVE}" \
    && echo "${LEAN_SHA256}  /tmp/lean.tar.zst" | sha256sum -c - \
    && mkdir -p /opt/lean \
    && tar --zstd -xf /tmp/lean.tar.zst -C /opt/lean --strip-components=1 \
    && rm /tmp/lean.tar.zst \
    && chmod -R a+rX /opt/lean \
    && /opt/lean/bin/lean --version | grep -q "version ${LEAN_VERSION}"
ENV PATH=/opt/lean/bin:$PATH

WORKDIR /srv/arena
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

COPY . .
RUN mkdir -p /var/lib/arena \
    && python -m judge.provisioning --lean native

# The exporter and the replay compiled ahead of time (judge/lean/aot/, a small Lake package):
# a native verdict starts no compilation, where `lean --run` compiles them at every process
# start. UNTESTED: never built (no Docker engine and no native Lean where it was written). A
# stale build is never used: the runner checks the SHA-256 of the source each binary was built
# from and falls back to `lean --run`.
RUN judge/lean/aot/build.sh /opt/arena-aot \
    && chmod -R a+rX /opt/arena-aot
ENV ARENA_LEAN_AOT_DIR=/opt/arena-aot

# One Lean at a time per machine (ARENA_LEAN_SLOTS); the worker sizes its concurrency and pool
# from the container's memory limit at start and logs what it chose (judge/sizing.py).
ENV LOG_FORMAT=json
CMD ["celery", "-A", "arena", "worker", "-Q", "judge", "-n", "judge@%h", "-l", "INFO"]
