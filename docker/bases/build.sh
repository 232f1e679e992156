#!/usr/bin/env bash
# Base images made from Debian's packages, for machines that reach a Debian mirror but no image
# registry (the development machines: no Docker Hub). Each is a debootstrap'ed bookworm root
# imported with `docker import`, tagged under arena-base/ and used through the Dockerfiles' BASE
# build argument and the compose file's *_IMAGE variables (scripts/stack.sh does both):
#   arena-base/python:3.11-bookworm   python3 (3.11), pip, venv, curl, ca-certificates
#   arena-base/postgres:15            Debian's postgresql-15, docker/bases/postgres-entrypoint.sh
#   arena-base/redis:7                Debian's redis-server (7.0)
# A base is built only when missing (`--force` rebuilds; name bases to build only those); debootstrap takes ~30 s and ~200 MB a
# base. Needs root, debootstrap (installed with apt-get when missing) and DOCKER_HOST.
# Operators with a registry use the public images instead (python:3.11-slim-bookworm, postgres:15,
# redis:7), the defaults everywhere.
set -euo pipefail
cd "$(dirname "$0")/../.."
# Arguments: [--force] [python] [postgres] [redis] (default: all three).
force=0; [ "${1:-}" = --force ] && { force=1; shift; }
wanted=" ${*:-python postgres redis} "
MIRROR="${DEBIAN_MIRROR:-$(sed -n 's/^URIs: *\(http[^ ]*debian\)$/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1)}"
MIRROR="${MIRROR:-http://deb.debian.org/debian}"
command -v debootstrap >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null

base() {  # base TAG PACKAGES [--change ...]
    local tag=$1 packages=$2; shift 2
    local short=${tag#arena-base/}; short=${short%%:*}
    [[ "$wanted" == *" $short "* ]] || return 0
    if [ "$force" = 0 ] && docker image inspect "$tag" >/dev/null 2>&1; then return 0; fi
    local root; root=$(mktemp -d /var/tmp/arena-base.XXXXXX)
    chmod 755 "$root"  # the image's / (mktemp made it 0700: nobody but root could run anything)
    echo "== $tag: debootstrap bookworm ($MIRROR) + $packages"
    debootstrap --variant=minbase --include="$packages" bookworm "$root" "$MIRROR" >/dev/null
    rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb
    extra "$tag" "$root"
    tar -C "$root" -c . | docker import "$@" - "$tag" >/dev/null
    rm -rf "$root"
    echo "   $tag: $(docker image inspect -f '{{.Size}}' "$tag" | numfmt --to=iec)"
}

extra() {  # per-image files put into the root before import
    case $1 in
        arena-base/postgres:*) install -m 755 docker/bases/postgres-entrypoint.sh "$2/usr/local/bin/docker-entrypoint.sh" ;;
    esac
}

base arena-base/python:3.11-bookworm python3,python3-pip,python3-venv,python-is-python3,ca-certificates,curl \
    --change 'ENV PIP_BREAK_SYSTEM_PACKAGES=1' --change 'ENV LANG=C.UTF-8' --change 'CMD ["python3"]'
base arena-base/postgres:15 postgresql-15 \
    --change 'ENV PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV PGDATA=/var/lib/postgresql/data' --change 'ENV LANG=C.UTF-8' \
    --change 'ENTRYPOINT ["docker-entrypoint.sh"]' --change 'CMD ["postgres"]'
base arena-base/redis:7 redis-server \
    --change 'CMD ["redis-server"]'
