#!/usr/bin/env bash
# Build the web image offline: the same Debian base as the bot image (debootstrap, imported),
# wheels for requirements.txt from a local wheelhouse, `docker build --network none`.
# Env: WEB_IMAGE (vitrine-web:latest), BASE_IMAGE (vitrine-base:bookworm), CACHE_DIR.
set -euo pipefail
cd "$(dirname "$0")/.."

WEB_IMAGE="${WEB_IMAGE:-vitrine-web:latest}"
BASE_IMAGE="${BASE_IMAGE:-vitrine-base:bookworm}"
CACHE_DIR="${CACHE_DIR:-/var/cache/vitrine-build}"
PYTHON="${PYTHON:-$( [ -x .venv/bin/python ] && echo .venv/bin/python || echo python3 )}"
log() { echo "build_web_image: $*"; }

# The base image comes from the bot build (it debootstraps once and caches the rootfs).
docker image inspect "$BASE_IMAGE" >/dev/null 2>&1 || bash deploy/build_bot_image.sh

wheels="$CACHE_DIR/web-wheels"
stamp="$wheels/.requirements.sha256"
req_sum="$(sha256sum requirements.txt | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$req_sum" ]; then
  log "building the wheelhouse for requirements.txt"
  rm -rf "$wheels" && mkdir -p "$wheels"
  "$PYTHON" -m pip wheel -q -r requirements.txt -w "$wheels"
  # Debian's Python is 3.11.2: packages whose markers ask for more on < 3.11.3 need these too.
  "$PYTHON" -m pip wheel -q "async-timeout>=4.0.3" -w "$wheels"
  echo "$req_sum" >"$stamp"
fi

ctx="$(mktemp -d)"
trap 'rm -rf "$ctx"' EXIT
# The tracked files only: no .venv, var/, secrets or caches in the image.
git archive HEAD | tar -x -C "$ctx"
mkdir -p "$ctx/wheels" && cp "$wheels"/*.whl "$ctx/wheels/"
log "docker build $WEB_IMAGE (BASE_IMAGE=$BASE_IMAGE, --network none)"
docker build -q --network none --build-arg "BASE_IMAGE=$BASE_IMAGE" \
  -f deploy/web.Dockerfile -t "$WEB_IMAGE" "$ctx" >/dev/null
log "ok: $(docker image inspect -f '{{.Id}} {{.Size}}' "$WEB_IMAGE")"
