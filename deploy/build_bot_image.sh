#!/usr/bin/env bash
# Build the tenant bot image offline (no image registry reachable):
#   1. a Debian bookworm base from debootstrap, imported as $BASE_IMAGE (cached: skipped when
#      the image exists; the rootfs tarball is kept in $CACHE_DIR so a wiped engine re-imports
#      it without a new debootstrap),
#   2. wheels for bot/requirements.txt in a local wheelhouse (pip wheel, cached),
#   3. docker build --network none -f deploy/bot.Dockerfile.
# Idempotent; a second run with nothing changed takes a few seconds.
# Env: BOT_IMAGE (vitrine-bot:latest), BASE_IMAGE (vitrine-base:bookworm), CACHE_DIR,
#      DEBIAN_MIRROR (http://deb.debian.org/debian), PYTHON (python3 used for pip wheel).
set -euo pipefail
cd "$(dirname "$0")/.."

BOT_IMAGE="${BOT_IMAGE:-${RUNTIME_BOT_IMAGE:-vitrine-bot:latest}}"
BASE_IMAGE="${BASE_IMAGE:-vitrine-base:bookworm}"
CACHE_DIR="${CACHE_DIR:-/var/cache/vitrine-build}"
DEBIAN_MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
PYTHON="${PYTHON:-$( [ -x .venv/bin/python ] && echo .venv/bin/python || echo python3 )}"
mkdir -p "$CACHE_DIR"

log() { echo "build_bot_image: $*"; }

if ! docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
  rootfs_tar="$CACHE_DIR/bookworm-rootfs.tar"
  if [ ! -s "$rootfs_tar" ]; then
    command -v debootstrap >/dev/null || {
      apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
    }
    rootfs="$CACHE_DIR/rootfs"
    rm -rf "$rootfs"
    log "debootstrap bookworm (minbase + python3) into $rootfs"
    debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates,passwd \
      bookworm "$rootfs" "$DEBIAN_MIRROR" >"$CACHE_DIR/debootstrap.log" 2>&1 \
      || { tail -20 "$CACHE_DIR/debootstrap.log"; exit 1; }
    # Keep the image small: no apt lists, docs or caches.
    rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin \
      "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/*
    tar -C "$rootfs" -cf "$rootfs_tar.tmp" . && mv "$rootfs_tar.tmp" "$rootfs_tar"
    rm -rf "$rootfs"
  fi
  log "importing $BASE_IMAGE"
  docker import --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["/bin/bash"]' "$rootfs_tar" "$BASE_IMAGE" >/dev/null
fi

wheels="$CACHE_DIR/wheels"
stamp="$wheels/.requirements.sha256"
req_sum="$(sha256sum bot/requirements.txt | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$req_sum" ]; then
  log "building the wheelhouse for bot/requirements.txt"
  rm -rf "$wheels" && mkdir -p "$wheels"
  "$PYTHON" -m pip wheel -q -r bot/requirements.txt -w "$wheels"
  echo "$req_sum" >"$stamp"
fi

ctx="$(mktemp -d)"
trap 'rm -rf "$ctx"' EXIT
mkdir -p "$ctx/wheels"
cp "$wheels"/*.whl "$ctx/wheels/"
cp -r bot "$ctx/bot"
find "$ctx/bot" -name '__pycache__' -prune -exec rm -rf {} +
log "docker build $BOT_IMAGE (BASE_IMAGE=$BASE_IMAGE, --network none)"
docker build -q --network none --build-arg "BASE_IMAGE=$BASE_IMAGE" \
  -f deploy/bot.Dockerfile -t "$BOT_IMAGE" "$ctx" >/dev/null
log "ok: $(docker image inspect -f '{{.Id}} {{.Size}}' "$BOT_IMAGE")"
